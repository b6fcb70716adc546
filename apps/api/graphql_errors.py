"""How GraphQL reports failure: mutation payload errors, and top-level errors safe to show."""

import logging
from typing import Any

import graphene
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest
from graphql import GraphQLError, GraphQLResolveInfo

from apps.kernel.errors import DomainError, NotSignedIn

logger = logging.getLogger(__name__)

# Codes of the GraphQL surface itself; every other code is a domain error's `.code`.
NOT_FOUND = "not_found"
INTERNAL_ERROR = "internal_error"


# graphene has no type information: its base classes are Any to mypy.
class Error(graphene.ObjectType):  # type: ignore[misc]
    """One reason a mutation did nothing; `code` is stable, `message` is for people."""

    field = graphene.String(
        description="The argument or input field at fault; null when it is the whole operation."
    )
    message = graphene.String(required=True)
    code = graphene.String(required=True)


class MutationFailed(Exception):
    """Raised inside a mutation to stop it and report these errors in its payload."""

    def __init__(self, *errors: Error) -> None:
        super().__init__("; ".join(error.message for error in errors))
        self.errors = list(errors)


def error_from_domain(exc: DomainError) -> Error:
    return Error(field=exc.field, message=str(exc), code=exc.code)


def require_user(info: GraphQLResolveInfo) -> AbstractBaseUser:
    """The signed-in user of this request; anonymous callers get the `unauthenticated` error."""
    request: HttpRequest = info.context  # graphene-django's context is the request
    user = request.user
    if not user.is_authenticated:
        raise NotSignedIn()
    return user


def parse_id(raw: object) -> int | None:
    """A database id from an `ID` argument, or None when it cannot name a row."""
    try:
        value = int(str(raw))
    except (TypeError, ValueError):
        return None
    # Out-of-range numbers would make PostgreSQL raise instead of finding nothing.
    return value if 0 < value < 2**63 else None


class KeelMutation(graphene.Mutation):  # type: ignore[misc]  # graphene is untyped, as above
    """Base of every mutation: `perform` does the work; failures become payload errors.

    A subclass implements `perform(info, **arguments)` as fetch, check permission, call the
    service, return the payload. The services apply the domain rules themselves (content rules
    included), so `perform` does not repeat them: it raises MutationFailed for the surface's own
    failures and lets a domain error through, which becomes `{field, message, code}` here
    (`field` from errors that carry one, such as InvalidContent).

    Transactions: GRAPHENE["ATOMIC_MUTATIONS"] wraps the whole request in one transaction, which
    commits once every mutation has run. Each service call opens its own atomic block, a
    savepoint inside that transaction, so a service that raises leaves nothing behind (no rows,
    no outbox events) while the other mutations of the request keep their effect. Payload
    errors do not roll the request back. Events the services publish (post.published,
    comment.created) are dispatched on commit, so after the request's transaction commits, not
    when their own mutation returns.
    """

    class Meta:
        abstract = True

    errors = graphene.List(graphene.NonNull(Error), required=True)

    @classmethod
    def mutate(cls, root: object, info: GraphQLResolveInfo, **arguments: Any) -> "KeelMutation":
        try:
            return cls.perform(info, **arguments)
        except MutationFailed as failure:
            return cls(errors=failure.errors)
        except DomainError as exc:
            return cls(errors=[error_from_domain(exc)])

    @classmethod
    def perform(cls, info: GraphQLResolveInfo, **arguments: Any) -> "KeelMutation":
        raise NotImplementedError

    @staticmethod
    def resolve_errors(payload: "KeelMutation", info: GraphQLResolveInfo) -> list[Error]:
        errors: list[Error] | None = payload.errors  # the field's value, None when unset
        return errors or []


def public_error(error: GraphQLError) -> GraphQLError:
    """The error as the client may see it: no database or exception text.

    GraphQL errors raised on purpose (a bad cursor, a page too large, a validation error) and
    domain errors keep their message; a domain error adds its `code`. Any other exception is a
    bug or a failure of a service below (a database error, say): it is logged here with its
    traceback, and the client gets `Internal error.` with the code `internal_error`.
    """
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return error
    if isinstance(original, DomainError):
        extensions = {**(error.extensions or {}), "code": original.code}
        return GraphQLError(error.message, error.nodes, path=error.path, extensions=extensions)
    logger.error(
        "GraphQL error at %s: %s",
        ".".join(map(str, error.path or ())) or "(no path)",
        type(original).__name__,
        exc_info=(type(original), original, original.__traceback__),
    )
    return GraphQLError(
        "Internal error.", error.nodes, path=error.path, extensions={"code": INTERNAL_ERROR}
    )
