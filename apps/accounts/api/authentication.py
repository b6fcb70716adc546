"""API token authentication that remembers token lookups in the two-level cache.

Every token request used to cost a database query for the token and its user. The lookup
is now cached under the tags of the Token and User models, so revoking a token,
deactivating or changing a user (any write to either table) invalidates every cached
lookup on commit, in every process; an unknown token is never cached.

What is cached is the user's id and the user's fields but the password hash, under a hash of
the token: neither the token nor the password hash ever reaches Redis. A warm lookup builds
the user from those values with no query (the password is a deferred field: read, it is
loaded from the database; saved, the user writes only the fields it holds).
"""

import hashlib

from django.core.cache import cache
from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from apps.accounts.models import User
from apps.caching.invalidation import has_uncommitted_writes, model_tag

TOKEN_TTL = 300
_TAGS = (model_tag(Token), model_tag(User))
# The user's columns the cache keeps: all but the password hash. They name the key, so a
# release with other columns never reads another's entries during a deploy.
_CACHED_FIELDS = tuple(
    field.attname for field in User._meta.concrete_fields if field.name != "password"
)
_KEY_PREFIX = (
    f"auth:token:{hashlib.blake2b(repr(_CACHED_FIELDS).encode(), digest_size=4).hexdigest()}:"
)


class CachedTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, as DRF's TokenAuthentication, with the lookup cached."""

    def authenticate_credentials(self, key):
        # A transaction that has just revoked a token, uncommitted, must already see it gone.
        if has_uncommitted_writes(connection):
            values = _user_values(key)
        else:
            # remember() reads the tag versions before the query: a deactivation committed
            # while the lookup runs leaves the entry stale at once, never for TOKEN_TTL.
            cache_key = _KEY_PREFIX + hashlib.sha256(key.encode()).hexdigest()
            values = cache.tags(*_TAGS).remember(cache_key, TOKEN_TTL, lambda: _user_values(key))
        user = User.from_db(connection.alias, _CACHED_FIELDS, values)
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        # request.auth: the token, as DRF's own authentication gives it (never stored).
        return (user, Token(key=key, user=user))


def _user_values(key: str) -> tuple:
    """The cached columns of the token's user; an unknown token fails (and is not cached)."""
    values = (
        Token.objects.filter(key=key).values_list(*(f"user__{name}" for name in _CACHED_FIELDS))
    ).first()
    if values is None:
        raise exceptions.AuthenticationFailed(_("Invalid token."))
    return values
