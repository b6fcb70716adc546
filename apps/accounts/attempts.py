"""Limits on password attempts, shared by every surface that checks a password.

Two fixed-window counters in the cache: attempts per client address (against one client
guessing many accounts) and failed attempts per account (against many clients guessing
one account, the case per-address limits miss). An attempt is counted before the password
is checked, so concurrent guesses cannot all slip under the limit. A successful sign-in
clears its account's failures.
"""

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from apps.accounts.errors import TooManyAttempts


@dataclass(frozen=True)
class AttemptWindow:
    key: str
    limit: int
    window: int

    def retry_after(self) -> int:
        return self.window - int(time.time()) % self.window or self.window


def client_address(request) -> str:
    """The client's IP address, trusting X-Forwarded-For only as far as our own proxies.

    With TRUSTED_PROXY_COUNT = N, the Nth address from the right of X-Forwarded-For is the
    client (each proxy appends the address it saw); the rest of the header is the client's
    own say-so and is ignored. With 0, the socket's peer address is the client.
    """
    if request is None:
        return "unknown"
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        addresses = [part.strip() for part in forwarded.split(",") if part.strip()]
        if addresses:
            return addresses[-min(proxies, len(addresses))]
    return request.META.get("REMOTE_ADDR", "unknown")


def _windows(email: str, address: str) -> list[AttemptWindow]:
    limits = settings.ACCOUNTS["SIGN_IN_LIMITS"]
    account = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    now = int(time.time())
    windows = []
    for kind, ident in (("per_address", address), ("per_account", account)):
        limit, window = limits[kind]
        windows.append(AttemptWindow(f"signin:{kind}:{ident}:{now // window}", limit, window))
    return windows


def count_attempt(*, email: str, request) -> list[AttemptWindow]:
    """Count one password attempt; raises TooManyAttempts when a limit is exceeded."""
    windows = _windows(email, client_address(request))
    for window in windows:
        cache.add(window.key, 0, window.window)
        try:
            count = cache.incr(window.key)
        except ValueError:  # expired between add and incr
            cache.set(window.key, 1, window.window)
            count = 1
        if count > window.limit:
            raise TooManyAttempts(retry_after=window.retry_after())
    return windows


def forget_failures(windows: list[AttemptWindow]) -> None:
    """After a successful sign-in: the account's earlier failures no longer count."""
    for window in windows:
        if ":per_account:" in window.key:
            cache.delete(window.key)
