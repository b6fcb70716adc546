"""The token's format: `keel_pat_<id>_<secret>`, recognisable by secret scanners.

`<id>` is 12 characters of [a-z0-9], public (shown in lists); `<secret>` is 43 characters of
URL-safe base64 (32 random bytes). Scanners match `TOKEN_PATTERN`:

    keel_pat_[a-z0-9]{12}_[A-Za-z0-9_-]{43}

Only the SHA-256 of the whole token is stored: the secret has 256 bits of entropy, so a
slow password hash would add nothing but latency to every request.
"""

import hashlib
import hmac
import re
import secrets
import string

TOKEN_PREFIX = "keel_pat_"
TOKEN_PATTERN = re.compile(r"keel_pat_([a-z0-9]{12})_[A-Za-z0-9_-]{43}")
_ID_ALPHABET = string.ascii_lowercase + string.digits


def new_public_id() -> str:
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(12))


def new_token(public_id: str) -> str:
    return f"{TOKEN_PREFIX}{public_id}_{secrets.token_urlsafe(32)}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def public_id_of(token: str) -> str | None:
    """The id part of a well-formed token; None for anything else (an old DRF key)."""
    match = TOKEN_PATTERN.fullmatch(token)
    return match.group(1) if match else None


def hashes_match(stored: str, presented: str) -> bool:
    return hmac.compare_digest(stored.encode(), presented.encode())
