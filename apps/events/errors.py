"""Errors of the event backbone."""


class EventError(Exception):
    code = "event_error"


class UnknownEventType(EventError):
    code = "unknown_event_type"

    def __init__(self, event_type: str) -> None:
        super().__init__(f"Event type {event_type!r} is not declared in the event catalog.")


class InvalidEventPayload(EventError):
    code = "invalid_event_payload"

    def __init__(self, event_type: str, message: str) -> None:
        super().__init__(f"Payload of {event_type!r} does not match its schema: {message}")
