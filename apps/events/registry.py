"""Subscribers: named handlers of event types, registered with the `subscriber` decorator."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from apps.events.catalog import get_event_type

Handler = Callable[["EventEnvelope"], None]


@dataclass(frozen=True)
class EventEnvelope:
    """What a subscriber receives: the event's identity and its payload."""

    id: str
    event_type: str
    payload: dict
    actor_id: int | None
    created_at: str


@dataclass(frozen=True)
class Subscriber:
    name: str
    event_type: str
    handler: Handler


_subscribers: dict[str, list[Subscriber]] = defaultdict(list)


def subscriber(event_type: str, *, name: str) -> Callable[[Handler], Handler]:
    """Register `handler` for `event_type` under a stable `name`.

    The name is the idempotency key with the event id: renaming a subscriber makes it run
    again for events it already handled, so names are part of the contract.
    """
    get_event_type(event_type)  # fail at import time for an undeclared type

    def register(handler: Handler) -> Handler:
        if any(sub.name == name for sub in _subscribers[event_type]):
            raise ValueError(f"Subscriber {name!r} is registered twice for {event_type!r}.")
        _subscribers[event_type].append(Subscriber(name, event_type, handler))
        return handler

    return register


def subscribers_for(event_type: str) -> list[Subscriber]:
    return list(_subscribers.get(event_type, ()))
