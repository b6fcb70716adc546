"""System checks of the event backbone: every exact subscription names a declared type."""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Error, Warning

from apps.events.catalog import all_event_types
from apps.events.registry import all_subscribers


def check_subscriptions(
    *,
    app_configs: Sequence[AppConfig] | None = None,
    databases: Sequence[str] | None = None,
    **kwargs: Any,
) -> list[CheckMessage]:
    """An exact subscription to an undeclared type is an error: no event would ever reach it.

    A pattern that matches no declared type is only a warning: it may await an app that is
    not installed here.
    """
    declared = [event_type.name for event_type in all_event_types()]
    messages: list[CheckMessage] = []
    for sub in all_subscribers():
        if sub.is_pattern:
            if not any(sub.matches(name) for name in declared):
                messages.append(
                    Warning(
                        f"Subscriber {sub.name!r} subscribes to the pattern "
                        f"{sub.event_type!r}, which matches no declared event type.",
                        obj=sub.location,
                        id="events.W001",
                    )
                )
        elif sub.event_type not in declared:
            messages.append(
                Error(
                    f"Subscriber {sub.name!r} subscribes to event type {sub.event_type!r}, "
                    "which no installed app declares.",
                    hint=(
                        "Declare it with declare_event_type() in an app's event_types.py, "
                        "install the app that declares it, or correct the name."
                    ),
                    obj=sub.location,
                    id="events.E001",
                )
            )
    return messages
