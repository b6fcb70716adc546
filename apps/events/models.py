"""Outbox rows and the record of which subscriber has handled which event."""

import uuid

from django.conf import settings
from django.db import models


class OutboxEvent(models.Model):
    """A domain event, written in the same transaction as the change it describes."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event_type = models.CharField(max_length=100, db_index=True)
    payload = models.JSONField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # After a failed dispatch the relay waits until then (exponential backoff).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Set once the attempts run out: the relay stops, an operator retries (dead letter).
    given_up_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [
            # The relay only ever scans undispatched rows.
            models.Index(
                fields=["created_at"],
                name="events_outbox_pending",
                condition=models.Q(dispatched_at__isnull=True, given_up_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.id}"


class SubscriberRun(models.Model):
    """Proof that one subscriber handled one event; the unique pair makes reruns no-ops."""

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="runs")
    subscriber = models.CharField(max_length=200)
    completed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "subscriber"], name="events_run_once"),
        ]

    def __str__(self) -> str:
        return f"{self.subscriber} <- {self.event_id}"
