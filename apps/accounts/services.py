"""Account operations: sign-up, password checks and API tokens."""

import logging

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password
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
from apps.operations.plain_text import forbidden_character

logger = logging.getLogger(__name__)

# What every public sign-up answers, whether the address was new or already had an account.
SIGN_UP_RECEIVED = "Thanks. We have sent a message about your sign-up: check your e-mail."


def sign_up_user(*, email: str, password: str, display_name: str = "") -> User:
    """Create an active user; raises EmailTaken, InvalidDisplayName, or Django's
    ValidationError for a weak password. For staff tools and tests: public surfaces call
    `sign_up`, which does not tell whether the address was taken."""
    email = normalized_email(email)
    if forbidden_character(display_name):  # the plain-text rule of every text field
        raise InvalidDisplayName()
    candidate = User(email=email, display_name=display_name)
    validate_password(password, user=candidate)
    if email_in_use(email):
        raise EmailTaken(email)
    try:
        with transaction.atomic():
            return User.objects.create_user(email, password, display_name=display_name)
    except IntegrityError as exc:  # a concurrent sign-up with the same e-mail won the race
        raise EmailTaken(email) from exc


def sign_up(*, email: str, password: str, display_name: str = "", request=None) -> None:
    """Sign-up from a public surface: throttled per client address, and silent on whether
    the address already had an account (answer with SIGN_UP_RECEIVED either way).

    A new address gets its account and a welcome e-mail; the owner of a taken address gets
    an e-mail saying someone tried to sign up with it (at most one per
    SIGN_UP_NOTICE_INTERVAL), and nothing else changes. Raises
    TooManySignUps, InvalidDisplayName, or Django's ValidationError for a weak password,
    all alike for new and taken addresses.
    """
    attempts.count_sign_up(request=request)
    try:
        user = sign_up_user(email=email, password=password, display_name=display_name)
    except EmailTaken:
        # Hash anyway, so a taken address takes as long to answer as a new one.
        make_password(password)
        owner = User.objects.filter(email__iexact=normalized_email(email)).first()
        if owner is not None and attempts.claim_sign_up_notice(account=owner):
            _send_account_mail(owner, "sign_up_attempted", request)
    else:
        _send_account_mail(user, "welcome", request)


def _send_account_mail(user: User, template: str, request) -> None:
    sign_in_url = reverse("accounts:signin")
    if request is not None:
        sign_in_url = request.build_absolute_uri(sign_in_url)
    context = {"user": user, "sign_in_url": sign_in_url}
    subject = render_to_string(f"accounts/email/{template}_subject.txt", context).strip()
    body = render_to_string(f"accounts/email/{template}.txt", context)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    except OSError:
        # The answer must not differ between the two kinds of sign-up, nor fail for a
        # new account that exists already: log it for the operator instead.
        logger.exception("Could not send the %s e-mail to user %s", template, user.pk)


def authenticate_user(*, email: str, password: str, request=None) -> User:
    """The active user with these credentials; raises InvalidCredentials or TooManyAttempts.

    Every surface that checks a password goes through here or `check_current_password`, so
    the limits of apps/accounts/attempts.py hold whichever way a client tries.
    """
    account = account_for_sign_in(email)
    attempt = attempts.begin_sign_in(account=attempts.account_key(account, email), request=request)
    user = authenticate(request, username=email, password=password)
    if user is None:
        raise InvalidCredentials()
    attempt.succeeded()
    return user


def check_current_password(*, user: User, password: str, request=None) -> None:
    """For changes that ask a signed-in user for their password again; raises
    InvalidCredentials or TooManyAttempts, counted like a sign-in on the account."""
    account = attempts.account_key(user, user.email)
    attempt = attempts.begin_sign_in(account=account, request=request)
    if not user.check_password(password):
        raise InvalidCredentials()
    attempt.succeeded()


def issue_api_token(*, email: str, password: str, request=None) -> Token:
    """Return the user's API token (creating it once); raises InvalidCredentials or
    TooManyAttempts (the limits of every password check apply)."""
    user = authenticate_user(email=email, password=password, request=request)
    token, _ = Token.objects.get_or_create(user=user)
    return token


def revoke_api_token(*, user: User) -> None:
    Token.objects.filter(user=user).delete()
