"""Read queries over accounts."""

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
