"""Personal access tokens: `keel_pat_<public id>_<secret>`, stored as a SHA-256 hash."""

from django.conf import settings
from django.db import models


class PersonalAccessToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_tokens"
    )
    name = models.CharField(max_length=100)
    # Among apps/tokens/input_rules.py's SCOPES.
    scopes = models.JSONField(default=list)
    # The visible part of the token (its id part), to recognise it in lists and logs.
    public_id = models.CharField(max_length=16, unique=True)
    # SHA-256 (hex) of the whole token as the client sends it; the token itself is never kept.
    secret_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Migrated from an old `Authorization: Token <key>` token (deprecated).
    legacy = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def prefix(self) -> str:
        return f"keel_pat_{self.public_id}"


class TokenUse(models.Model):
    """When a token was last used, kept apart from the token so recording a use (at most once
    a minute per token) does not invalidate every cached token lookup."""

    token = models.OneToOneField(
        PersonalAccessToken, on_delete=models.CASCADE, primary_key=True, related_name="use"
    )
    last_used_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.token_id} used {self.last_used_at:%Y-%m-%d %H:%M}"
