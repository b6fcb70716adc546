"""Celery tasks of the event backbone: thin wrappers over its services.

The services enqueue these by name (`services.FAN_OUT_TASK`, `services.DELIVER_TASK`); this
module imports the services, never the reverse, and only Celery's autodiscovery imports it.
"""

from celery import shared_task

from apps.events import services

# A job whose worker process died is sent again the way retry() would (config/celery.py):
# at once, up to three times; after that the relay sends what is still undone.
ON_WORKER_LOST = {"max_retries": 3, "default_retry_delay": 0}

# Celery ships no type information, so its decorator is untyped to mypy (pyproject.toml).


@shared_task(name=services.FAN_OUT_TASK, declared_queue="critical", **ON_WORKER_LOST)  # type: ignore[untyped-decorator]
def dispatch_event_task(event_id: str) -> list[int]:
    """Fan the event out: one delivery job per subscriber (the ids of those it created)."""
    return services.fan_out_event(event_id=event_id).created


@shared_task(name=services.DELIVER_TASK, declared_queue="critical", **ON_WORKER_LOST)  # type: ignore[untyped-decorator]
def deliver_event_task(delivery_id: int) -> str:
    # A failure is retried by the relay after the delivery's backoff: one retry policy, in
    # the service. What it returns (e.g. "skipped: running") is for logs and signals.
    return str(services.deliver(delivery_id=delivery_id))


@shared_task(declared_queue="low")  # type: ignore[untyped-decorator]
def relay_pending_events_task() -> dict[str, int]:
    report = services.relay_pending_events()
    return {
        "fanned_out": len(report.fanned_out),
        "interrupted": len(report.interrupted),
        "sent": len(report.sent),
    }
