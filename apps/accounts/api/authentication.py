"""API token authentication that remembers tokens in the two-level cache.

Every token request used to cost a database query for the token and its user. The pair is
now cached under the tags of the Token and User models, so revoking a token, deactivating
or changing a user (any write to either table) invalidates every cached pair on commit, in
every process; an unknown token is never cached. Cache keys hold a hash of the token, not
the token.
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


class CachedTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, as DRF's TokenAuthentication, with the lookup cached."""

    def authenticate_credentials(self, key):
        cache_key = "auth:token:" + hashlib.sha256(key.encode()).hexdigest()
        tagged = cache.tags(*_TAGS)
        # A transaction that has just revoked a token, uncommitted, must already see it gone.
        fresh = has_uncommitted_writes(connection)
        token = None if fresh else tagged.get(cache_key)
        if token is None:
            try:
                token = Token.objects.select_related("user").get(key=key)
            except Token.DoesNotExist:
                raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
            if not fresh:
                tagged.set(cache_key, token, TOKEN_TTL)
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)
