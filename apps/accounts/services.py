"""Account operations: sign-up, sign-in checks and API tokens."""

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction
from rest_framework.authtoken.models import Token

from apps.accounts import attempts
from apps.accounts.errors import EmailTaken, InvalidCredentials
from apps.accounts.models import User
from apps.accounts.selectors import email_in_use, normalized_email


def sign_up_user(*, email: str, password: str, display_name: str = "") -> User:
    """Create an active user; raises EmailTaken, or Django's ValidationError for a weak password."""
    email = normalized_email(email)
    candidate = User(email=email, display_name=display_name)
    validate_password(password, user=candidate)
    if email_in_use(email):
        raise EmailTaken(email)
    try:
        with transaction.atomic():
            return User.objects.create_user(email, password, display_name=display_name)
    except IntegrityError as exc:  # a concurrent sign-up with the same e-mail won the race
        raise EmailTaken(email) from exc


def authenticate_user(*, email: str, password: str, request=None) -> User:
    """The active user with these credentials; raises InvalidCredentials or TooManyAttempts.

    Every surface that checks a password goes through here, so the attempt limits of
    apps/accounts/attempts.py hold whichever way a client tries.
    """
    windows = attempts.count_attempt(email=email, request=request)
    user = authenticate(request, username=email, password=password)
    if user is None:
        raise InvalidCredentials()
    attempts.forget_failures(windows)
    return user


def issue_api_token(*, email: str, password: str, request=None) -> Token:
    """Return the user's API token (creating it once); raises InvalidCredentials."""
    user = authenticate_user(email=email, password=password, request=request)
    token, _ = Token.objects.get_or_create(user=user)
    return token


def revoke_api_token(*, user: User) -> None:
    Token.objects.filter(user=user).delete()
