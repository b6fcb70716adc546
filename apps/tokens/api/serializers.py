from rest_framework import serializers

from apps.tokens.input_rules import NAME_MAX_LENGTH, SCOPES
from apps.tokens.selectors import last_used_at


class PersonalAccessTokenSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField()
    prefix = serializers.CharField(help_text="The visible start of the token: `keel_pat_<id>`.")
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=list(SCOPES)))
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    last_used_at = serializers.SerializerMethodField()
    revoked_at = serializers.DateTimeField(allow_null=True)

    def get_last_used_at(self, token) -> str | None:
        used = last_used_at(token)
        return used.isoformat() if used else None


class TokenInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=NAME_MAX_LENGTH)
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=list(SCOPES)),
        help_text="`read`: safe requests and GraphQL queries; `write`: also changes.",
    )
    expires_at = serializers.DateTimeField(
        required=False, help_text="Defaults to TOKENS['DEFAULT_LIFETIME_DAYS'] from now."
    )


class CreatedTokenSerializer(PersonalAccessTokenSerializer):
    token = serializers.CharField(
        help_text="Shown once: send it as `Authorization: Bearer <token>`."
    )
