"""Personal access tokens: create (the plaintext is returned once), revoke, record use."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from apps.events.services import publish
from apps.kernel.errors import NotSignedIn
from apps.tokens import token_format
from apps.tokens.errors import InvalidTokenInput, TokenNotFound
from apps.tokens.input_rules import NAME_MAX_LENGTH, SCOPES, default_lifetime, max_lifetime
from apps.tokens.models import PersonalAccessToken, TokenUse

# A token's use is written at most this often (seconds): the hot path must not write.
USE_RECORD_INTERVAL = 60


@dataclass(frozen=True)
class CreatedToken:
    """A new token and its plaintext `key`, which is shown once and never stored."""

    token: PersonalAccessToken
    key: str


def create_token(
    *,
    actor: Any,
    name: str,
    scopes: list[str] | tuple[str, ...],
    expires_at: datetime | None = None,
) -> CreatedToken:
    """A token for the acting user; raises InvalidTokenInput for an empty or long name,
    unknown or no scopes, or an expiry in the past or beyond TOKENS["MAX_LIFETIME_DAYS"]."""
    if not getattr(actor, "is_authenticated", False):
        raise NotSignedIn()
    name = name.strip()
    if not name or len(name) > NAME_MAX_LENGTH:
        raise InvalidTokenInput(f"Give a name of 1 to {NAME_MAX_LENGTH} characters.", field="name")
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise InvalidTokenInput(
            f"Scopes are among {', '.join(SCOPES)} (at least one).", field="scopes"
        )
    now = timezone.now()
    expires_at = expires_at or now + default_lifetime()
    if expires_at <= now or expires_at > now + max_lifetime():
        raise InvalidTokenInput(
            f"The expiry must be within {max_lifetime().days} days from now.", field="expires_at"
        )
    public_id = token_format.new_public_id()
    key = token_format.new_token(public_id)
    with transaction.atomic():
        token = PersonalAccessToken.objects.create(
            user_id=actor.pk,
            name=name,
            scopes=[scope for scope in SCOPES if scope in scopes],
            public_id=public_id,
            secret_hash=token_format.token_hash(key),
            expires_at=expires_at,
        )
        publish(
            "token.created",
            {
                **_event_payload(token),
                "scopes": token.scopes,
                "expires_at": token.expires_at.isoformat(),
            },
            actor=actor,
        )
    return CreatedToken(token=token, key=key)


@transaction.atomic
def revoke_token(*, actor: Any, token_id: int) -> PersonalAccessToken:
    """Revoke one of the actor's tokens (staff with `tokens.change_personalaccesstoken`: anyone's).
    Another user's token is TokenNotFound; revoking twice changes nothing."""
    if not getattr(actor, "is_authenticated", False):
        raise NotSignedIn()
    token = PersonalAccessToken.objects.select_for_update().filter(pk=token_id).first()
    if token is None:
        raise TokenNotFound()
    if token.user_id != actor.pk and not actor.has_perm("tokens.change_personalaccesstoken"):
        raise TokenNotFound()
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        publish("token.revoked", _event_payload(token), actor=actor)
    return token


def revoke_all_tokens(*, actor: Any) -> int:
    """Revoke every live token of the acting user (sign out of every API client)."""
    if not getattr(actor, "is_authenticated", False):
        raise NotSignedIn()
    ids = PersonalAccessToken.objects.filter(user_id=actor.pk, revoked_at__isnull=True)
    revoked = 0
    for token_id in ids.values_list("pk", flat=True):
        revoke_token(actor=actor, token_id=token_id)
        revoked += 1
    return revoked


def record_token_use(*, token_id: int) -> None:
    """Note that a token was used now, at most once per USE_RECORD_INTERVAL per token."""
    key = f"tokens:used:{token_id}"
    # Usually answered by the in-process cache (no round trip); `add` decides between processes.
    if cache.get(key) is not None or not cache.add(key, 1, USE_RECORD_INTERVAL):
        return
    # One upsert, no savepoint: this runs inside requests.
    TokenUse.objects.bulk_create(
        [TokenUse(token_id=token_id, last_used_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["token"],
        update_fields=["last_used_at"],
    )


def _event_payload(token: PersonalAccessToken) -> dict[str, Any]:
    return {
        "token_id": token.pk,
        "user_id": token.user_id,
        "name": token.name,
        "prefix": token.prefix,
    }
