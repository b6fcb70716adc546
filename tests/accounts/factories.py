"""Users, made through the sign-up service."""

import itertools

from apps.accounts.models import User
from apps.accounts.services import sign_up_user

PASSWORD = "correct-horse-battery-staple"
_sequence = itertools.count(1)


def make_user(*, email: str | None = None, password: str = PASSWORD, **fields) -> User:
    n = next(_sequence)
    return sign_up_user(email=email or f"user{n}@example.com", password=password, **fields)
