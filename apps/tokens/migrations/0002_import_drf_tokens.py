"""Tokens issued before personal access tokens (rest_framework.authtoken's Token rows) keep
working until revoked: each old key becomes a hashed token with scopes read and write and
the expiry TOKENS["LEGACY_LIFETIME_DAYS"] from now, accepted as `Authorization: Token <key>`
(deprecated). The old rows are left as they were; nothing reads them any more."""

import secrets
import string
from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone

from apps.tokens.token_format import token_hash

_ID_ALPHABET = string.ascii_lowercase + string.digits


def import_drf_tokens(apps, schema_editor):
    Token = apps.get_model("authtoken", "Token")
    PersonalAccessToken = apps.get_model("tokens", "PersonalAccessToken")
    expires_at = timezone.now() + timedelta(days=settings.TOKENS["LEGACY_LIFETIME_DAYS"])
    for user_id, key in Token.objects.values_list("user_id", "key").iterator():
        digest = token_hash(key)
        if PersonalAccessToken.objects.filter(secret_hash=digest).exists():
            continue  # imported already
        PersonalAccessToken.objects.create(
            user_id=user_id,
            name="API token (before personal access tokens)",
            scopes=["read", "write"],
            # Never part of the key: the old key is found by its hash.
            public_id="".join(secrets.choice(_ID_ALPHABET) for _ in range(12)),
            secret_hash=digest,
            expires_at=expires_at,
            legacy=True,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("tokens", "0001_initial"),
        ("authtoken", "0004_alter_tokenproxy_options"),
    ]

    operations = [migrations.RunPython(import_drf_tokens, migrations.RunPython.noop)]
