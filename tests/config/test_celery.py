"""The Celery configuration, seen from the broker and real workers: the queue each task waits
in, the order a free worker takes them in, and a busy worker leaving the rest to others.

Late acknowledgement and the retry of a task whose worker died are shown by
tests/events/test_delivery.py (test_worker_that_dies_mid_task_has_the_task_retried).
"""

import os
import time

import pytest
import redis
from django.conf import settings

from apps.events.tasks import dispatch_event_task, relay_pending_events_task
from config.celery import QUEUES, app, route_by_declaration
from tests.config.held_tasks import (
    hold_task,
    ran,
    record_critical_task,
    record_default_task,
    record_low_task,
    release,
)
from tests.live import CeleryWorker, queued_messages, wait_until

# The keys the broker makes: bindings, unacknowledged messages, reply queues, the queues
# (and their priority steps). The cache's keys all start with KEY_PREFIX or keel-cache-stats.
BROKER_KEYS = ("_kombu.*", "unacked*", "*.reply.celery.pidbox", *(f"{name}*" for name in QUEUES))


class PrivateBroker:
    """A broker for this test's own workers alone.

    It is the cache's Redis database, which no other worker of the test run consumes
    (production refuses that sharing, config/settings/prod.py; here it keeps the session's
    worker off these tasks). Only the broker's keys are removed afterwards.
    """

    def __init__(self, log_dir) -> None:
        self.url = settings.REDIS_CACHE_URL
        self.log_dir = log_dir
        self.connection = app.connection_for_write(self.url)
        self.workers: list[CeleryWorker] = []
        self.keys: list[str] = []
        for queue in app.conf.task_queues:
            queue(self.connection.default_channel).declare()

    def send(self, task, *args) -> None:
        task.apply_async(args=args, connection=self.connection)

    def queued(self) -> dict[str, int]:
        channel = self.connection.default_channel
        return {name: queued_messages(channel, name) for name in QUEUES}

    def start_worker(self) -> CeleryWorker:
        """A worker of one process on this broker."""
        log_path = self.log_dir / f"worker-{len(self.workers)}.log"
        worker = CeleryWorker(concurrency=1, log_path=log_path, env={"CELERY_BROKER_URL": self.url})
        self.workers.append(worker)
        return worker.start()

    def new_key(self) -> str:
        """A key of its own for the held tasks of one test."""
        key = f"{settings.KEY_PREFIX}:celery-test:{os.getpid()}:{time.monotonic_ns()}"
        self.keys.append(key)
        return key

    def close(self) -> None:
        # A held task keeps its worker's warm shutdown waiting: let it finish first.
        for key in self.keys:
            release(key)
        for worker in self.workers:
            worker.stop()
        self.connection.release()
        store = redis.Redis.from_url(self.url)
        for pattern in BROKER_KEYS:
            for key in store.scan_iter(pattern):
                store.delete(key)
        for key in self.keys:
            redis.Redis.from_url(settings.REDIS_URL).delete(f"{key}:ran", f"{key}:release")


@pytest.fixture
def broker(django_db_setup, tmp_path):
    broker = PrivateBroker(tmp_path)
    yield broker
    broker.close()


def test_tasks_wait_in_the_queue_their_definition_declares(broker):
    @app.task(name="tests.undeclared")
    def undeclared() -> None:
        return None

    broker.send(dispatch_event_task, "00000000-0000-0000-0000-000000000000")
    assert broker.queued() == {"critical": 1, "default": 0, "low": 0}

    broker.send(relay_pending_events_task)
    assert broker.queued() == {"critical": 1, "default": 0, "low": 1}

    # A task declaring no queue waits in default.
    broker.send(undeclared)
    assert broker.queued() == {"critical": 1, "default": 1, "low": 1}


def test_an_unknown_declared_queue_is_a_clear_error():
    class Declares:
        declared_queue = "urgent"

    with pytest.raises(ValueError, match="unknown queue 'urgent'"):
        route_by_declaration("tests.bad", (), {}, {}, task=Declares())


def test_a_free_worker_takes_critical_before_default_before_low(broker):
    # Given a worker of one process, busy with a held task
    broker.start_worker()
    key = broker.new_key()
    broker.send(hold_task, key)
    assert wait_until(lambda: ran(key) == ["hold started"])

    # When tasks arrive in each queue, the least urgent first, they wait in the broker: the
    # busy worker took none of them ahead (one message per process)
    broker.send(record_low_task, key, "low")
    broker.send(record_default_task, key, "default")
    broker.send(record_critical_task, key, "critical")
    assert broker.queued() == {"critical": 1, "default": 1, "low": 1}

    # Then, once free, it runs them the most urgent first
    release(key)
    assert wait_until(lambda: len(ran(key)) == 5)
    assert ran(key) == ["hold started", "hold done", "critical", "default", "low"]


def test_tasks_queued_behind_a_long_one_are_left_for_a_free_worker(broker):
    # Given a worker of one process, busy with a held task, and three tasks queued behind it
    broker.start_worker()
    key = broker.new_key()
    broker.send(hold_task, key)
    assert wait_until(lambda: ran(key) == ["hold started"])
    for n in range(3):
        broker.send(record_default_task, key, f"quick {n}")

    # When a second worker starts
    broker.start_worker()

    # Then it runs all three while the first is still held: none was stranded with it
    assert wait_until(lambda: len(ran(key)) == 4, timeout=30)
    assert ran(key) == ["hold started", "quick 0", "quick 1", "quick 2"]
    release(key)
    assert wait_until(lambda: ran(key)[-1] == "hold done")
