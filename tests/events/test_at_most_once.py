"""Subscribers declared `atomic=False` (HTTP calls, say): they run outside any transaction,
after a committed claim, at most once per event; a claim left running waits for an operator.

test_delivery.py kills a real worker in the middle of one. Here the rows are written as a
fan-out leaves them, without enqueueing jobs, so that no worker of the test run joins in.
"""

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from apps.events.catalog import declare_event_type
from apps.events.models import Delivery, OutboxEvent
from apps.events.registry import subscriber
from apps.events.services import deliver, relay_pending_events

declare_event_type(
    "test.webhook",
    description="Only used by the at-most-once tests.",
    schema={"type": "object"},
    example={},
)
calls: list[dict] = []
failing = {"on": False}


def _status_seen_by_another_connection(event_id: str) -> str | None:
    """What another process would read of the delivery (None: not committed yet)."""
    seen = []

    def read() -> None:
        try:
            deliveries = Delivery.objects.filter(event_id=event_id)
            seen.append(deliveries.values_list("status", flat=True).first())
        finally:
            connections.close_all()

    reader = threading.Thread(target=read)
    reader.start()
    reader.join(10)
    return seen[0]


@subscriber("test.webhook", name="tests.call_webhook", atomic=False)
def call_webhook(event) -> None:
    calls.append(
        {
            "in_a_transaction": connection.in_atomic_block,
            "ledger_says": _status_seen_by_another_connection(event.id),
        }
    )
    if failing["on"]:
        raise ConnectionError("the receiver timed out")


@pytest.fixture(autouse=True)
def _reset_recorders():
    calls.clear()
    failing["on"] = False


def _delivery() -> Delivery:
    event = OutboxEvent.objects.create(
        event_type="test.webhook", payload={}, fanned_out_at=timezone.now()
    )
    return Delivery.objects.create(event=event, subscriber="tests.call_webhook")


@pytest.mark.django_db(transaction=True)
def test_it_runs_outside_any_transaction_once_its_claim_is_committed():
    delivery = _delivery()

    assert str(deliver(delivery_id=delivery.pk)) == "done"

    # while it ran, every other connection could read that it had started
    assert calls == [{"in_a_transaction": False, "ledger_says": "running"}]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.DONE, 1)
    assert delivery.claimed_at <= delivery.completed_at
    assert str(deliver(delivery_id=delivery.pk)) == "skipped: done"
    assert len(calls) == 1
    assert OutboxEvent.objects.get(pk=delivery.event_id).dispatched_at is not None


@pytest.mark.django_db
def test_a_call_that_raises_reported_it_did_not_complete_and_is_retried_like_any_other():
    failing["on"] = True
    delivery = _delivery()

    assert str(deliver(delivery_id=delivery.pk)) == (
        "failed: ConnectionError: the receiver timed out"
    )

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.FAILED, 1)
    assert delivery.next_attempt_at is not None
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert relay_pending_events(older_than=0).sent == [delivery.pk]
    failing["on"] = False
    assert str(deliver(delivery_id=delivery.pk)) == "done"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, len(calls)) == (Delivery.Status.DONE, 2, 2)


@pytest.mark.django_db
def test_a_claim_left_running_is_marked_interrupted_and_run_again_only_when_an_operator_says():
    delivery = _delivery()
    timeout = timedelta(seconds=settings.EVENTS["CLAIM_TIMEOUT"])
    # As a job whose process died in the middle of the call leaves it: claimed, running
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.RUNNING, attempts=1, claimed_at=timezone.now()
    )
    assert str(deliver(delivery_id=delivery.pk)) == "skipped: running"
    assert relay_pending_events(older_than=0).interrupted == []  # within its claim timeout

    Delivery.objects.filter(pk=delivery.pk).update(claimed_at=timezone.now() - timeout)
    report = relay_pending_events(older_than=0)

    assert (report.interrupted, report.sent) == ([delivery.pk], [])
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.INTERRUPTED
    assert str(deliver(delivery_id=delivery.pk)) == "skipped: interrupted"
    assert relay_pending_events(older_than=0).sent == []
    assert calls == []

    out = StringIO()
    call_command("relay_events", "--retry-given-up", stdout=out)

    assert out.getvalue().splitlines()[0] == "1 given-up or interrupted delivery(ies) sent again."
    assert str(deliver(delivery_id=delivery.pk)) == "done"
    assert len(calls) == 1
