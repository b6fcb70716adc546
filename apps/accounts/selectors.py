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
