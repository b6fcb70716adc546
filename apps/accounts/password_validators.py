"""Password validators of AUTH_PASSWORD_VALIDATORS beyond Django's own.

- BreachedPasswordValidator refuses a password whose SHA-1 is in
  apps/accounts/data/breached-passwords-sha1.txt (the file's header says where its hashes
  come from: Django's bundled common-passwords list and a few well-known breached ones).
- PasswordHistoryValidator refuses the user's last few passwords, and records each new
  password's hash when Django reports it changed (`password_changed`, called by
  `User.save()` after `set_password`), so every door that sets a password keeps the history.
"""

import functools
import hashlib
from pathlib import Path

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError

BREACHED_PASSWORDS = Path(__file__).parent / "data" / "breached-passwords-sha1.txt"


@functools.cache
def _breached_hashes() -> frozenset[str]:
    lines = BREACHED_PASSWORDS.read_text().splitlines()
    return frozenset(line.strip() for line in lines if line and not line.startswith("#"))


class BreachedPasswordValidator:
    """Refuse passwords known from published breaches (exact, case-sensitive match)."""

    def validate(self, password: str, user=None) -> None:
        digest = hashlib.sha1(password.encode(), usedforsecurity=False).hexdigest().upper()
        if digest in _breached_hashes():
            raise ValidationError(
                "This password appears in known data breaches; choose another.",
                code="password_breached",
            )

    def get_help_text(self) -> str:
        return "Your password can't be one known from data breaches."


class PasswordHistoryValidator:
    """Refuse the user's current password and the `remembered` ones before it."""

    def __init__(self, remembered: int = 5) -> None:
        self.remembered = remembered

    def validate(self, password: str, user=None) -> None:
        if user is None or user.pk is None:
            return
        from apps.accounts.selectors import recent_password_hashes

        hashes = recent_password_hashes(user=user, count=self.remembered)
        if user.password and user.password not in hashes:
            hashes.append(user.password)
        if any(check_password(password, encoded) for encoded in hashes):
            raise ValidationError(
                f"You used this password recently; choose one not among your last "
                f"{self.remembered}.",
                code="password_reused",
            )

    def password_changed(self, password: str, user=None) -> None:
        if user is None or user.pk is None or not user.has_usable_password():
            return
        from apps.accounts.services import record_password_history

        record_password_history(user=user, keep=self.remembered)

    def get_help_text(self) -> str:
        return f"Your password can't be one of your last {self.remembered}."
