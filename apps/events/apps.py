from django.apps import AppConfig
from django.conf import settings
from django.core import checks
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
        from apps.events.checks import check_subscriptions

        # Each app declares its event types in `event_types.py` and its handlers in
        # `subscribers.py`. Every app's types are imported before any app's subscribers, so
        # the order of INSTALLED_APPS does not matter (and types resolve lazily anyway).
        autodiscover_modules("event_types")
        autodiscover_modules("subscribers")
        checks.register(check_subscriptions, "events")
