"""Two dispatchers racing on one event: its subscriber still runs once."""

import threading
import time

import pytest
from django.db import connections

from apps.events.catalog import declare_event_type
from apps.events.models import SubscriberRun
from apps.events.registry import subscriber
from apps.events.services import dispatch_event, publish

pytestmark = pytest.mark.django_db(transaction=True)

declare_event_type(
    "test.slow",
    description="Only used by the dispatch race test.",
    schema={"type": "object"},
    example={},
)
runs: list[str] = []


@subscriber("test.slow", name="tests.slow_subscriber")
def slow_subscriber(event) -> None:
    runs.append(event.id)
    time.sleep(0.3)  # holds its SubscriberRun row uncommitted while the other dispatcher arrives


def test_concurrent_dispatches_of_one_event_run_its_subscriber_once():
    event = publish("test.slow", {})
    results = []
    start = threading.Barrier(2)

    def dispatcher() -> None:
        start.wait()
        results.append(dispatch_event(event_id=str(event.pk)))
        connections.close_all()

    threads = [threading.Thread(target=dispatcher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert runs == [str(event.pk)]
    assert sorted((r.ran, r.skipped) for r in results) == [
        ([], ["tests.slow_subscriber"]),
        (["tests.slow_subscriber"], []),
    ]
    assert SubscriberRun.objects.filter(event=event).count() == 1
