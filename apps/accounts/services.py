"""Account operations: accounts, roles, sign-up, password checks and API tokens.

Services take plain values, never the HTTP request: the acting user as `actor`, the
client's address as `client_address` (and a sign-in's device cookie as `device`), which
the surfaces read with `attempts.client_address` and `attempts.device_cookie`.
"""

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from rest_framework.authtoken.models import Token

from apps.accounts import attempts
from apps.accounts.errors import EmailTaken, InvalidCredentials, InvalidDisplayName
from apps.accounts.models import User
from apps.accounts.selectors import account_for_sign_in, email_in_use, normalized_email
from apps.kernel.permissions import require_perm
from apps.operations.plain_text import forbidden_character

logger = logging.getLogger(__name__)

# What every public sign-up answers, whether the address was new or already had an account.
SIGN_UP_RECEIVED = "Thanks. We have sent a message about your sign-up: check your e-mail."


def create_account(
    *,
    email: str,
    password: str | None,
    display_name: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
    actor: AbstractBaseUser | AnonymousUser | None = None,
) -> User:
    """Create an active user under every account rule; raises EmailTaken,
    InvalidDisplayName, or Django's ValidationError for a weak password.

    For staff tools (the admin passes its user as `actor`, who needs `accounts.add_user`)
    and commands; public surfaces call `sign_up`, which does not tell whether the address
    was taken. A `password` of None makes an account that cannot sign in until one is set.
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
    sign_in_url: str | None = None,
) -> None:
    """Sign-up from a public surface: throttled per client address, and silent on whether
    the address already had an account (answer with SIGN_UP_RECEIVED either way).

    A new address gets its account and a welcome e-mail; the owner of a taken address gets
    an e-mail saying someone tried to sign up with it (at most one per
    SIGN_UP_NOTICE_INTERVAL), and nothing else changes. Both e-mails link to
    `sign_in_url` (the surface knows the site's address; the path alone otherwise). Raises
    TooManySignUps, InvalidDisplayName, or Django's ValidationError for a weak password,
    all alike for new and taken addresses.
    """
    attempts.count_sign_up(client_address=client_address)
    sign_in_url = sign_in_url or reverse("accounts:signin")
    try:
        user = sign_up_user(email=email, password=password, display_name=display_name)
    except EmailTaken:
        # Hash anyway, so a taken address takes as long to answer as a new one.
        make_password(password)
        owner = User.objects.filter(email__iexact=normalized_email(email)).first()
        if owner is not None and attempts.claim_sign_up_notice(account=owner):
            _send_account_mail(owner, "sign_up_attempted", sign_in_url)
    else:
        _send_account_mail(user, "welcome", sign_in_url)


def _send_account_mail(user: User, template: str, sign_in_url: str) -> None:
    context = {"user": user, "sign_in_url": sign_in_url}
    subject = render_to_string(f"accounts/email/{template}_subject.txt", context).strip()
    body = render_to_string(f"accounts/email/{template}.txt", context)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    except OSError:
        # The answer must not differ between the two kinds of sign-up, nor fail for a
        # new account that exists already: log it for the operator instead.
        logger.exception("Could not send the %s e-mail to user %s", template, user.pk)


def authenticate_user(
    *, email: str, password: str, client_address: str = "unknown", device: str | None = None
) -> User:
    """The active user with these credentials; raises InvalidCredentials or TooManyAttempts.

    Every surface that checks a password goes through here or `check_current_password`, so
    the limits of apps/accounts/attempts.py hold whichever way a client tries. `device` is
    the device cookie the client sent (browsers that signed in before; `remember_device`).
    """
    account = account_for_sign_in(email)
    attempt = attempts.begin_sign_in(
        account=attempts.account_key(account, email), client_address=client_address, device=device
    )
    user = authenticate(None, username=email, password=password)
    if user is None:
        raise InvalidCredentials()
    attempt.succeeded()
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


def issue_api_token(*, email: str, password: str, client_address: str = "unknown") -> Token:
    """Return the user's API token (creating it once); raises InvalidCredentials or
    TooManyAttempts (the limits of every password check apply)."""
    user = authenticate_user(email=email, password=password, client_address=client_address)
    token, _ = Token.objects.get_or_create(user=user)
    return token


def revoke_api_token(*, actor: User) -> None:
    """Revoke the acting user's own API token (they sign out of API clients)."""
    Token.objects.filter(user=actor).delete()
