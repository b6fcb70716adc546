"""Object permissions: one question on every surface, `user.has_perm(name, obj)`.

Each app declares its permissions in its own `rules.py` with django-rules
(`rules.add_perm(name, predicate)`, found by `rules.apps.AutodiscoverRulesConfig`), and
Django's permission API answers through `rules.permissions.ObjectPermissionBackend`; the
model permissions of users and groups still come from `ModelBackend`. Django's backend
answers nothing for a given object, so a rule that lets holders of a model permission in
(staff through the admin, a role such as `moderator`) says so with `holds_model_perm`.

A refusal is a domain error (apps/kernel/errors.py): `NotAllowed` unless the app names
another for the permission with `declare_refusals` (a code its clients know already, or a
404 that keeps an object's existence private). Services, and surfaces that check before
they call them, refuse alike through `require_perm`.
"""

from collections.abc import Mapping
from typing import Any

import rules

from apps.kernel.errors import DomainError, NotAllowed, NotSignedIn

_refusals: dict[str, type[DomainError]] = {}


def holds_model_perm(name: str) -> Any:
    """A predicate: the user holds the model permission `name`, directly or through a group.

    Read from the user's model permissions rather than `has_perm(name)`, which would ask
    the rule being evaluated again. Superusers never get here: `has_perm` lets them through.
    """

    def holds(user: Any) -> bool:
        return bool(user) and name in user.get_all_permissions()

    return rules.predicate(holds, name=f"holds {name}")  # type: ignore[no-untyped-call]


def declare_refusals(refusals: Mapping[str, type[DomainError]]) -> None:
    """The error each of these permissions raises when refused (else NotAllowed)."""
    _refusals.update(refusals)


def refusal(name: str) -> type[DomainError]:
    """The error a refusal of permission `name` raises."""
    return _refusals.get(name, NotAllowed)


def require_perm(user: Any, name: str, obj: object = None) -> None:
    """Raise the refusal of `name` unless `user.has_perm(name, obj)`.

    An anonymous user is told to sign in (NotSignedIn), unless the refusal is a 404: an
    object hidden from someone is missing for everyone it is hidden from.
    """
    if user is not None and user.has_perm(name, obj):
        return
    error = refusal(name)
    if error.status != 404 and not getattr(user, "is_authenticated", False):
        raise NotSignedIn()
    raise error()
