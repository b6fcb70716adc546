"""What the account endpoints read and write: sign-up, credentials, users, tokens."""

from rest_framework import serializers

from apps.accounts.models import User


class SignUpSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})
    display_name = serializers.CharField(
        required=False, allow_blank=True, max_length=150, default=""
    )


class SignUpReceivedSerializer(serializers.Serializer):
    detail = serializers.CharField(
        help_text="The same for a new and a taken address: the e-mail sent says which."
    )


class CredentialsSerializer(serializers.Serializer):
    email = serializers.CharField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})


class TokenCredentialsSerializer(CredentialsSerializer):
    code = serializers.CharField(
        required=False,
        max_length=64,
        help_text=(
            "Required for accounts with two-factor authentication: a code of the "
            "authenticator app, or a recovery code (else `second_factor_required`, 401)."
        ),
    )


class UserSerializer(serializers.ModelSerializer):
    name = serializers.CharField(
        read_only=True, help_text="The display name, else the e-mail's local part."
    )

    class Meta:
        model = User
        fields = ["id", "email", "display_name", "name"]
        read_only_fields = fields


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        source="key",
        help_text="A new personal access token, shown once: send it as "
        "`Authorization: Bearer <token>`.",
    )


class SessionSerializer(serializers.Serializer):
    user = UserSerializer(allow_null=True, help_text="The signed-in user, or null.")


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What happened, for people.")


class EmailSerializer(serializers.Serializer):
    email = serializers.EmailField()


class LinkTokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text="The last part of the link's path in the e-mail (/accounts/verify/<token>/ "
        "or /accounts/email/confirm/<token>/)."
    )


class PasswordResetConfirmSerializer(serializers.Serializer):
    uid = serializers.CharField(help_text="From the link: /accounts/password/reset/<uid>/<token>/.")
    token = serializers.CharField(help_text="From the link, after the uid.")
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})


class PasswordChangeSerializer(serializers.Serializer):
    current_password = serializers.CharField(
        trim_whitespace=False, style={"input_type": "password"}
    )
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})


class EmailChangeSerializer(serializers.Serializer):
    email = serializers.EmailField(help_text="The new address; it gets the confirmation link.")
    password = serializers.CharField(
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text="The current password.",
    )


class ProfileSerializer(serializers.Serializer):
    display_name = serializers.CharField(allow_blank=True, max_length=150)


class FactorCodeSerializer(serializers.Serializer):
    code = serializers.CharField(
        max_length=64,
        help_text="The 6 digits of the authenticator app, or one of the recovery codes.",
    )


class PasswordSerializer(serializers.Serializer):
    password = serializers.CharField(
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text="The current password, asked again.",
    )


class SecondStepSerializer(serializers.Serializer):
    detail = serializers.CharField()
    second_factor_required = serializers.BooleanField(
        help_text="True: POST a code to auth/session/code/ to finish signing in."
    )


class TotpEnrolmentSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The secret in base32, to type into an app.")
    otpauth_uri = serializers.CharField(help_text="The otpauth:// address a QR code carries.")


class RecoveryCodesSerializer(serializers.Serializer):
    recovery_codes = serializers.ListField(
        child=serializers.CharField(),
        help_text="Ten single-use codes, shown this once; each replaces a TOTP code once.",
    )
