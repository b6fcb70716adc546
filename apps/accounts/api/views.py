"""Account endpoints: sign-up, API tokens, browser sessions and the current user."""

from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError as DjangoValidationError
from django.middleware.csrf import get_token
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import attempts, services
from apps.accounts.api.serializers import (
    CredentialsSerializer,
    SessionSerializer,
    SignUpReceivedSerializer,
    SignUpSerializer,
    TokenSerializer,
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
                sign_in_url=request.build_absolute_uri(reverse("accounts:signin")),
            )
        except DjangoValidationError as exc:
            # The password validators speak through Django's ValidationError; keep their
            # codes (password_too_short, ...) so clients can tell them apart.
            raise serializers.ValidationError(
                {
                    "password": [
                        serializers.ErrorDetail(message, code=error.code or "invalid")
                        for error in exc.error_list
                        for message in error.messages
                    ]
                }
            ) from exc
        return Response(
            SignUpReceivedSerializer({"detail": services.SIGN_UP_RECEIVED}).data,
            status=status.HTTP_202_ACCEPTED,
        )


class TokenView(APIView):
    """An API token per user: POST exchanges credentials for it, DELETE revokes it."""

    def get_permissions(self):
        if self.request.method == "DELETE":
            return [IsAuthenticated()]
        return [AllowAny()]

    @extend_schema(
        operation_id="auth_token_create",
        request=CredentialsSerializer,
        responses={200: TokenSerializer, **problem_responses(400, 415, 422, 429)},
        summary="Get the API token for an e-mail and password",
    )
    def post(self, request):
        data = validated_data(CredentialsSerializer, request.data)
        token = services.issue_api_token(
            email=data["email"],
            password=data["password"],
            client_address=attempts.client_address(request),
        )
        return Response(TokenSerializer(token).data)

    @extend_schema(
        operation_id="auth_token_revoke",
        responses={204: OpenApiResponse(description="Revoked."), **problem_responses(401)},
        summary="Revoke the current user's API token",
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
        responses={200: UserSerializer, **problem_responses(400, 403, 415, 422, 429)},
        summary="Sign in with a session cookie",
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
