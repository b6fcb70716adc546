"""Subscribers: named handlers of event types, registered with the `subscriber` decorator.

A subscriber names an event type exactly (`"post.published"`) or by a pattern matched with
`fnmatch.fnmatchcase` against the type's name: `*` matches any run of characters, dots
included (`"post.*"` matches `post.published` and `post.comment.hidden`; `"*"` matches every
type), `?` one character, `[abc]` one of a set. Types are resolved when an event is fanned out,
not at import, so a subscriber may name a type declared by any app, in any INSTALLED_APPS
order; an exact name that no app declares is a system check error (`apps.events.checks`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

PATTERN_CHARACTERS = frozenset("*?[")


@dataclass(frozen=True)
class EventEnvelope:
    """What a subscriber receives: the event's identity and its payload."""

    id: str
    event_type: str
    payload: dict[str, Any]
    actor_id: int | None
    created_at: str


Handler = Callable[[EventEnvelope], None]


@dataclass(frozen=True)
class Subscriber:
    name: str
    # An event type's name, or a pattern of names.
    event_type: str
    handler: Handler
    # False: runs outside any database transaction, at most once (see docs/events.md).
    atomic: bool = True

    @property
    def is_pattern(self) -> bool:
        return not PATTERN_CHARACTERS.isdisjoint(self.event_type)

    @property
    def location(self) -> str:
        return f"{self.handler.__module__}.{self.handler.__qualname__}"

    def matches(self, event_type: str) -> bool:
        return fnmatchcase(event_type, self.event_type)


_subscribers: dict[str, Subscriber] = {}


def subscriber(event_type: str, *, name: str, atomic: bool = True) -> Callable[[Handler], Handler]:
    """Register the decorated handler for `event_type` (a name or a pattern) as `name`.

    The name, unique, is the delivery's identity with the event id: deliveries created under
    an old name find no handler after a rename (they fail and end given up), so names are
    part of the contract. `atomic=False` runs the handler outside any transaction (for HTTP
    calls): at most once per event, and an interrupted run waits for an operator.
    """

    def register(handler: Handler) -> Handler:
        existing = _subscribers.get(name)
        if existing is not None:
            raise ValueError(
                f"Subscriber {name!r} is registered twice ({existing.location} and "
                f"{handler.__module__}.{handler.__qualname__})."
            )
        _subscribers[name] = Subscriber(name, event_type, handler, atomic)
        return handler

    return register


def subscribers_for(event_type: str) -> list[Subscriber]:
    """Every subscriber whose name or pattern matches `event_type`, by name."""
    return sorted(
        (sub for sub in _subscribers.values() if sub.matches(event_type)),
        key=lambda sub: sub.name,
    )


def get_subscriber(name: str) -> Subscriber | None:
    return _subscribers.get(name)


def all_subscribers() -> list[Subscriber]:
    return sorted(_subscribers.values(), key=lambda sub: sub.name)
