"""Account endpoints: sign-up, API tokens, browser sessions and the current user."""

from django.contrib.auth import login, logout, update_session_auth_hash
from django.core.exceptions import ValidationError as DjangoValidationError
from django.middleware.csrf import get_token
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import attempts, selectors, services
from apps.accounts.api.serializers import (
    CredentialsSerializer,
    DetailSerializer,
    EmailChangeSerializer,
    EmailSerializer,
    FactorCodeSerializer,
    LinkTokenSerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordSerializer,
    ProfileSerializer,
    RecoveryCodesSerializer,
    SecondStepSerializer,
    SessionSerializer,
    SignUpReceivedSerializer,
    SignUpSerializer,
    TokenCredentialsSerializer,
    TokenSerializer,
    TotpEnrolmentSerializer,
    UserSerializer,
)
from apps.api.problems import problem_responses
from apps.api.validation import validated_data


class SignUpView(APIView):
    """Sign-up answers 202 alike for a new and a taken address; the e-mail tells which."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="auth_signup",
        request=SignUpSerializer,
        responses={202: SignUpReceivedSerializer, **problem_responses(400, 415, 422, 429)},
        summary="Create an account (the answer is the same if the address has one)",
    )
    def post(self, request):
        data = validated_data(SignUpSerializer, request.data)
        try:
            services.sign_up(
                **data,
                client_address=attempts.client_address(request),
                site=request.build_absolute_uri("/"),
            )
        except DjangoValidationError as exc:
            raise _password_problem(exc) from exc
        return Response(
            SignUpReceivedSerializer({"detail": services.SIGN_UP_RECEIVED}).data,
            status=status.HTTP_202_ACCEPTED,
        )


def _password_problem(exc: DjangoValidationError) -> serializers.ValidationError:
    """The password validators speak through Django's ValidationError; keep their codes
    (password_too_short, password_breached, ...) so clients can tell them apart."""
    return serializers.ValidationError(
        {
            "password": [
                serializers.ErrorDetail(message, code=error.code or "invalid")
                for error in exc.error_list
                for message in error.messages
            ]
        }
    )


class TokenView(APIView):
    """API tokens: POST exchanges credentials for a new personal access token (apps/tokens),
    DELETE revokes all of the user's tokens."""

    def get_permissions(self):
        if self.request.method == "DELETE":
            return [IsAuthenticated()]
        return [AllowAny()]

    @extend_schema(
        operation_id="auth_token_create",
        request=TokenCredentialsSerializer,
        responses={200: TokenSerializer, **problem_responses(400, 415, 422, 429)},
        summary="Get a new personal access token for an e-mail and password",
    )
    def post(self, request):
        data = validated_data(TokenCredentialsSerializer, request.data)
        token = services.issue_api_token(
            email=data["email"],
            password=data["password"],
            code=data.get("code", ""),
            client_address=attempts.client_address(request),
        )
        return Response(TokenSerializer(token).data)

    @extend_schema(
        operation_id="auth_token_revoke",
        responses={204: OpenApiResponse(description="Revoked."), **problem_responses(401)},
        summary="Revoke all of the current user's tokens",
    )
    def delete(self, request):
        services.revoke_api_token(actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SessionView(APIView):
    """Cookie sessions for browser clients; CSRF protects every write, sign-in included."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="auth_session_retrieve",
        responses={200: SessionSerializer},
        summary="The session's user, and a fresh `csrftoken` cookie",
    )
    def get(self, request):
        # Sets the csrftoken cookie, which the browser client echoes in X-CSRFToken.
        get_token(request)
        user = request.user if request.user.is_authenticated else None
        return Response(SessionSerializer({"user": user}).data)

    @extend_schema(
        operation_id="auth_session_create",
        request=CredentialsSerializer,
        responses={
            200: UserSerializer,
            202: SecondStepSerializer,
            **problem_responses(400, 403, 415, 422, 429),
        },
        summary="Sign in with a session cookie",
        description=(
            "An account with two-factor authentication is not signed in yet: the answer is "
            '202 and the session holds a signed, five-minute "factor pending" state; POST '
            "a code to `auth/session/code/` to finish."
        ),
    )
    def post(self, request):
        # DRF only checks CSRF for requests already authenticated by session; a sign-in
        # comes anonymous, and must be checked too (login CSRF).
        SessionAuthentication().enforce_csrf(request)
        data = validated_data(CredentialsSerializer, request.data)
        user = services.authenticate_user(
            email=data["email"],
            password=data["password"],
            client_address=attempts.client_address(request),
            device=attempts.device_cookie(request),
        )
        if selectors.has_two_factor(user):
            # Not signed in yet: the session holds only the signed "factor pending" state.
            request.session[services.PENDING_SIGN_IN_KEY] = services.pending_sign_in(user)
            return Response(
                SecondStepSerializer(
                    {"detail": "Send a code to auth/session/code/.", "second_factor_required": True}
                ).data,
                status=status.HTTP_202_ACCEPTED,
            )
        login(request, user)
        response = Response(UserSerializer(user).data)
        attempts.remember_device(response, user)
        return response

    @extend_schema(
        operation_id="auth_session_destroy",
        responses={204: OpenApiResponse(description="Signed out."), **problem_responses(403)},
        summary="Sign out",
    )
    def delete(self, request):
        logout(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_retrieve",
        responses={200: UserSerializer, **problem_responses(401)},
        summary="The current user",
    )
    def get(self, request):
        return Response(UserSerializer(request.user).data)

    @extend_schema(
        operation_id="me_update",
        request=ProfileSerializer,
        responses={200: UserSerializer, **problem_responses(400, 401, 403, 415, 422)},
        summary="Change the current user's display name",
    )
    def patch(self, request):
        data = validated_data(ProfileSerializer, request.data)
        user = services.update_profile(actor=request.user, display_name=data["display_name"])
        return Response(UserSerializer(user).data)


def _accepted(detail: str) -> Response:
    return Response(DetailSerializer({"detail": detail}).data, status=status.HTTP_202_ACCEPTED)


class VerifyEmailView(APIView):
    """The token of a sign-up's verification link (the e-mail links the web page)."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="auth_verify",
        request=LinkTokenSerializer,
        responses={200: DetailSerializer, **problem_responses(400, 415, 422)},
        summary="Verify a sign-up's e-mail address",
        description=(
            "Send the token of the link e-mailed at sign-up. Until then the account cannot "
            "sign in (`email_not_verified`, 403, once the password is right). A tampered, "
            "expired or foreign token answers `invalid_link`."
        ),
    )
    def post(self, request):
        data = validated_data(LinkTokenSerializer, request.data)
        services.verify_email(token=data["token"])
        return Response(DetailSerializer({"detail": "The e-mail address is verified."}).data)


class ResendVerificationView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="auth_verify_resend",
        request=EmailSerializer,
        responses={202: DetailSerializer, **problem_responses(400, 415, 422, 429)},
        summary="Send the verification link again",
        description=(
            "Answers 202 with the same body for every address, with or without an "
            "unverified account; counted as a sign-up of the client address."
        ),
    )
    def post(self, request):
        data = validated_data(EmailSerializer, request.data)
        services.resend_verification(
            email=data["email"],
            client_address=attempts.client_address(request),
            site=request.build_absolute_uri("/"),
        )
        return _accepted(services.VERIFICATION_SENT)


class PasswordResetView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="auth_password_reset",
        request=EmailSerializer,
        responses={202: DetailSerializer, **problem_responses(400, 415, 422, 429)},
        summary="E-mail a link to choose a new password",
        description=(
            "Answers 202 with the same body whether an account has the address or not. "
            "Limited per client address (`too_many_reset_requests`, 429) and, silently, "
            "per account from addresses it never signed in from. The link, "
            "/accounts/password/reset/<uid>/<token>/, works once and expires."
        ),
    )
    def post(self, request):
        data = validated_data(EmailSerializer, request.data)
        services.request_password_reset(
            email=data["email"],
            client_address=attempts.client_address(request),
            site=request.build_absolute_uri("/"),
        )
        return _accepted(services.PASSWORD_RESET_SENT)


class PasswordResetConfirmView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="auth_password_reset_confirm",
        request=PasswordResetConfirmSerializer,
        responses={204: OpenApiResponse(description="Set."), **problem_responses(400, 415, 422)},
        summary="Set a new password with a reset link's uid and token",
        description=(
            "Applies the password policy (errors on `password` keep the validators' codes). "
            "Ends every session and the API token of the account."
        ),
    )
    def post(self, request):
        data = validated_data(PasswordResetConfirmSerializer, request.data)
        try:
            services.reset_password(
                uid=data["uid"], token=data["token"], new_password=data["password"]
            )
        except DjangoValidationError as exc:
            raise _password_problem(exc) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailChangeConfirmView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="auth_email_confirm",
        request=LinkTokenSerializer,
        responses={200: UserSerializer, **problem_responses(400, 409, 415, 422)},
        summary="Confirm a new e-mail address with its link's token",
        description="The account moves to the new address; the old address is told.",
    )
    def post(self, request):
        data = validated_data(LinkTokenSerializer, request.data)
        user = services.confirm_email_change(token=data["token"])
        return Response(UserSerializer(user).data)


class PasswordChangeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_password_change",
        request=PasswordChangeSerializer,
        responses={
            204: OpenApiResponse(description="Changed."),
            **problem_responses(400, 401, 403, 415, 422, 429),
        },
        summary="Change the current user's password",
        description=(
            "The current password is checked like a sign-in (its limits apply). Ends the "
            "user's other sessions; this one stays signed in."
        ),
    )
    def post(self, request):
        data = validated_data(PasswordChangeSerializer, request.data)
        session = getattr(request, "session", None)
        try:
            services.change_password(
                actor=request.user,
                current_password=data["current_password"],
                new_password=data["password"],
                client_address=attempts.client_address(request),
                device=attempts.device_cookie(request),
                keep_session=session.session_key if session is not None else None,
            )
        except DjangoValidationError as exc:
            raise _password_problem(exc) from exc
        if session is not None and session.session_key:
            update_session_auth_hash(request, request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailChangeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_email_change",
        request=EmailChangeSerializer,
        responses={202: DetailSerializer, **problem_responses(400, 401, 403, 415, 422, 429)},
        summary="Ask to move the current user to a new e-mail address",
        description=(
            "Sends a link to the new address (confirm with `auth_email_confirm`); the "
            "current address stays until then. The same answer for a taken address."
        ),
    )
    def post(self, request):
        data = validated_data(EmailChangeSerializer, request.data)
        services.request_email_change(
            actor=request.user,
            new_email=data["email"],
            password=data["password"],
            client_address=attempts.client_address(request),
            device=attempts.device_cookie(request),
            site=request.build_absolute_uri("/"),
        )
        return _accepted(EMAIL_CHANGE_SENT)


EMAIL_CHANGE_SENT = "We have sent a link to the new address: follow it to make the change."


class SessionCodeView(APIView):
    """The second step of a session sign-in for accounts with two-factor authentication."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="auth_session_code",
        request=FactorCodeSerializer,
        responses={200: UserSerializer, **problem_responses(400, 403, 415, 422, 429)},
        summary="Finish a session sign-in with a TOTP or recovery code",
        description=(
            "After `auth/session/` answered 202. A TOTP code works once, within one step "
            "(30 s) of drift; a recovery code works once and its owner is e-mailed. Wrong "
            "codes count against the sign-in limits like wrong passwords (429). "
            "`sign_in_step_expired` asks for the password again (more than five minutes, or "
            "no first step in this session)."
        ),
    )
    def post(self, request):
        SessionAuthentication().enforce_csrf(request)
        data = validated_data(FactorCodeSerializer, request.data)
        user = services.complete_sign_in(
            pending=request.session.get(services.PENDING_SIGN_IN_KEY),
            code=data["code"],
            client_address=attempts.client_address(request),
            device=attempts.device_cookie(request),
        )
        request.session.pop(services.PENDING_SIGN_IN_KEY, None)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        response = Response(UserSerializer(user).data)
        attempts.remember_device(response, user)
        return response


class TotpView(APIView):
    """Set up an authenticator app (TOTP) for the current user."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_totp_start",
        request=None,
        responses={201: TotpEnrolmentSerializer, **problem_responses(401, 403, 409)},
        summary="Start setting up an authenticator app",
        description=(
            "A new key, not active until confirmed with a code (`me/totp/confirm/`); a "
            "previous unconfirmed one is replaced. `two_factor_already_enabled` (409) if on."
        ),
    )
    def post(self, request):
        device = services.start_totp_enrolment(actor=request.user)
        return Response(
            TotpEnrolmentSerializer(
                {
                    "key": selectors.totp_manual_key(device).replace(" ", ""),
                    "otpauth_uri": device.config_url,
                }
            ).data,
            status=status.HTTP_201_CREATED,
        )


class TotpConfirmView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_totp_confirm",
        request=FactorCodeSerializer,
        responses={
            200: RecoveryCodesSerializer,
            **problem_responses(400, 401, 403, 409, 415, 422, 429),
        },
        summary="Turn two-factor authentication on with the app's first code",
        description=(
            "Answers the ten recovery codes, shown this once. Publishes "
            "`account.factor_added`. Wrong codes count against the sign-in limits."
        ),
    )
    def post(self, request):
        data = validated_data(FactorCodeSerializer, request.data)
        codes = services.confirm_totp(
            actor=request.user,
            code=data["code"],
            client_address=attempts.client_address(request),
            device=attempts.device_cookie(request),
        )
        return Response(RecoveryCodesSerializer({"recovery_codes": codes}).data)


class TotpDisableView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_totp_disable",
        request=PasswordSerializer,
        responses={
            204: OpenApiResponse(description="Off."),
            **problem_responses(400, 401, 403, 409, 415, 422, 429),
        },
        summary="Turn two-factor authentication off (asks for the password)",
        description="Deletes the recovery codes too; publishes `account.factor_removed`.",
    )
    def post(self, request):
        data = validated_data(PasswordSerializer, request.data)
        services.disable_totp(
            actor=request.user,
            password=data["password"],
            client_address=attempts.client_address(request),
            device=attempts.device_cookie(request),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class RecoveryCodesView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_recovery_codes_regenerate",
        request=PasswordSerializer,
        responses={
            200: RecoveryCodesSerializer,
            **problem_responses(400, 401, 403, 409, 415, 422, 429),
        },
        summary="New recovery codes (asks for the password); the old ones stop working",
    )
    def post(self, request):
        data = validated_data(PasswordSerializer, request.data)
        codes = services.regenerate_recovery_codes(
            actor=request.user,
            password=data["password"],
            client_address=attempts.client_address(request),
            device=attempts.device_cookie(request),
        )
        return Response(RecoveryCodesSerializer({"recovery_codes": codes}).data)
