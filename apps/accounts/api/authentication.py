"""API token authentication that remembers token lookups in the two-level cache.

Every token request used to cost a database query for the token and its user. Two cached
entries replace it: the token's lookup holds the id of its user, under a hash of the token
and the Token model's tag (revoking a token invalidates it); the user's entry holds the
user's columns but the password hash, under the User model's tag (deactivating or changing
any user invalidates it), shared by all the user's tokens. Neither the token nor the
password hash ever reaches Redis, and an unknown token is never cached. A warm lookup
builds the user from those values with no query (the password is a deferred field: read,
it is loaded from the database; saved, the user writes only the fields it holds).
"""

import hashlib

from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from apps.accounts.models import User
from apps.caching.default import cache
from apps.caching.invalidation import has_uncommitted_writes, model_tag

TOKEN_TTL = 300
_TOKEN_TAGS = (model_tag(Token),)
_USER_TAGS = (model_tag(User),)
# The user's columns the cache keeps: all but the password hash. They name the key, so a
# release with other columns never reads another's entries during a deploy.
_CACHED_FIELDS = tuple(
    field.attname for field in User._meta.concrete_fields if field.name != "password"
)
_USER_KEY_PREFIX = (
    f"auth:user:{hashlib.blake2b(repr(_CACHED_FIELDS).encode(), digest_size=4).hexdigest()}:"
)


class CachedTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, as DRF's TokenAuthentication, with the lookup cached."""

    def authenticate_credentials(self, key):
        # A transaction that has just revoked a token, uncommitted, must already see it gone.
        if has_uncommitted_writes(connection):
            values = _token_row(key)[1:]
        else:
            values = _cached_user_values(key)
        user = User.from_db(connection.alias, _CACHED_FIELDS, values)
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        # request.auth: the token, as DRF's own authentication gives it (never stored).
        return (user, Token(key=key, user=user))


def _cached_user_values(key: str) -> tuple:
    """The token's user's columns, through the two entries (see the module docstring).

    Each entry is stored under the tag versions read before its data was (remember() does
    it, and so does the cold path by hand), so a revocation or deactivation committed while
    the lookup runs leaves it stale at once. Cold, one query reads the token and its user.
    """
    users = cache.tags(*_USER_TAGS)
    cold: dict = {}

    def look_up_token() -> int:
        cold["as_of"] = users.snapshot()
        row = _token_row(key)
        cold["values"] = row[1:]
        return row[0]

    token_key = "auth:token:" + hashlib.sha256(key.encode()).hexdigest()
    user_id = cache.tags(*_TOKEN_TAGS).remember(token_key, TOKEN_TTL, look_up_token)
    user_key = f"{_USER_KEY_PREFIX}{user_id}"
    if "values" in cold:
        users.set(user_key, cold["values"], TOKEN_TTL, as_of=cold["as_of"])
        return cold["values"]
    return users.remember(user_key, TOKEN_TTL, lambda: _user_values(user_id))


def _token_row(key: str) -> tuple:
    """(user id, *the user's cached columns) of a token; an unknown token fails."""
    row = (
        Token.objects.filter(key=key)
        .values_list("user_id", *(f"user__{name}" for name in _CACHED_FIELDS))
        .first()
    )
    if row is None:
        raise exceptions.AuthenticationFailed(_("Invalid token."))
    return row


def _user_values(user_id: int) -> tuple:
    """The cached columns of the user; a user deleted meanwhile fails like its token."""
    values = User.objects.filter(pk=user_id).values_list(*_CACHED_FIELDS).first()
    if values is None:
        raise exceptions.AuthenticationFailed(_("Invalid token."))
    return values
