from django.apps import AppConfig
from django.conf import settings
from django.utils.module_loading import autodiscover_modules


class EventsConfig(AppConfig):
    name = "apps.events"
    label = "events"
    verbose_name = "Events"
    periodic_jobs = {
        "relay-pending-events": {
            "task": "apps.events.tasks.relay_pending_events_task",
            "schedule": settings.EVENTS["RELAY_INTERVAL"],
        },
    }

    def ready(self) -> None:
        # Each app declares its event types in `event_types.py` and its handlers in
        # `subscribers.py`; importing them fills the catalog and the subscriber registry.
        autodiscover_modules("event_types", "subscribers")
