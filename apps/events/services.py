"""Publishing events into the outbox, and dispatching them to their subscribers."""

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from apps.events.catalog import get_event_type
from apps.events.models import OutboxEvent, SubscriberRun
from apps.events.registry import EventEnvelope, subscribers_for
from apps.events.selectors import events_due, given_up_events

logger = logging.getLogger(__name__)


def publish(event_type: str, payload: dict[str, Any], *, actor=None) -> OutboxEvent:
    """Store an event in the outbox, in the caller's transaction, and dispatch it after commit.

    If the transaction rolls back, the event is gone with it and no one hears of it. If the
    process dies between commit and dispatch, or the broker is down, the relay delivers it.
    """
    get_event_type(event_type).validate(payload)
    event = OutboxEvent.objects.create(
        event_type=event_type, payload=payload, actor=actor if actor and actor.pk else None
    )
    event_id = str(event.pk)
    transaction.on_commit(lambda: _enqueue_dispatch(event_id), robust=True)
    return event


def _enqueue_dispatch(event_id: str) -> None:
    from apps.events.tasks import dispatch_event_task

    try:
        dispatch_event_task.apply_async(args=[event_id])
    except Exception:
        # The row is committed; the periodic relay will dispatch it once the broker is back.
        logger.warning("Could not enqueue dispatch of event %s; the relay will.", event_id)


@dataclass
class DispatchResult:
    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.failed


def dispatch_event(*, event_id: str) -> DispatchResult:
    """Run every subscriber of the event that has not handled it yet.

    Each subscriber runs in its own transaction together with the insert of its SubscriberRun
    row, so a subscriber that fails leaves no record and is tried again later, and one that
    succeeded never runs again for this event, even when two dispatchers race (the second
    insert waits on the unique index, then fails).
    """
    result = DispatchResult()
    event = OutboxEvent.objects.filter(pk=event_id).first()
    if event is None:
        return result
    envelope = EventEnvelope(
        id=str(event.pk),
        event_type=event.event_type,
        payload=event.payload,
        actor_id=event.actor_id,
        created_at=event.created_at.isoformat(),
    )
    done = set(SubscriberRun.objects.filter(event=event).values_list("subscriber", flat=True))
    for sub in subscribers_for(event.event_type):
        if sub.name in done:
            result.skipped.append(sub.name)
            continue
        try:
            with transaction.atomic():
                try:
                    with transaction.atomic():
                        SubscriberRun.objects.create(event=event, subscriber=sub.name)
                except IntegrityError:
                    result.skipped.append(sub.name)
                    continue
                sub.handler(envelope)
        except Exception as exc:
            logger.exception("Subscriber %s failed on event %s", sub.name, event.pk)
            result.failed[sub.name] = f"{type(exc).__name__}: {exc}"
        else:
            if sub.name not in result.skipped:
                result.ran.append(sub.name)

    _record_outcome(event, result)
    return result


def retry_delay(attempts: int) -> timedelta:
    """Wait after the `attempts`-th failed dispatch: doubling from the relay interval, capped."""
    base = settings.EVENTS["RELAY_INTERVAL"]
    seconds = min(base * 2 ** max(attempts - 1, 0), settings.EVENTS["MAX_RETRY_DELAY"])
    return timedelta(seconds=seconds)


def _record_outcome(event: OutboxEvent, result: DispatchResult) -> None:
    now = timezone.now()
    updates: dict[str, Any] = {"attempts": F("attempts") + 1}
    if result.complete:
        updates.update(dispatched_at=now, last_error="", next_attempt_at=None)
    else:
        attempts = event.attempts + 1
        updates["last_error"] = "; ".join(f"{k}: {v}" for k, v in result.failed.items())
        if attempts >= settings.EVENTS["MAX_ATTEMPTS"]:
            updates["given_up_at"] = now
            logger.error(
                "Gave up on event %s (%s) after %d attempts: %s. "
                "Retry it with `manage.py relay_events --retry-given-up` or from the admin.",
                event.pk,
                event.event_type,
                attempts,
                updates["last_error"],
            )
        else:
            updates["next_attempt_at"] = now + retry_delay(attempts)
    OutboxEvent.objects.filter(pk=event.pk, dispatched_at__isnull=True).update(**updates)


def retry_given_up_events(*, event_ids=None) -> int:
    """Put given-up events back in the relay's hands with a fresh budget; returns how many."""
    queryset = given_up_events()
    if event_ids is not None:
        queryset = queryset.filter(pk__in=list(event_ids))
    return queryset.update(given_up_at=None, attempts=0, next_attempt_at=None)


def relay_pending_events(*, older_than: float | None = None, limit: int | None = None) -> int:
    """Dispatch the events that are due (see `events_due`); returns how many it handled.

    Failed events wait out their backoff, so events that keep failing never crowd out newer
    ones, and after MAX_ATTEMPTS they are given up until an operator retries them.
    """
    grace = settings.EVENTS["RELAY_GRACE"] if older_than is None else older_than
    batch = limit or settings.EVENTS["RELAY_BATCH_SIZE"]
    now = timezone.now()
    due = events_due(now=now, created_before=now - timedelta(seconds=grace))
    pending = list(due.values_list("pk", flat=True)[:batch])
    for event_id in pending:
        dispatch_event(event_id=str(event_id))
    if pending:
        logger.info("Relay dispatched %d pending event(s).", len(pending))
    return len(pending)
