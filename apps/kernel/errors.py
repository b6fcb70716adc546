"""The one error model: every error a service raises on purpose derives from `DomainError`.

An error class says everything each surface needs, so no surface keeps a table of errors:

- `code`: a stable, machine-readable string, unique across the project (clients switch on it);
- `status`: the HTTP status it means; `title`: a short human summary of the kind of error;
- `field`: for invalid input, the input field at fault (None when it is the request as a whole);
- `headers()`: response headers the error implies (`Retry-After` for a rate limit).

Each surface derives its answer from those: REST sends an RFC 9457 problem
(`apps/api/problems.py`), GraphQL a payload or top-level error with the code
(`apps/api/graphql_errors.py`), web pages a form error or a message and else an error page
(`apps/kernel/web.py`), websockets a close code `4000 + status` (`apps/realtime/consumers.py`).
An app's `errors.py` subclasses `DomainError` (usually through a base of its own) and sets
those class attributes; nothing else changes when it adds one.
"""

from typing import ClassVar

# Websocket close codes 4000-4999 are the application's (RFC 6455, 7.4.2); 4000 + the HTTP
# status keeps the meaning a client already knows (4403 forbidden, 4404 not found...).
WEBSOCKET_CLOSE_BASE = 4000

_classes_by_code: dict[str, type["DomainError"]] = {}


class DomainError(Exception):
    """An error a service raises on purpose; see the module docstring."""

    code: ClassVar[str] = "domain_error"
    status: ClassVar[int] = 400
    title: ClassVar[str] = "Request refused"
    # For errors raised without a message. (Not `message`: graphql-core would read that
    # attribute instead of the error's text.)
    default_message: ClassVar[str] = "The request was refused."
    field: str | None = None

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        # Codes are a contract with clients: two classes claiming one would be ambiguous.
        # The same class defined again (a module reloaded) keeps its code.
        known = _classes_by_code.get(cls.code)
        if known is not None and known.__qualname__ != cls.__qualname__:
            raise TypeError(f"{cls.__qualname__} reuses the error code {cls.code!r} of {known}.")
        if not 400 <= cls.status <= 599:
            raise TypeError(f"{cls.__qualname__}.status must be an HTTP error status.")
        _classes_by_code[cls.code] = cls

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        super().__init__(message or self.default_message)
        if field is not None:
            self.field = field

    def headers(self) -> dict[str, str]:
        """Response headers this error implies; none by default."""
        return {}

    @property
    def close_code(self) -> int:
        """The websocket close code that carries this error."""
        return WEBSOCKET_CLOSE_BASE + self.status


class NotAllowed(DomainError):
    """The user may not do this (an object permission said no)."""

    code = "not_allowed"
    status = 403
    title = "Not allowed"
    default_message = "You may not do this."


class NotSignedIn(DomainError):
    """The action needs a signed-in user."""

    code = "unauthenticated"
    status = 401
    title = "Not signed in"
    default_message = "Sign in to do this."


def error_codes() -> dict[str, type[DomainError]]:
    """Every declared error code and its class (for documentation and tests)."""
    return dict(sorted(_classes_by_code.items()))
