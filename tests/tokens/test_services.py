"""Creating and revoking tokens: the secret is shown once, only its hash is kept."""

import hashlib
import importlib
from datetime import timedelta

import pytest
from django.apps import apps as installed_apps
from django.utils import timezone
from rest_framework.authtoken.models import Token

from apps.tokens.errors import InvalidTokenInput, TokenNotFound
from apps.tokens.models import PersonalAccessToken
from apps.tokens.services import create_token, revoke_token
from apps.tokens.token_format import TOKEN_PATTERN
from tests.accounts.factories import make_user
from tests.tokens.factories import bearer_client, make_token

pytestmark = pytest.mark.django_db


def test_a_new_token_is_returned_once_and_only_its_hash_is_stored(capture_published_events):
    user = make_user()

    created = make_token(user, scopes=["read"])

    assert TOKEN_PATTERN.fullmatch(created.key)
    stored = PersonalAccessToken.objects.get(user=user)
    assert stored.secret_hash == hashlib.sha256(created.key.encode()).hexdigest()
    secret = created.key.rsplit("_", 1)[1]
    assert secret not in repr(PersonalAccessToken.objects.filter(pk=stored.pk).values().get())
    assert created.key.startswith(stored.prefix + "_")
    assert stored.scopes == ["read"]
    [event] = capture_published_events()
    assert event.event_type == "token.created"
    assert secret not in repr(event.payload)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": " "}, "name"),
        ({"scopes": ["admin"]}, "scopes"),
        ({"scopes": []}, "scopes"),
        ({"expires_at": timezone.now() - timedelta(days=1)}, "expires_at"),
        ({"expires_at": timezone.now() + timedelta(days=400)}, "expires_at"),
    ],
)
def test_tokens_are_refused_outside_the_rules(fields, field):
    user = make_user()
    values = {"name": "ci", "scopes": ["read"], **fields}

    with pytest.raises(InvalidTokenInput) as refused:
        create_token(actor=user, **values)

    assert refused.value.field == field
    assert not PersonalAccessToken.objects.exists()


def test_a_token_of_someone_else_cannot_be_revoked(capture_published_events):
    owner, other = make_user(), make_user()
    created = make_token(owner)

    with pytest.raises(TokenNotFound):
        revoke_token(actor=other, token_id=created.token.pk)

    assert PersonalAccessToken.objects.get().revoked_at is None
    assert bearer_client(created.key).get("/api/me/").status_code == 200
    revoke_token(actor=owner, token_id=created.token.pk)
    assert [e.event_type for e in capture_published_events()] == ["token.created", "token.revoked"]


def test_an_old_drf_token_keeps_working_after_the_migration_until_revoked():
    user = make_user()
    old = Token.objects.create(user=user)
    migration = importlib.import_module("apps.tokens.migrations.0002_import_drf_tokens")

    migration.import_drf_tokens(installed_apps, None)
    migration.import_drf_tokens(installed_apps, None)  # run twice, imported once

    imported = PersonalAccessToken.objects.get(user=user)
    assert imported.legacy
    assert imported.scopes == ["read", "write"]
    assert imported.secret_hash == hashlib.sha256(old.key.encode()).hexdigest()
    assert imported.expires_at > timezone.now() + timedelta(days=89)
    client = bearer_client("")
    client.credentials(HTTP_AUTHORIZATION=f"Token {old.key}")
    assert client.get("/api/me/").json()["email"] == user.email
    assert bearer_client(old.key).get("/api/me/").status_code == 200

    revoke_token(actor=user, token_id=imported.pk)

    assert client.get("/api/me/").status_code == 401
