"""Account operations: accounts, roles, sign-up, password checks and API tokens.

Services take plain values, never the HTTP request: the acting user as `actor`, the
client's address as `client_address` (and a sign-in's device cookie as `device`), which
the surfaces read with `attempts.client_address` and `attempts.device_cookie`.
"""

import base64
import hashlib
import logging
import secrets
import time
from collections.abc import Iterable
from datetime import datetime
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.backends.base import SessionBase
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts import attempts
from apps.accounts.errors import (
    EmailNotVerified,
    EmailTaken,
    InvalidCredentials,
    InvalidDisplayName,
    InvalidFactorCode,
    InvalidLink,
    NoEnrolmentPending,
    SecondFactorRequired,
    SignInStepExpired,
    TwoFactorAlreadyEnabled,
    TwoFactorNotEnabled,
)
from apps.accounts.models import PasswordHistory, RecoveryCode, User, UserSession
from apps.accounts.selectors import (
    account_for_sign_in,
    email_in_use,
    has_two_factor,
    normalized_email,
    remaining_recovery_codes,
)
from apps.events.services import publish
from apps.kernel.permissions import require_perm
from apps.operations.plain_text import forbidden_character
from apps.tokens.services import CreatedToken, create_token, revoke_all_tokens

logger = logging.getLogger(__name__)

# What every public sign-up answers, whether the address was new or already had an account.
SIGN_UP_RECEIVED = "Thanks. We have sent a message about your sign-up: check your e-mail."

# Salts of the signed links, so one kind of link can never pass for another.
_VERIFY_SALT = "keel.accounts.verify-email"
_CHANGE_EMAIL_SALT = "keel.accounts.change-email"


def create_account(
    *,
    email: str,
    password: str | None,
    display_name: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
    actor: AbstractBaseUser | AnonymousUser | None = None,
    email_verified: bool = True,
) -> User:
    """Create an active user under every account rule; raises EmailTaken,
    InvalidDisplayName, or Django's ValidationError for a weak password.

    For staff tools (the admin passes its user as `actor`, who needs `accounts.add_user`)
    and commands; public surfaces call `sign_up`, which does not tell whether the address
    was taken. A `password` of None makes an account that cannot sign in until one is set.
    Accounts staff make count as verified; `sign_up` makes them with `email_verified=False`.
    """
    if actor is not None:
        require_perm(actor, "accounts.add_user")
    email = normalized_email(email)
    _check_display_name(display_name)
    if password is not None:
        validate_password(password, user=User(email=email, display_name=display_name))
    if email_in_use(email):
        raise EmailTaken(email)
    try:
        with transaction.atomic():
            return User.objects.create_user(
                email,
                password,
                display_name=display_name,
                is_staff=is_staff or is_superuser,
                is_superuser=is_superuser,
                email_verified=email_verified,
            )
    except IntegrityError as exc:  # a concurrent sign-up with the same e-mail won the race
        raise EmailTaken(email) from exc


def sign_up_user(*, email: str, password: str, display_name: str = "") -> User:
    """A member account (`create_account` without staff rights); for staff tools and tests."""
    return create_account(email=email, password=password, display_name=display_name)


def _check_display_name(display_name: str) -> None:
    if forbidden_character(display_name):  # the plain-text rule of every text field
        raise InvalidDisplayName()


# What a staff member may change of an account besides its e-mail and display name.
ACCOUNT_FLAGS = ("is_active", "is_staff", "is_superuser", "date_joined", "last_login")


@transaction.atomic
def update_account(
    *,
    user: User,
    actor: AbstractBaseUser | AnonymousUser,
    email: str | None = None,
    display_name: str | None = None,
    groups: Iterable[Group] | None = None,
    permissions: Iterable[Permission] | None = None,
    **flags: bool | datetime | None,
) -> User:
    """Change an account (`accounts.change_user`: staff, through the admin). None leaves a
    field as it is; `flags` are among ACCOUNT_FLAGS; `groups` and `permissions` replace the
    account's roles and direct permissions. E-mail and display name obey the rules of
    `create_account` (EmailTaken, InvalidDisplayName)."""
    require_perm(actor, "accounts.change_user")
    unknown = set(flags) - set(ACCOUNT_FLAGS)
    if unknown:
        raise TypeError(f"update_account() got unexpected fields {sorted(unknown)}")
    changes: dict[str, Any] = dict(flags)
    if email is not None:
        changes["email"] = normalized_email(email)
        if email_in_use(changes["email"], excluding=user):
            raise EmailTaken(changes["email"])
    if display_name is not None:
        _check_display_name(display_name)
        changes["display_name"] = display_name
    for name, value in changes.items():
        setattr(user, name, value)
    if changes:
        try:
            with transaction.atomic():
                user.save(update_fields=list(changes))
        except IntegrityError as exc:  # another account took the e-mail meanwhile
            raise EmailTaken(changes["email"]) from exc
    if groups is not None:
        user.groups.set(groups)
    if permissions is not None:
        user.user_permissions.set(permissions)
    return user


@transaction.atomic
def delete_account(*, user: User, actor: AbstractBaseUser | AnonymousUser) -> None:
    """Delete an account and everything it owns (`accounts.delete_user`: staff)."""
    require_perm(actor, "accounts.delete_user")
    user.delete()


@transaction.atomic
def define_role(*, name: str, permissions: tuple[str, ...] | list[str]) -> Group:
    """The group `name` holding exactly these permissions ("app_label.codename"), created or
    brought up to date: a role, as the apps' rules.py read them. For commands."""
    group, _ = Group.objects.get_or_create(name=name)
    found = []
    for permission in permissions:
        app_label, codename = permission.split(".", 1)
        found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    group.permissions.set(found)
    return group


@transaction.atomic
def grant_role(*, user: User, name: str) -> None:
    """Add `user` to the role (group) `name`, which must exist. For commands."""
    user.groups.add(Group.objects.get(name=name))


def sign_up(
    *,
    email: str,
    password: str,
    display_name: str = "",
    client_address: str,
    site: str = "",
) -> None:
    """Sign-up from a public surface: throttled per client address, and silent on whether
    the address already had an account (answer with SIGN_UP_RECEIVED either way).

    A new address gets its account, unverified, and an e-mail with the link that verifies
    it (`verify_email`; it cannot sign in before); the owner of a taken address gets an
    e-mail saying someone tried to sign up with it (at most one per
    SIGN_UP_NOTICE_INTERVAL), and nothing else changes. Links start with `site` (the
    surface knows the site's address, "https://keel.example.com"; paths alone otherwise). Raises
    TooManySignUps, InvalidDisplayName, or Django's ValidationError for a weak password,
    all alike for new and taken addresses.
    """
    attempts.count_sign_up(client_address=client_address)
    try:
        user = create_account(
            email=email, password=password, display_name=display_name, email_verified=False
        )
    except EmailTaken:
        # Hash anyway, so a taken address takes as long to answer as a new one.
        make_password(password)
        owner = User.objects.filter(email__iexact=normalized_email(email)).first()
        if owner is not None and attempts.claim_sign_up_notice(account=owner):
            _send_account_mail(owner.email, "sign_up_attempted", _links(site, owner))
    else:
        _send_account_mail(user.email, "verify_email", _links(site, user))


def _links(site: str, user: User, **extra: str) -> dict[str, Any]:
    """What the account e-mails' templates show: the user and the links they may follow."""
    site = site.rstrip("/")
    context: dict[str, Any] = {
        "user": user,
        "sign_in_url": site + reverse("accounts:signin"),
        "reset_request_url": site + reverse("accounts:password_reset"),
    }
    if not user.email_verified:
        token = signing.dumps({"user": user.pk, "email": user.email}, salt=_VERIFY_SALT)
        context["verify_url"] = site + reverse("accounts:verify_email", args=[token])
    context.update(extra)
    return context


def _send_account_mail(to: str, template: str, context: dict[str, Any]) -> None:
    subject = render_to_string(f"accounts/email/{template}_subject.txt", context).strip()
    body = render_to_string(f"accounts/email/{template}.txt", context)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
    except OSError:
        # The answer must not differ between the kinds of request (sign-up, reset), nor
        # fail for an account that exists already: log it for the operator instead.
        logger.exception("Could not send the %s e-mail", template)


def authenticate_user(
    *, email: str, password: str, client_address: str = "unknown", device: str | None = None
) -> User:
    """The active user with these credentials; raises InvalidCredentials or TooManyAttempts.

    Every surface that checks a password goes through here or `check_current_password`, so
    the limits of apps/accounts/attempts.py hold whichever way a client tries. `device` is
    the device cookie the client sent (browsers that signed in before; `remember_device`).
    An account whose e-mail is not verified yet raises EmailNotVerified, once the password
    was right (`resend_verification` sends the link again).
    """
    account = account_for_sign_in(email)
    attempt = attempts.begin_sign_in(
        account=attempts.account_key(account, email), client_address=client_address, device=device
    )
    user = authenticate(None, username=email, password=password)
    if user is None:
        raise InvalidCredentials()
    attempt.succeeded()
    if not user.email_verified:
        # Only whoever has the password learns the account exists (and is unverified).
        raise EmailNotVerified()
    return user


def check_current_password(
    *, actor: User, password: str, client_address: str = "unknown", device: str | None = None
) -> None:
    """For changes that ask a signed-in user for their password again; raises
    InvalidCredentials or TooManyAttempts, counted like a sign-in on the account."""
    account = attempts.account_key(actor, actor.email)
    attempt = attempts.begin_sign_in(account=account, client_address=client_address, device=device)
    if not actor.check_password(password):
        raise InvalidCredentials()
    attempt.succeeded()


def issue_api_token(
    *, email: str, password: str, code: str = "", client_address: str = "unknown"
) -> CreatedToken:
    """A new personal access token (scopes read and write, the default lifetime) for these
    credentials, its plaintext in `.key`; raises InvalidCredentials or TooManyAttempts (the
    limits of every password check apply). An account with two-factor authentication needs
    its `code` too (SecondFactorRequired without one, InvalidFactorCode)."""
    user = authenticate_user(email=email, password=password, client_address=client_address)
    if has_two_factor(user):
        if not code:
            raise SecondFactorRequired()
        verify_second_factor(user=user, code=code, client_address=client_address)
    return create_token(actor=user, name="API token (auth/token/)", scopes=["read", "write"])


def revoke_api_token(*, actor: User) -> None:
    """Revoke every token of the acting user (they sign out of API clients)."""
    revoke_all_tokens(actor=actor)


# --- e-mail verification ----------------------------------------------------------------------

# What a request for a verification link or a password reset answers, whoever asked.
VERIFICATION_SENT = (
    "If an unverified account has this address, we have sent it a new verification link."
)
PASSWORD_RESET_SENT = (
    "If an account has this address, we have sent it a link to choose a new password."
)


def _signed_value(token: str, *, salt: str) -> dict[str, Any]:
    """What a signed link holds; InvalidLink when tampered with, expired or malformed."""
    try:
        value = signing.loads(
            token, salt=salt, max_age=settings.ACCOUNTS["EMAIL_VERIFICATION_MAX_AGE"]
        )
    except signing.BadSignature:  # SignatureExpired included
        raise InvalidLink() from None
    if not isinstance(value, dict):
        raise InvalidLink()
    return value


@transaction.atomic
def verify_email(*, token: str) -> User:
    """Mark the address of a sign-up verified by its link; raises InvalidLink. Following
    the link again is harmless (the account stays verified)."""
    value = _signed_value(token, salt=_VERIFY_SALT)
    user = User.objects.select_for_update().filter(pk=int(value.get("user") or 0)).first()
    if user is None or user.email != value.get("email"):
        raise InvalidLink()
    if not user.email_verified:
        user.email_verified = True
        user.save(update_fields=["email_verified"])
    return user


def resend_verification(*, email: str, client_address: str, site: str = "") -> None:
    """Send the verification link again to an unverified account; raises TooManySignUps
    (counted as a sign-up of the address). Silent on whether the account exists: answer
    VERIFICATION_SENT either way."""
    attempts.count_sign_up(client_address=client_address)
    user = account_for_sign_in(email)
    if (
        user is not None
        and not user.email_verified
        and attempts.claim_verification_resend(account=user)
    ):
        _send_account_mail(user.email, "verify_email", _links(site, user))


# --- password reset ---------------------------------------------------------------------------


def request_password_reset(*, email: str, client_address: str, site: str = "") -> None:
    """E-mail a single-use link to choose a new password (Django's token generator: it
    expires after PASSWORD_RESET_TIMEOUT and stops working once the password changes).

    Raises TooManyResetRequests past the client address's limit; otherwise answers nothing,
    so the surface says PASSWORD_RESET_SENT for known and unknown addresses alike. Both take
    the same path (lookup, limits, link); only the final send depends on the account.
    """
    user = account_for_sign_in(email)
    may_send = attempts.count_password_reset(
        account=attempts.account_key(user, email), client_address=client_address
    )
    candidate = user if user is not None else User(pk=0, email=email)
    uid = urlsafe_base64_encode(force_bytes(candidate.pk))
    token = default_token_generator.make_token(candidate)
    url = site.rstrip("/") + reverse("accounts:password_reset_confirm", args=[uid, token])
    if user is not None and user.is_active and may_send:
        _send_account_mail(user.email, "password_reset", _links(site, user, reset_url=url))


def _user_for_reset(uid: str, token: str) -> User:
    try:
        pk = int(force_str(urlsafe_base64_decode(uid)))
    except (TypeError, ValueError, OverflowError):
        raise InvalidLink() from None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        raise InvalidLink()
    return user


def check_password_reset_link(*, uid: str, token: str) -> User:
    """The user a reset link is for; raises InvalidLink (used, expired, tampered with)."""
    return _user_for_reset(uid, token)


@transaction.atomic
def reset_password(*, uid: str, token: str, new_password: str) -> User:
    """Set a new password through a reset link; raises InvalidLink or Django's
    ValidationError (the password policy). Ends every session and API token of the
    account: whoever knew the old password is signed out everywhere. Following the link
    also proves the address, so an unverified account becomes verified."""
    user = _user_for_reset(uid, token)
    validate_password(new_password, user=user)
    user.set_password(new_password)
    user.email_verified = True
    user.save(update_fields=["password", "email_verified"])
    end_sessions(user=user)
    revoke_api_token(actor=user)
    publish(
        "account.password_reset",
        {"user_id": user.pk, "reset_at": timezone.now().isoformat()},
        actor=user,
    )
    return user


# --- account settings -------------------------------------------------------------------------


@transaction.atomic
def change_password(
    *,
    actor: User,
    current_password: str,
    new_password: str,
    client_address: str = "unknown",
    device: str | None = None,
    keep_session: str | None = None,
) -> None:
    """Change the acting user's password; raises InvalidCredentials or TooManyAttempts (the
    current password is checked like a sign-in) or Django's ValidationError (the policy).
    Ends the user's other sessions, all but `keep_session` (the surface's own session key;
    it calls `update_session_auth_hash` to keep it signed in)."""
    check_current_password(
        actor=actor, password=current_password, client_address=client_address, device=device
    )
    validate_password(new_password, user=actor)
    actor.set_password(new_password)
    actor.save(update_fields=["password"])
    end_sessions(user=actor, keep=keep_session)
    publish(
        "account.password_changed",
        {"user_id": actor.pk, "changed_at": timezone.now().isoformat()},
        actor=actor,
    )


@transaction.atomic
def update_profile(*, actor: User, display_name: str) -> User:
    """Change the acting user's own display name; raises InvalidDisplayName."""
    display_name = display_name.strip()
    _check_display_name(display_name)
    actor.display_name = display_name
    actor.save(update_fields=["display_name"])
    return actor


def request_email_change(
    *,
    actor: User,
    new_email: str,
    password: str,
    client_address: str = "unknown",
    device: str | None = None,
    site: str = "",
) -> None:
    """Send a link to `new_email` that moves the acting user's account to it; the current
    address stays until the link is followed (`confirm_email_change`). Asks for the
    password (InvalidCredentials, TooManyAttempts). A taken address gets no link, and the
    answer is the same, so the form does not tell which addresses have accounts."""
    check_current_password(
        actor=actor, password=password, client_address=client_address, device=device
    )
    new_email = normalized_email(new_email)
    if new_email == actor.email or email_in_use(new_email, excluding=actor):
        return
    token = signing.dumps(
        {"user": actor.pk, "email": new_email, "old": actor.email}, salt=_CHANGE_EMAIL_SALT
    )
    url = site.rstrip("/") + reverse("accounts:confirm_email_change", args=[token])
    context = _links(site, actor, confirm_url=url, new_email=new_email)
    _send_account_mail(new_email, "confirm_email_change", context)


@transaction.atomic
def confirm_email_change(*, token: str) -> User:
    """Move the account to the new address of an e-mail change link and tell the old
    address; raises InvalidLink (tampered with, expired, used already: the account's
    address is no longer the one the link was made from) or EmailTaken."""
    value = _signed_value(token, salt=_CHANGE_EMAIL_SALT)
    user = User.objects.select_for_update().filter(pk=int(value.get("user") or 0)).first()
    if user is None or user.email != value.get("old") or not value.get("email"):
        raise InvalidLink()
    old_email, new_email = user.email, str(value["email"])
    if email_in_use(new_email, excluding=user):
        raise EmailTaken(new_email)
    user.email = new_email
    user.email_verified = True
    try:
        with transaction.atomic():
            user.save(update_fields=["email", "email_verified"])
    except IntegrityError as exc:  # another account took the address meanwhile
        raise EmailTaken(new_email) from exc
    publish(
        "account.email_changed",
        {
            "user_id": user.pk,
            "old_email": old_email,
            "new_email": new_email,
            "changed_at": timezone.now().isoformat(),
        },
        actor=user,
    )
    _send_account_mail(
        old_email, "email_changed", _links("", user, old_email=old_email, new_email=new_email)
    )
    return user


# --- password history and sessions ------------------------------------------------------------


@transaction.atomic
def record_password_history(*, user: User, keep: int) -> None:
    """Remember the user's current password hash, keeping the last `keep` (the password
    history validator calls it whenever a password is set, by any door)."""
    PasswordHistory.objects.create(user=user, password=user.password)
    stale = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[keep:]
    PasswordHistory.objects.filter(pk__in=list(stale)).delete()


def _session_store(session_key: str | None = None) -> SessionBase:
    store: SessionBase = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    return store


@transaction.atomic
def track_session(*, user: User, session_key: str) -> None:
    """Count a signed-in session of the user; past ACCOUNTS["MAX_SESSIONS"] the oldest end.

    Called at every sign-in (the `user_logged_in` signal: web, API session and admin)."""
    UserSession.objects.get_or_create(session_key=session_key, defaults={"user": user})
    live = []
    for session in UserSession.objects.select_for_update().filter(user=user):
        if session.session_key == session_key or _session_store().exists(session.session_key):
            live.append(session)
        else:  # signed out or expired meanwhile
            session.delete()
    for session in live[: max(0, len(live) - settings.ACCOUNTS["MAX_SESSIONS"])]:
        _session_store(session.session_key).delete()
        session.delete()


@transaction.atomic
def forget_session(*, session_key: str) -> None:
    """Stop counting a session that signed out."""
    UserSession.objects.filter(session_key=session_key).delete()


@transaction.atomic
def end_sessions(*, user: User, keep: str | None = None) -> None:
    """Sign the user out of every session but `keep`."""
    for session in UserSession.objects.filter(user=user).exclude(session_key=keep or ""):
        _session_store(session.session_key).delete()
        session.delete()


@transaction.atomic
def end_session(*, session: UserSession, actor: AbstractBaseUser | AnonymousUser) -> None:
    """Sign a user out of one session (`accounts.delete_usersession`: staff, in the admin)."""
    require_perm(actor, "accounts.delete_usersession")
    _session_store(session.session_key).delete()
    session.delete()


@transaction.atomic
def forget_password_history(
    *, entry: PasswordHistory, actor: AbstractBaseUser | AnonymousUser
) -> None:
    """Forget one remembered password (`accounts.delete_passwordhistory`: staff)."""
    require_perm(actor, "accounts.delete_passwordhistory")
    entry.delete()


# --- two-factor authentication ----------------------------------------------------------------

RECOVERY_CODE_COUNT = 10
# 15 random bytes are 24 base32 characters: 120 bits, shown in groups of four.
_RECOVERY_CODE_BYTES = 15
_PENDING_SIGN_IN_SALT = "keel.accounts.pending-sign-in"
# The session key under which the surfaces keep `pending_sign_in`'s state.
PENDING_SIGN_IN_KEY = "keel.pending_sign_in"
# How long the "password right, factor pending" state of a sign-in lasts.
PENDING_SIGN_IN_SECONDS = 300
# Codes of the step before and after the current one pass too (clock drift).
TOTP_TOLERANCE = 1


def _recovery_code_digest(code: str) -> str:
    normal = "".join(code.split()).replace("-", "").upper()
    return hashlib.sha256(normal.encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with new ones; their plaintext, to show once."""
    user.recovery_codes.all().delete()
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = base64.b32encode(secrets.token_bytes(_RECOVERY_CODE_BYTES)).decode()
        codes.append("-".join(raw[i : i + 4] for i in range(0, len(raw), 4)))
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, digest=_recovery_code_digest(code)) for code in codes
    )
    return codes


@transaction.atomic
def start_totp_enrolment(*, actor: User) -> TOTPDevice:
    """A new, unconfirmed TOTP device for the actor (replacing one not confirmed yet); the
    surfaces show its key as a QR code and as text. Raises TwoFactorAlreadyEnabled."""
    User.objects.select_for_update().get(pk=actor.pk)  # one enrolment at a time per user
    if has_two_factor(actor):
        raise TwoFactorAlreadyEnabled()
    TOTPDevice.objects.filter(user=actor, confirmed=False).delete()
    return TOTPDevice.objects.create(user=actor, name="Authenticator app", confirmed=False)


def _totp_matches(device: TOTPDevice, code: str) -> bool:
    """Whether `code` is the device's code within the tolerance and newer than the last one
    accepted; records its time step. The caller holds the device's row lock."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == device.digits):
        return False
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    min_t = device.last_t + 1 if device.last_t is not None else None
    if not totp.verify(int(code), tolerance=TOTP_TOLERANCE, min_t=min_t):
        return False
    device.last_t = totp.t()
    device.save(update_fields=["last_t"])
    return True


def confirm_totp(
    *, actor: User, code: str, client_address: str = "unknown", device: str | None = None
) -> list[str]:
    """Turn two-factor authentication on with the first code of the pending device; returns
    the ten recovery codes (shown once). Raises NoEnrolmentPending, InvalidFactorCode or
    TooManyAttempts (codes are counted like passwords)."""
    attempt = attempts.begin_sign_in(
        account=attempts.account_key(actor, actor.email),
        client_address=client_address,
        device=device,
    )
    with transaction.atomic():
        User.objects.select_for_update().get(pk=actor.pk)
        if has_two_factor(actor):
            raise TwoFactorAlreadyEnabled()
        pending = TOTPDevice.objects.select_for_update().filter(user=actor, confirmed=False).first()
        if pending is None:
            raise NoEnrolmentPending()
        if not _totp_matches(pending, code):
            raise InvalidFactorCode()
        pending.confirmed = True
        pending.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(actor)
        publish(
            "account.factor_added",
            {"user_id": actor.pk, "factor": "totp", "at": timezone.now().isoformat()},
            actor=actor,
        )
    attempt.succeeded()
    return codes


def disable_totp(
    *, actor: User, password: str, client_address: str = "unknown", device: str | None = None
) -> None:
    """Turn two-factor authentication off, asking for the password again; deletes the
    recovery codes. Raises InvalidCredentials, TooManyAttempts or TwoFactorNotEnabled."""
    check_current_password(
        actor=actor, password=password, client_address=client_address, device=device
    )
    with transaction.atomic():
        User.objects.select_for_update().get(pk=actor.pk)
        if not has_two_factor(actor):
            raise TwoFactorNotEnabled()
        TOTPDevice.objects.filter(user=actor).delete()
        actor.recovery_codes.all().delete()
        publish(
            "account.factor_removed",
            {"user_id": actor.pk, "factor": "totp", "at": timezone.now().isoformat()},
            actor=actor,
        )


def regenerate_recovery_codes(
    *, actor: User, password: str, client_address: str = "unknown", device: str | None = None
) -> list[str]:
    """New recovery codes for the actor (the old ones stop working), asking for the password
    again. Raises InvalidCredentials, TooManyAttempts or TwoFactorNotEnabled."""
    check_current_password(
        actor=actor, password=password, client_address=client_address, device=device
    )
    with transaction.atomic():
        User.objects.select_for_update().get(pk=actor.pk)
        if not has_two_factor(actor):
            raise TwoFactorNotEnabled()
        return _new_recovery_codes(actor)


def pending_sign_in(user: User) -> str:
    """The signed "password right, factor pending" state a surface keeps in the session
    (never a signed-in session) until `complete_sign_in`."""
    return signing.dumps(
        {"user": user.pk, "auth": user.get_session_auth_hash()}, salt=_PENDING_SIGN_IN_SALT
    )


def complete_sign_in(
    *, pending: str | None, code: str, client_address: str = "unknown", device: str | None = None
) -> User:
    """The user of a pending sign-in whose second factor `code` (a TOTP code or a recovery
    code) is right. Raises SignInStepExpired, InvalidFactorCode or TooManyAttempts."""
    try:
        held = signing.loads(
            pending or "", salt=_PENDING_SIGN_IN_SALT, max_age=PENDING_SIGN_IN_SECONDS
        )
        user = User.objects.get(pk=held["user"], is_active=True)
    except (signing.BadSignature, User.DoesNotExist, KeyError, TypeError) as exc:
        raise SignInStepExpired() from exc
    # A password changed since the first step ends the pending sign-in too.
    if not constant_time_compare(held.get("auth", ""), user.get_session_auth_hash()):
        raise SignInStepExpired()
    verify_second_factor(user=user, code=code, client_address=client_address, device=device)
    return user


def verify_second_factor(
    *, user: User, code: str, client_address: str = "unknown", device: str | None = None
) -> None:
    """Check a TOTP code (once per time step) or a recovery code (once) of `user`, counted
    by the sign-in limits like a password. Raises InvalidFactorCode or TooManyAttempts."""
    attempt = attempts.begin_sign_in(
        account=attempts.account_key(user, user.email),
        client_address=client_address,
        device=device,
    )
    with transaction.atomic():
        totp = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if totp is None:
            raise TwoFactorNotEnabled()
        accepted = _totp_matches(totp, code)
    if not accepted and not _use_recovery_code(user, code):
        raise InvalidFactorCode()
    attempt.succeeded()


def _use_recovery_code(user: User, code: str) -> bool:
    """Spend one recovery code; exactly one of concurrent uses of a code succeeds (the
    conditional UPDATE). The user is e-mailed about it."""
    with transaction.atomic():
        used = RecoveryCode.objects.filter(
            user=user, digest=_recovery_code_digest(code), used_at__isnull=True
        ).update(used_at=timezone.now())
        if not used:
            return False
        remaining = remaining_recovery_codes(user)
        publish(
            "account.recovery_code_used",
            {"user_id": user.pk, "remaining": remaining, "used_at": timezone.now().isoformat()},
            actor=user,
        )
    _send_account_mail(user.email, "recovery_code_used", {"remaining": remaining})
    return True


def delete_recovery_code(*, code: RecoveryCode, actor: AbstractBaseUser | AnonymousUser) -> None:
    """Delete one recovery code (`accounts.delete_recoverycode`: staff, in the admin)."""
    require_perm(actor, "accounts.delete_recoverycode")
    code.delete()
