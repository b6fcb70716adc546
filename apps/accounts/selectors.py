"""Read queries over accounts."""

import base64

import segno
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.models import User


def normalized_email(email: str) -> str:
    """An e-mail address as Keel stores it: lower case, domain normalized."""
    return User.objects.normalize_email(email).strip().lower()


def email_in_use(email: str, *, excluding: User | None = None) -> bool:
    """Whether another account has this e-mail, in any letter case."""
    others = User.objects.filter(email__iexact=normalized_email(email))
    if excluding is not None and excluding.pk is not None:
        others = others.exclude(pk=excluding.pk)
    return others.exists()


def account_for_sign_in(email: str) -> User | None:
    """The account a sign-in with this e-mail reaches, found exactly as Django's auth backend
    finds it (`get_by_natural_key`: case-insensitive, so on PostgreSQL a long s matches "s")."""
    try:
        return User.objects.get_by_natural_key(email)
    except (User.DoesNotExist, User.MultipleObjectsReturned):
        return None


def recent_password_hashes(*, user: User, count: int) -> list[str]:
    """The hashes of the user's last `count` passwords, newest first (the current included
    once it was set through any door after password history began)."""
    from apps.accounts.models import PasswordHistory

    return list(
        PasswordHistory.objects.filter(user=user).values_list("password", flat=True)[:count]
    )


def totp_device(user: User, *, confirmed: bool = True) -> TOTPDevice | None:
    """The user's TOTP device (confirmed, or the one awaiting its first code), or None."""
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("-pk").first()


def has_two_factor(user: User) -> bool:
    """Whether signing in as `user` asks for a second factor after the password."""
    return totp_device(user) is not None


def remaining_recovery_codes(user: User) -> int:
    return user.recovery_codes.filter(used_at__isnull=True).count()


def totp_manual_key(device: TOTPDevice) -> str:
    """The device's key as an authenticator app takes it typed in: base32, in groups of 4."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def totp_qr_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// address as an inline SVG QR code (no script: CSP-safe)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, title="TOTP QR code")
