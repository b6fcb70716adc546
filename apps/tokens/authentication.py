"""`Authorization: Bearer <token>` for the REST API and GraphQL, with the lookup cached.

The old `Authorization: Token <key>` header is still accepted (deprecated): the old DRF keys
were migrated to hashed tokens (migrations/0002), found by the hash of the key.

Two cached entries replace the database: the token's lookup (its id, user id, scopes,
expiry) under the hash of the token and the PersonalAccessToken tag (revoking invalidates
it), and the user's columns but the password hash under the User tag, shared by the user's
tokens. Neither the token nor a password hash reaches the cache; an unknown or revoked token
is never cached. A warm lookup costs no query; the use is written at most once a minute
(services.record_token_use).

REST views choose their own permission classes, so the `write` scope is checked here, where
every REST request passes: a token without it may send only safe methods. GraphQL mutations
are refused by `graphql.TokenScopeMiddleware`.
"""

import hashlib
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request

from apps.caching.default import cache
from apps.caching.invalidation import has_uncommitted_writes, model_tag
from apps.tokens import services, token_format
from apps.tokens.models import PersonalAccessToken

TOKEN_TTL = 300
KEYWORDS = {b"bearer", b"token"}  # Token: deprecated, for the old DRF keys
User = get_user_model()
_TOKEN_TAGS = (model_tag(PersonalAccessToken),)
_USER_TAGS = (model_tag(User),)
_CACHED_FIELDS = tuple(
    field.attname for field in User._meta.concrete_fields if field.name != "password"
)
_USER_KEY_PREFIX = (
    f"tokens:user:{hashlib.blake2b(repr(_CACHED_FIELDS).encode(), digest_size=4).hexdigest()}:"
)


class InvalidToken(exceptions.AuthenticationFailed):
    default_detail = "Invalid token."


class BearerTokenAuthentication(BaseAuthentication):
    """Personal access tokens (apps/tokens), as `Bearer` or the deprecated `Token` keyword."""

    def authenticate(self, request: Any) -> tuple[Any, PersonalAccessToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise InvalidToken("Invalid token header: give one token after the keyword.")
        try:
            key = parts[1].decode()
        except UnicodeError:
            raise InvalidToken() from None
        user, token = authenticate_token(key)
        if (
            isinstance(request, Request)
            and request.method not in SAFE_METHODS
            and "write" not in token.scopes
        ):
            raise exceptions.PermissionDenied(
                "This token's scopes do not allow changes (it lacks `write`)."
            )
        return user, token

    def authenticate_header(self, request: Any) -> str:
        return "Bearer"


def authenticate_token(key: str) -> tuple[Any, PersonalAccessToken]:
    """(user, token) for a live token of an active user; raises InvalidToken otherwise.

    The user carries the token's scopes as `token_scopes` (a frozenset), which the surfaces'
    scope checks read.
    """
    digest = token_format.token_hash(key)
    # A transaction that has just revoked a token, uncommitted, must already see it gone.
    if has_uncommitted_writes(connection):
        looked_up = _token_row(key, digest)
        token_values, user_values = looked_up[:4], looked_up[4:]
    else:
        token_values, user_values = _cached_values(key, digest)
    token_id, user_id, scopes, expires_at = token_values
    if expires_at <= timezone.now().timestamp():
        raise InvalidToken("The token has expired.")
    user = User.from_db(connection.alias, _CACHED_FIELDS, user_values)
    if not user.is_active:
        raise InvalidToken("User inactive or deleted.")
    user.token_scopes = frozenset(scopes)  # type: ignore[attr-defined]
    services.record_token_use(token_id=token_id)
    token = PersonalAccessToken(id=token_id, user_id=user_id, scopes=list(scopes))
    return user, token


def _cached_values(key: str, digest: str) -> tuple[tuple, tuple]:
    users = cache.tags(*_USER_TAGS)
    cold: dict = {}

    def look_up_token() -> tuple:
        cold["as_of"] = users.snapshot()
        row = _token_row(key, digest)
        cold["values"] = row[4:]
        return row[:4]

    token_values = cache.tags(*_TOKEN_TAGS).remember(
        "tokens:pat:" + digest, TOKEN_TTL, look_up_token
    )
    user_key = f"{_USER_KEY_PREFIX}{token_values[1]}"
    if "values" in cold:
        users.set(user_key, cold["values"], TOKEN_TTL, as_of=cold["as_of"])
        return token_values, cold["values"]
    return token_values, users.remember(user_key, TOKEN_TTL, lambda: _user_values(token_values[1]))


def _token_row(key: str, digest: str) -> tuple:
    """(token id, user id, scopes, expiry timestamp, *the user's cached columns) of a live
    token; an unknown or revoked one fails."""
    public_id = token_format.public_id_of(key)
    tokens = PersonalAccessToken.objects.filter(revoked_at__isnull=True)
    # A new token is found by its id part, an old DRF key (no id part) by its hash.
    tokens = (
        tokens.filter(public_id=public_id)
        if public_id
        else tokens.filter(secret_hash=digest, legacy=True)
    )
    row = tokens.values_list(
        "secret_hash",
        "pk",
        "user_id",
        "scopes",
        "expires_at",
        *(f"user__{name}" for name in _CACHED_FIELDS),
    ).first()
    if row is None or not token_format.hashes_match(row[0], digest):
        raise InvalidToken()
    return (row[1], row[2], tuple(row[3]), row[4].timestamp(), *row[5:])


def _user_values(user_id: int) -> tuple:
    values = User.objects.filter(pk=user_id).values_list(*_CACHED_FIELDS).first()
    if values is None:
        raise InvalidToken()
    return values


def token_scopes(user: Any) -> frozenset[str] | None:
    """The scopes of the token a user was authenticated by; None for a session or anonymous."""
    return getattr(user, "token_scopes", None)
