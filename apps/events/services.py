"""Publishing events, fanning them out to deliveries, delivering, and the relay that repairs.

- `publish` stores the event in the caller's transaction; after commit the fan-out is enqueued.
- `fan_out_event` creates one `Delivery` per matching subscriber, in one transaction with
  marking the event fanned out, then enqueues one delivery job each (queue `critical`).
- `deliver` runs one subscriber for one event. An ordinary subscriber runs in one transaction
  with marking its delivery done, under the delivery's row lock: its database effects happen
  exactly once. An `atomic=False` subscriber is claimed first (committed `running`), run
  outside any transaction, then marked done: it runs to completion at most once.
- `relay_pending_events` fans out events whose fan-out was lost, marks claims left running
  past the claim timeout as interrupted, and sends again the deliveries that are due.

Tasks are enqueued by name: apps.events.tasks imports this module, never the reverse.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial
from typing import Any

from celery import current_app
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone

from apps.events.catalog import get_event_type
from apps.events.models import Delivery, OutboxEvent
from apps.events.registry import EventEnvelope, Subscriber, get_subscriber, subscribers_for
from apps.events.selectors import (
    deliveries_due,
    deliveries_to_retry,
    events_to_fan_out,
    stale_claims,
)

logger = logging.getLogger(__name__)

# The fan-out task keeps its first name, so that messages queued before an upgrade still run.
FAN_OUT_TASK = "apps.events.tasks.dispatch_event_task"
DELIVER_TASK = "apps.events.tasks.deliver_event_task"

# Deliveries that a delivery job may run: never run, or failed and not yet given up.
RUNNABLE = (Delivery.Status.PENDING, Delivery.Status.FAILED)


def publish(
    event_type: str,
    payload: dict[str, Any],
    *,
    actor: AbstractBaseUser | AnonymousUser | None = None,
) -> OutboxEvent:
    """Store an event in the outbox, in the caller's transaction; fan it out after commit.

    If the transaction rolls back, the event is gone with it and no one hears of it. If the
    process dies between commit and fan-out, or the broker is down, the relay fans it out.
    """
    get_event_type(event_type).validate(payload)
    event = OutboxEvent.objects.create(
        event_type=event_type,
        payload=payload,
        actor_id=actor.pk if actor is not None else None,
    )
    transaction.on_commit(partial(enqueue, FAN_OUT_TASK, str(event.pk)), robust=True)
    return event


def enqueue(task_name: str, argument: str | int) -> bool:
    """Send the task of apps.events.tasks named `task_name`; False if the broker refused.

    Routing (config/celery.py) reads the queue from the registered task object, and a process
    that never imported a tasks module (a web server) has none registered: Celery's own
    autodiscovery is run first then, so the task still goes to the queue it declares.
    """
    app = current_app
    if task_name not in app.tasks:
        app.autodiscover_tasks(force=True)
    try:
        app.tasks[task_name].apply_async(args=[argument])
    except Exception:
        # The rows are committed; the periodic relay sends it once the broker is back.
        logger.warning("Could not enqueue %s(%s); the relay will.", task_name, argument)
        return False
    return True


# --- fan-out ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FanOutResult:
    event_id: str
    # Deliveries this call created (and enqueued after commit).
    created: list[int] = field(default_factory=list)
    # Why it created none: "missing" or "already fanned out"; empty when it fanned out.
    skipped: str = ""


def fan_out_event(*, event_id: str) -> FanOutResult:
    """Create a delivery for every subscriber of the event, once, and enqueue them.

    The event's row lock makes two concurrent fan-outs (its own job and the relay's) take
    turns: the second finds it fanned out and creates nothing.
    """
    now = timezone.now()
    with transaction.atomic():
        event = OutboxEvent.objects.select_for_update().filter(pk=event_id).first()
        if event is None:
            return FanOutResult(event_id, skipped="missing")
        if event.fanned_out_at is not None:
            return FanOutResult(event_id, skipped="already fanned out")
        # Deliveries may exist already: those carried over from SubscriberRun (migration 0003).
        existing = set(Delivery.objects.filter(event=event).values_list("subscriber", flat=True))
        created = Delivery.objects.bulk_create(
            Delivery(event=event, subscriber=sub.name)
            for sub in subscribers_for(event.event_type)
            if sub.name not in existing
        )
        event.fanned_out_at = now
        fields = ["fanned_out_at"]
        if not Delivery.objects.filter(event=event).exclude(status=Delivery.Status.DONE).exists():
            event.dispatched_at = now  # nothing left to deliver: no subscriber, or all done
            fields.append("dispatched_at")
        event.save(update_fields=fields)
        delivery_ids = [delivery.pk for delivery in created]
        transaction.on_commit(partial(_enqueue_deliveries, delivery_ids), robust=True)
    return FanOutResult(event_id, created=delivery_ids)


def _enqueue_deliveries(delivery_ids: list[int]) -> None:
    for delivery_id in delivery_ids:
        enqueue(DELIVER_TASK, delivery_id)


# --- delivery ---------------------------------------------------------------------------------


class Outcome(StrEnum):
    DONE = "done"
    FAILED = "failed"
    GIVEN_UP = "given_up"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class DeliveryResult:
    delivery_id: int
    outcome: Outcome
    # Why it was skipped ("missing", or the status it was found in: done, running, given_up,
    # interrupted), or the error of a failure.
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.outcome}: {self.detail}" if self.detail else str(self.outcome)


def deliver(*, delivery_id: int) -> DeliveryResult:
    """Run the delivery's subscriber for its event, unless it is done, running or given up.

    A duplicate job (a message delivered twice) waits for the row lock of the job running it,
    then finds the delivery done, or claimed, and does nothing. Call it outside a
    transaction: an `atomic=False` subscriber relies on its claim being committed.
    """
    with transaction.atomic():
        # A duplicate waits here while the job holding the lock runs an ordinary subscriber,
        # then finds it done (or failed, and runs it again). The lock of a job whose process
        # died is released as PostgreSQL rolls its transaction back.
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("event")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            return DeliveryResult(delivery_id, Outcome.SKIPPED, "missing")
        if delivery.status not in RUNNABLE:
            return DeliveryResult(delivery_id, Outcome.SKIPPED, delivery.status)
        sub = get_subscriber(delivery.subscriber)
        if sub is None:
            error = f"No subscriber named {delivery.subscriber!r} is registered."
            return _record_failure(delivery, error, attempts=delivery.attempts + 1)
        if sub.atomic:
            return _run_with_its_record(delivery, sub)
        claimed_at = timezone.now()
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.RUNNING, claimed_at=claimed_at, attempts=delivery.attempts + 1
        )
    # The claim is committed: from here on the ledger says it may have run.
    return _run_claimed(delivery, sub, claimed_at)


def _envelope(event: OutboxEvent) -> EventEnvelope:
    return EventEnvelope(
        id=str(event.pk),
        event_type=event.event_type,
        payload=event.payload,
        actor_id=event.actor_id,
        created_at=event.created_at.isoformat(),
    )


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"


def _run_with_its_record(delivery: Delivery, sub: Subscriber) -> DeliveryResult:
    """Run an ordinary subscriber inside the caller's transaction, which holds the row lock."""
    attempts = delivery.attempts + 1
    try:
        with transaction.atomic():  # a failure rolls back the handler's writes, not the record
            sub.handler(_envelope(delivery.event))
    except Exception as exc:
        logger.exception("Subscriber %s failed on event %s", sub.name, delivery.event_id)
        return _record_failure(delivery, _describe(exc), attempts=attempts)
    _record_done(delivery, attempts=attempts)
    return DeliveryResult(delivery.pk, Outcome.DONE)


def _run_claimed(delivery: Delivery, sub: Subscriber, claimed_at: datetime) -> DeliveryResult:
    """Run an `atomic=False` subscriber after its committed claim, outside any transaction."""
    attempts = delivery.attempts + 1
    try:
        sub.handler(_envelope(delivery.event))
    except Exception as exc:
        logger.exception("Subscriber %s failed on event %s", sub.name, delivery.event_id)
        return _record_failure(delivery, _describe(exc), attempts=attempts, claimed_at=claimed_at)
    with transaction.atomic():
        _record_done(delivery, attempts=None)
    return DeliveryResult(delivery.pk, Outcome.DONE)


def _record_done(delivery: Delivery, *, attempts: int | None) -> None:
    """Mark the delivery done and, if it was the event's last, the event dispatched."""
    now = timezone.now()
    updates: dict[str, object] = {
        "status": Delivery.Status.DONE,
        "completed_at": now,
        "last_error": "",
        "next_attempt_at": None,
    }
    if attempts is not None:
        updates["attempts"] = attempts
    # Even a claim marked interrupted meanwhile (a run slower than the claim timeout) did
    # complete: recording it spares the operator a needless retry.
    Delivery.objects.filter(pk=delivery.pk).exclude(status=Delivery.Status.DONE).update(**updates)
    # The event's row lock orders the deliveries finishing together: the last one to take it
    # sees every other one done (each statement reads what committed before it).
    event = (
        OutboxEvent.objects.select_for_update()
        .filter(pk=delivery.event_id, dispatched_at__isnull=True)
        .first()
    )
    undelivered = Delivery.objects.filter(event_id=delivery.event_id).exclude(
        status=Delivery.Status.DONE
    )
    if event is not None and not undelivered.exists():
        OutboxEvent.objects.filter(pk=event.pk).update(dispatched_at=now)


def _record_failure(
    delivery: Delivery, error: str, *, attempts: int, claimed_at: datetime | None = None
) -> DeliveryResult:
    """Record a failed attempt: retried after its backoff, given up after the last one."""
    now = timezone.now()
    given_up = attempts >= settings.EVENTS["MAX_ATTEMPTS"]
    rows = Delivery.objects.filter(pk=delivery.pk)
    if claimed_at is not None:
        # Only our own claim: not one an operator has reset or another job has taken since.
        rows = rows.filter(
            claimed_at=claimed_at,
            status__in=[Delivery.Status.RUNNING, Delivery.Status.INTERRUPTED],
        )
    rows.update(
        status=Delivery.Status.GIVEN_UP if given_up else Delivery.Status.FAILED,
        attempts=attempts,
        last_error=error,
        next_attempt_at=None if given_up else now + retry_delay(attempts),
    )
    if given_up:
        logger.error(
            "Gave up on delivery %s (%s <- event %s) after %d attempts: %s. Retry it from the "
            "admin or with `manage.py relay_events --retry-given-up`.",
            delivery.pk,
            delivery.subscriber,
            delivery.event_id,
            attempts,
            error,
        )
        return DeliveryResult(delivery.pk, Outcome.GIVEN_UP, error)
    return DeliveryResult(delivery.pk, Outcome.FAILED, error)


def retry_delay(attempts: int) -> timedelta:
    """Wait after the `attempts`-th failed attempt: doubling from the relay interval, capped."""
    base = settings.EVENTS["RELAY_INTERVAL"]
    seconds = min(base * 2 ** max(attempts - 1, 0), settings.EVENTS["MAX_RETRY_DELAY"])
    return timedelta(seconds=seconds)


# --- operators and the relay ------------------------------------------------------------------


def retry_deliveries(*, delivery_ids: list[int] | None = None) -> int:
    """Send given-up and interrupted deliveries again with a fresh budget; returns how many."""
    now = timezone.now()
    with transaction.atomic():
        rows = deliveries_to_retry().select_for_update(skip_locked=True)
        if delivery_ids is not None:
            rows = rows.filter(pk__in=delivery_ids)
        retried = list(rows.values_list("pk", flat=True))
        Delivery.objects.filter(pk__in=retried).update(
            status=Delivery.Status.PENDING,
            attempts=0,
            claimed_at=None,
            # If this send is lost, the relay sends it again after that.
            next_attempt_at=now + retry_delay(1),
        )
        transaction.on_commit(partial(_enqueue_deliveries, retried), robust=True)
    if retried:
        logger.info("Retrying %d given-up or interrupted delivery(ies).", len(retried))
    return len(retried)


@dataclass
class RelayReport:
    # Events fanned out by the relay (their own fan-out was lost).
    fanned_out: list[str] = field(default_factory=list)
    # Claims left running past the claim timeout, now marked interrupted.
    interrupted: list[int] = field(default_factory=list)
    # Deliveries sent again: failed ones past their backoff, pending ones never picked up.
    sent: list[int] = field(default_factory=list)


def relay_pending_events(
    *, older_than: float | None = None, limit: int | None = None
) -> RelayReport:
    """Repair what crashes and lost messages left behind; see RelayReport.

    Events and never-sent deliveries are left to their own jobs for `older_than` seconds
    (EVENTS_RELAY_GRACE). Failed deliveries wait out their backoff, so deliveries that keep
    failing never crowd out newer ones; after MAX_ATTEMPTS they are given up until an
    operator retries them. Interrupted ones are never run again by the relay.
    """
    grace = settings.EVENTS["RELAY_GRACE"] if older_than is None else older_than
    batch = limit or settings.EVENTS["RELAY_BATCH_SIZE"]
    now = timezone.now()
    created_before = now - timedelta(seconds=grace)
    report = RelayReport()
    for event_id in events_to_fan_out(created_before=created_before).values_list("pk", flat=True)[
        :batch
    ]:
        if not fan_out_event(event_id=str(event_id)).skipped:
            report.fanned_out.append(str(event_id))
    report.interrupted = _interrupt_stale_claims(now=now)
    report.sent = _send_due_deliveries(now=now, created_before=created_before, limit=batch)
    if report.fanned_out or report.interrupted or report.sent:
        logger.info(
            "Relay fanned out %d event(s), marked %d delivery(ies) interrupted, sent %d.",
            len(report.fanned_out),
            len(report.interrupted),
            len(report.sent),
        )
    return report


def _interrupt_stale_claims(*, now: datetime) -> list[int]:
    timeout = settings.EVENTS["CLAIM_TIMEOUT"]
    with transaction.atomic():
        stale = list(
            stale_claims(claimed_before=now - timedelta(seconds=timeout))
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        Delivery.objects.filter(pk__in=stale).update(
            status=Delivery.Status.INTERRUPTED,
            last_error=(
                f"Still running {timeout:g} s after its claim: its process probably died. It "
                "may have had its effect, so it is not run again until an operator retries it."
            ),
        )
    if stale:
        logger.error(
            "Deliveries %s were interrupted (claimed, never finished); not re-run. Check their "
            "effects, then retry them from the admin or with "
            "`manage.py relay_events --retry-given-up`.",
            stale,
        )
    return stale


def _send_due_deliveries(*, now: datetime, created_before: datetime, limit: int) -> list[int]:
    with transaction.atomic():
        due = list(
            deliveries_due(now=now, created_before=created_before)
            .select_for_update(skip_locked=True)
            .only("pk", "attempts")[:limit]
        )
        for delivery in due:
            # Sent again if it has not reported back by then (a lost message).
            delivery.next_attempt_at = now + retry_delay(max(delivery.attempts, 1))
        Delivery.objects.bulk_update(due, ["next_attempt_at"])
        sent = [delivery.pk for delivery in due]
        transaction.on_commit(partial(_enqueue_deliveries, sent), robust=True)
    return sent
