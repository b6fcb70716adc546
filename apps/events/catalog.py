"""The event catalog: every event type, declared once, with a JSON schema and an example."""

from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator

from apps.events.errors import InvalidEventPayload, UnknownEventType


@dataclass(frozen=True)
class EventType:
    name: str
    description: str
    schema: dict[str, Any]
    example: dict[str, Any]
    validator: Draft202012Validator = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        Draft202012Validator.check_schema(self.schema)
        object.__setattr__(self, "validator", Draft202012Validator(self.schema))
        # The example documents the type, so it must itself be valid.
        self.validate(self.example)

    def validate(self, payload: dict[str, Any]) -> None:
        error = next(iter(self.validator.iter_errors(payload)), None)
        if error is not None:
            raise InvalidEventPayload(self.name, error.message)


_catalog: dict[str, EventType] = {}


def declare_event_type(
    name: str, *, description: str, schema: dict[str, Any], example: dict[str, Any]
) -> EventType:
    """Add an event type to the catalog; declaring one name twice is a programming error."""
    if name in _catalog:
        raise ValueError(f"Event type {name!r} is declared twice.")
    event_type = EventType(name=name, description=description, schema=schema, example=example)
    _catalog[name] = event_type
    return event_type


def get_event_type(name: str) -> EventType:
    try:
        return _catalog[name]
    except KeyError:
        raise UnknownEventType(name) from None


def all_event_types() -> list[EventType]:
    return sorted(_catalog.values(), key=lambda event_type: event_type.name)
