"""Tasks and subscribers whose runs kill their worker process or fail, loaded into the test
worker (-I) and imported by the tests that publish to them.

Each records what happened in the cache, keyed by the `key` of its payload or argument, so
the test process can read it.
"""

import os
import signal

from celery import shared_task
from celery.signals import task_postrun
from django.core.cache import cache

from apps.events.catalog import declare_event_type
from apps.events.models import Delivery
from apps.events.registry import EventEnvelope, subscriber
from apps.events.services import DELIVER_TASK, publish


@shared_task(declared_queue="default", max_retries=3, default_retry_delay=0)
def crash_once_task(key: str) -> None:
    attempts = cache.incr(f"{key}:attempts") if cache.get(f"{key}:attempts") else None
    if attempts is None:
        cache.set(f"{key}:attempts", 1, 600)
        os.kill(os.getpid(), signal.SIGKILL)
    cache.set(f"{key}:done", True, 600)


def outcome(key: str) -> dict:
    return {"attempts": cache.get(f"{key}:attempts") or 0, "done": bool(cache.get(f"{key}:done"))}


KEYED = {"type": "object", "required": ["key"], "properties": {"key": {"type": "string"}}}

for name, description in [
    ("test.crash.webhook", "An HTTP call cut short by the death of its process."),
    ("test.crash.ordinary", "A database write cut short by the death of its process."),
    ("test.crash.echo", "Published by the subscriber of test.crash.ordinary: its write."),
    ("test.crash.mixed", "Has a subscriber that always fails and one that works."),
]:
    declare_event_type(name, description=description, schema=KEYED, example={"key": "k"})


def _first_call(key: str) -> bool:
    """Count a call of the subscriber keyed `key`; True for the first one."""
    if cache.add(f"{key}:calls", 1, 600):
        return True
    cache.incr(f"{key}:calls")
    return False


def calls(key: str) -> int:
    return cache.get(f"{key}:calls") or 0


@subscriber("test.crash.webhook", name="tests.webhook_killed_mid_call", atomic=False)
def webhook_killed_mid_call(event: EventEnvelope) -> None:
    if _first_call(event.payload["key"]):
        os.kill(os.getpid(), signal.SIGKILL)


@subscriber("test.crash.ordinary", name="tests.ordinary_killed_mid_run")
def ordinary_killed_mid_run(event: EventEnvelope) -> None:
    key = event.payload["key"]
    publish("test.crash.echo", {"key": key})  # its database write
    if _first_call(key):
        os.kill(os.getpid(), signal.SIGKILL)


@subscriber("test.crash.mixed", name="tests.always_fails")
def always_fails(event: EventEnvelope) -> None:
    raise RuntimeError("the receiver is down")


@subscriber("test.crash.mixed", name="tests.works")
def works(event: EventEnvelope) -> None:
    _first_call(event.payload["key"])


WATCHED = ("tests.webhook_killed_mid_call", "tests.ordinary_killed_mid_run")


@task_postrun.connect
def _record_delivery_job(sender=None, args=None, retval=None, **kwargs) -> None:
    """What each delivery job of the subscribers above reported (e.g. "skipped: running")."""
    if getattr(sender, "name", None) != DELIVER_TASK:
        return
    if Delivery.objects.filter(pk=args[0], subscriber__in=WATCHED).exists():
        key = f"delivery-jobs:{args[0]}"
        cache.set(key, [*(cache.get(key) or []), retval], 600)


def delivery_jobs(delivery_id: int) -> list[str]:
    return cache.get(f"delivery-jobs:{delivery_id}") or []
