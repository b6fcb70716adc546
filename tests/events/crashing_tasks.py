"""A task whose first run kills its own worker process, loaded into the test worker (-I)."""

import os
import signal

from celery import shared_task
from django.core.cache import cache


@shared_task(declared_queue="default", max_retries=3, default_retry_delay=0)
def crash_once_task(key: str) -> None:
    attempts = cache.incr(f"{key}:attempts") if cache.get(f"{key}:attempts") else None
    if attempts is None:
        cache.set(f"{key}:attempts", 1, 600)
        os.kill(os.getpid(), signal.SIGKILL)
    cache.set(f"{key}:done", True, 600)


def outcome(key: str) -> dict:
    return {"attempts": cache.get(f"{key}:attempts") or 0, "done": bool(cache.get(f"{key}:done"))}
