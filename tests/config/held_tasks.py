"""Tasks the Celery tests hold and watch, loaded into the test workers (--include).

Each writes what it did to a Redis list the test reads, `<key>:ran`, on REDIS_URL (never the
broker the test may have given its worker).
"""

import redis
from celery import shared_task
from django.conf import settings

# A held task gives up after this long, so a failed test never leaves a worker busy for good.
HOLD_LIMIT = 60


def _store() -> redis.Redis:
    # redis-py 8 cuts reads at 5 s by default; the held task waits longer than that.
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=HOLD_LIMIT + 10)


def ran(key: str) -> list[str]:
    """What the tasks of `key` did, in the order they did it."""
    return [entry.decode() for entry in _store().lrange(f"{key}:ran", 0, -1)]


def release(key: str) -> None:
    """Let the held task of `key` finish."""
    _store().rpush(f"{key}:release", "go")


@shared_task(declared_queue="default")
def hold_task(key: str) -> None:
    """Keeps its worker process busy until the test releases it."""
    store = _store()
    store.rpush(f"{key}:ran", "hold started")
    store.blpop([f"{key}:release"], timeout=HOLD_LIMIT)
    store.rpush(f"{key}:ran", "hold done")


@shared_task(declared_queue="critical")
def record_critical_task(key: str, label: str) -> None:
    _store().rpush(f"{key}:ran", label)


@shared_task(declared_queue="default")
def record_default_task(key: str, label: str) -> None:
    _store().rpush(f"{key}:ran", label)


@shared_task(declared_queue="low")
def record_low_task(key: str, label: str) -> None:
    _store().rpush(f"{key}:ran", label)
