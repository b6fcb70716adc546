"""Reads of personal access tokens: each user sees only their own."""

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from apps.tokens.errors import TokenNotFound
from apps.tokens.models import PersonalAccessToken, TokenUse


def tokens_of(user: Any) -> QuerySet[PersonalAccessToken]:
    """The user's tokens, newest first, with when each was last used."""
    if not getattr(user, "is_authenticated", False):
        return PersonalAccessToken.objects.none()
    return PersonalAccessToken.objects.filter(user_id=user.pk).select_related("use")


def token_of(user: Any, token_id: int) -> PersonalAccessToken:
    """One of the user's tokens; another's, or none, is TokenNotFound."""
    token = tokens_of(user).filter(pk=token_id).first()
    if token is None:
        raise TokenNotFound()
    return token


def last_used_at(token: PersonalAccessToken) -> datetime | None:
    """When the token was last used (to the minute), or None if never."""
    try:
        return token.use.last_used_at
    except TokenUse.DoesNotExist:
        return None
