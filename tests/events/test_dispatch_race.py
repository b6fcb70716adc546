"""Two jobs racing on one event, or on one delivery: one does the work, the other finds it
done and says so.

The rows are written as a committed publish and fan-out leave them, without enqueueing
their jobs: a worker of the test run must not join the race.
"""

import threading

import pytest
from django.db import connection, connections

from apps.events.catalog import declare_event_type
from apps.events.models import Delivery, OutboxEvent
from apps.events.registry import subscriber
from apps.events.services import deliver, fan_out_event
from tests.live import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

declare_event_type(
    "test.slow",
    description="Only used by the race tests.",
    schema={"type": "object"},
    example={},
)
runs: list[str] = []
inside = threading.Event()
may_finish = threading.Event()


@subscriber("test.slow", name="tests.slow_subscriber")
def slow_subscriber(event) -> None:
    runs.append(event.id)
    inside.set()
    may_finish.wait(30)  # holds its delivery's row lock until the other job is waiting on it


def _in_thread(function, *args) -> threading.Thread:
    def run() -> None:
        try:
            function(*args)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _sessions_waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def test_a_duplicate_delivery_job_waits_for_the_running_one_then_skips_it_as_done():
    event = OutboxEvent.objects.create(event_type="test.slow", payload={})
    delivery = Delivery.objects.create(event=event, subscriber="tests.slow_subscriber")
    results = {}

    first = _in_thread(lambda: results.update(first=deliver(delivery_id=delivery.pk)))
    assert inside.wait(10)
    second = _in_thread(lambda: results.update(second=deliver(delivery_id=delivery.pk)))
    # the second job is blocked on the row lock the first holds while its subscriber runs
    assert wait_until(lambda: _sessions_waiting_on_a_lock() == 1)
    may_finish.set()
    first.join(10)
    second.join(10)

    assert str(results["first"]) == "done"
    assert str(results["second"]) == "skipped: done"
    assert runs == [str(event.pk)]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.DONE, 1)


def test_concurrent_fan_outs_of_one_event_create_its_deliveries_once():
    event = OutboxEvent.objects.create(event_type="test.slow", payload={})
    start = threading.Barrier(2)
    results = []

    def fan_out() -> None:
        start.wait()
        results.append(fan_out_event(event_id=str(event.pk)))

    threads = [_in_thread(fan_out) for _ in range(2)]
    for thread in threads:
        thread.join(10)

    winner, loser = sorted(results, key=lambda result: result.skipped)
    assert (len(winner.created), winner.skipped) == (1, "")
    assert (loser.created, loser.skipped) == ([], "already fanned out")
    assert list(Delivery.objects.filter(event=event).values_list("pk", flat=True)) == winner.created
