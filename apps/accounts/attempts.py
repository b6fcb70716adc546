"""Limits on password attempts and sign-ups, shared by every surface that takes them.

Sign-in (`begin_sign_in`) is limited three ways, each counted in the `limits` cache before
the password is checked, so concurrent guesses cannot all slip under a limit:

- per client address: attempts per address in a sliding window, whatever the account
  (against one client guessing many accounts);
- per account and address: after `free_failures` consecutive failures from one address on
  one account, each further attempt from there waits a delay that doubles from
  `first_delay` up to `max_delay` seconds. An attacker elsewhere slows only themselves: the
  owner, from their own address, is not delayed;
- per account: at most `max_failures` consecutive failures from all addresses together
  (NIST SP 800-63B allows no more than 100). Addresses the account has not signed in from
  stop `known_address_reserve` short of that bound, so a crowd of addresses cannot use it
  all up and lock the owner out of the addresses they sign in from. Once the bound is
  reached the account refuses every attempt until `cool_off` seconds pass after the last
  failure it let through.

A refused attempt is not tried, so it changes nothing but its address's window: it is
counted like the others (so concurrent attempts cannot pass a bound together) and taken back,
and counters live `cool_off` more only when an attempt is let through.

A success from an address forgets the account's failures (all of them, as NIST advises)
and remembers the address as known for `known_address_days`. Accounts are keyed on the
account the sign-in lookup finds, so an address that only looks different but reaches the
same account (a long s for "s" on PostgreSQL) counts against it; an address that reaches none
is keyed on its upper-cased form, as the case-insensitive lookup compares it, and limited
in exactly the same way, so the limits do not tell which accounts exist. IPv6 addresses
count by /64, the block one subscriber usually holds.

Sign-up (`count_sign_up`) and password reset requests (`count_password_reset`, also per
account for addresses it has not signed in from) are limited per client address in a sliding
window, and the e-mail telling an owner that someone tried their address
(`claim_sign_up_notice`) is sent at most once per account per interval.

All of it lives in the `limits` cache: on the Redis that never evicts (not the evicting
cache's), so memory pressure cannot reset a limit.
"""

import contextlib
import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import caches

from apps.accounts.errors import TooManyAttempts, TooManyResetRequests, TooManySignUps
from apps.operations.client_address import address_group, forwarded_client


def client_address(request) -> str:
    """The client's IP address, by the rule of apps/operations/client_address.py.

    For the surfaces: they pass it to the services, which never see the request.
    """
    if request is None:
        return "unknown"
    return forwarded_client(
        request.META.get("REMOTE_ADDR"), request.META.get("HTTP_X_FORWARDED_FOR")
    )


def device_cookie(request) -> str | None:
    """The device cookie the request carries, if any (for the surfaces, as client_address)."""
    return getattr(request, "COOKIES", {}).get(DEVICE_COOKIE)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def account_key(account, email: str) -> str:
    """The account an attempt counts against: the one found, else the address as looked up."""
    if account is not None:
        return f"user:{account.pk}"
    # The lookup is case-insensitive (UPPER on both sides on PostgreSQL).
    return f"email:{_digest(email.upper())}"


# --- counters ---------------------------------------------------------------------------------


def _store():
    return caches["limits"]


def _count(key: str, ttl: int) -> int:
    """Add one to a counter, created for `ttl` seconds; its expiry does not move."""
    store = _store()
    store.add(key, 0, ttl)
    try:
        count = store.incr(key)
    except ValueError:  # expired between add and incr
        store.set(key, 1, ttl)
        count = 1
    if count == 1:
        # A key that expired between incr's check and its INCRBY is recreated without one.
        store.touch(key, ttl)
    return count


def _uncount(key: str) -> None:
    """Take back one count of an attempt that was refused, not tried."""
    store = _store()
    with contextlib.suppress(ValueError):  # expired meanwhile: nothing to take back
        if store.incr(key, -1) < 0:  # it had expired just before: drop what incr recreated
            store.delete(key)


def _seconds_until(moment: float) -> int:
    return max(1, math.ceil(moment - time.time()))


def _within_window(kind: str, ident: str, limit: int, window: int) -> int | None:
    """Count one event of `ident` against `limit` per `window` seconds, sliding.

    None when it is within the limit, else the seconds to wait. Fixed windows let a client
    spend the limit twice across a boundary (and made the count depend on when a minute
    began); this counts the running window plus the previous one, weighted by how much of
    it still overlaps the last `window` seconds.
    """
    now = time.time()
    slot, into = divmod(now, window)
    key = f"{kind}:{_digest(ident)}:{int(slot)}"
    current = _count(key, 2 * window)  # the next window still weighs it
    previous = _store().get(f"{kind}:{_digest(ident)}:{int(slot) - 1}", 0)
    if previous * (window - into) / window + current <= limit:
        return None
    return max(1, math.ceil(window - into))


def _limits() -> dict:
    return settings.ACCOUNTS["SIGN_IN_LIMITS"]


# --- sign-in ----------------------------------------------------------------------------------


# A browser that signed in to an account carries this signed cookie: its attempts on that
# account count as the owner's wherever it connects from (a new network, a phone), so a
# crowd of addresses using up the account's failures does not lock the owner's own
# browsers out. API clients, which keep no cookies, are known by address only.
DEVICE_COOKIE = "keel_device"
_device_signer = signing.TimestampSigner(salt="keel.accounts.device")


def _known_device(device: str | None, account: str) -> bool:
    """Whether `device` is the device cookie of `account`, still within its days."""
    if not device:
        return False
    try:
        held = _device_signer.unsign(device, max_age=_limits()["known_address_days"] * 86400)
    except signing.BadSignature:
        return False
    return held == account


def remember_device(response, user) -> None:
    """Give the browser that just signed in as `user` the device cookie of its account
    (sign-in views call it on their response once the sign-in succeeded)."""
    response.set_cookie(
        DEVICE_COOKIE,
        _device_signer.sign(account_key(user, user.email)),
        max_age=_limits()["known_address_days"] * 86400,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


@dataclass(frozen=True)
class SignInAttempt:
    """One counted attempt; the caller reports a success, failures stay counted."""

    account: str
    address: str

    @property
    def _failures_key(self) -> str:
        return f"signin:failures:{self.account}"

    @property
    def _pair_key(self) -> str:
        return f"signin:pair:{self.account}:{_digest(self.address)}"

    @property
    def _gate_key(self) -> str:
        return f"signin:gate:{self.account}:{_digest(self.address)}"

    @property
    def _known_key(self) -> str:
        return f"signin:known:{self.account}:{_digest(self.address)}"

    def succeeded(self) -> None:
        """Forget the account's failures and remember this address as the owner's (the
        surface remembers the browser: `remember_device`)."""
        store = _store()
        store.delete_many([self._failures_key, self._pair_key, self._gate_key])
        store.set(self._known_key, True, _limits()["known_address_days"] * 86400)


def _delay(number: int, limits: dict) -> int:
    """Seconds the attempt after the `number`th consecutive one of a pair must wait."""
    doublings = number - limits["free_failures"]
    if doublings >= 32:
        return limits["max_delay"]
    return min(limits["first_delay"] * 2**doublings, limits["max_delay"])


def begin_sign_in(*, account: str, client_address: str, device: str | None = None) -> SignInAttempt:
    """Count one password attempt on `account` from `client_address` (with the `device`
    cookie the client sent, if any); raises TooManyAttempts to refuse it.

    The attempt is counted as a failure until `succeeded()` is called.
    """
    limits = _limits()
    address = address_group(client_address)
    attempt = SignInAttempt(account=account, address=address)

    per_address, window = limits["per_address"]
    wait = _within_window("signin:address", address, per_address, window)
    if wait is not None:
        raise TooManyAttempts(retry_after=wait)

    store = _store()
    reopens_at = store.get(attempt._gate_key)
    if reopens_at is not None and reopens_at > time.time():
        raise TooManyAttempts(retry_after=_seconds_until(reopens_at))

    cool_off = limits["cool_off"]
    bound = limits["max_failures"]
    if not (store.get(attempt._known_key) or _known_device(device, account)):
        bound -= limits["known_address_reserve"]
    # Counted first and taken back on refusal, so concurrent attempts cannot pass together.
    if _count(attempt._failures_key, cool_off) > bound:
        _uncount(attempt._failures_key)
        raise TooManyAttempts(retry_after=cool_off)

    number = _count(attempt._pair_key, cool_off)  # among consecutive ones
    if number >= limits["free_failures"]:
        # From the last free one on, each attempt closes a gate for the next one; only one
        # attempt passes while it is open, since add() is atomic in Redis.
        delay = _delay(number, limits)
        if not store.add(attempt._gate_key, time.time() + delay, delay):
            _uncount(attempt._pair_key)
            _uncount(attempt._failures_key)
            reopens_at = store.get(attempt._gate_key) or time.time() + delay
            raise TooManyAttempts(retry_after=_seconds_until(reopens_at))
    # Let through: its failure, if it fails, is the last, and the cool-off runs from here.
    store.touch(attempt._failures_key, cool_off)
    store.touch(attempt._pair_key, cool_off)
    return attempt


# --- sign-up ----------------------------------------------------------------------------------


def count_sign_up(*, client_address: str) -> None:
    """Count one sign-up from the client address; raises TooManySignUps."""
    limit, window = settings.ACCOUNTS["SIGN_UP_LIMIT"]
    address = address_group(client_address)
    wait = _within_window("signup:address", address, limit, window)
    if wait is not None:
        raise TooManySignUps(retry_after=wait)


def claim_sign_up_notice(*, account) -> bool:
    """Whether to send `account` the "someone tried to sign up with your address" e-mail:
    true at most once per SIGN_UP_NOTICE_INTERVAL, whichever client addresses try, so many
    addresses cannot flood one inbox."""
    interval = settings.ACCOUNTS["SIGN_UP_NOTICE_INTERVAL"]
    return _store().add(f"signup:notice:{account.pk}", True, interval)


# --- password reset ---------------------------------------------------------------------------


def count_password_reset(*, account: str, client_address: str) -> bool:
    """Count one password reset request for `account` (an `account_key`) from the client
    address; raises TooManyResetRequests past the address's limit, alike for every account.

    Returns whether to send the e-mail: at most PASSWORD_RESET_ACCOUNT_LIMIT per window per
    account from addresses it has not signed in from, so a crowd cannot flood the inbox,
    while the owner's own addresses always get theirs (no lock-out). Unknown addresses are
    keyed and counted in exactly the same way, so the answer never tells them apart.
    """
    limit, window = settings.ACCOUNTS["PASSWORD_RESET_LIMIT"]
    address = address_group(client_address)
    wait = _within_window("reset:address", address, limit, window)
    if wait is not None:
        raise TooManyResetRequests(retry_after=wait)
    per_account, account_window = settings.ACCOUNTS["PASSWORD_RESET_ACCOUNT_LIMIT"]
    known = _store().get(f"signin:known:{account}:{_digest(address)}")
    within = _within_window("reset:account", account, per_account, account_window) is None
    return bool(known) or within


# At most one new verification link per account in this many seconds, whoever asks.
VERIFICATION_RESEND_INTERVAL = 300


def claim_verification_resend(*, account) -> bool:
    """Whether to send `account` its verification link again now (so many client addresses
    cannot flood an inbox)."""
    return _store().add(f"verify:resend:{account.pk}", True, VERIFICATION_RESEND_INTERVAL)
