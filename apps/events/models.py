"""Outbox rows, and the delivery ledger: one row per (event, subscriber) with its own state."""

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
    # When its deliveries were created (one per matching subscriber); until then the relay
    # fans it out.
    fanned_out_at = models.DateTimeField(null=True, blank=True)
    # When every delivery was done: the event has reached all its subscribers.
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [
            # The relay only ever scans events not fanned out yet.
            models.Index(
                fields=["created_at"],
                name="events_outbox_not_fanned_out",
                condition=models.Q(fanned_out_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.id}"


class Delivery(models.Model):
    """One event handed to one subscriber: its own attempts, backoff and dead letter."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        # Claimed by a subscriber that runs outside a transaction (atomic=False).
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed, will be retried"
        GIVEN_UP = "given_up", "Given up"
        # Left running past the claim timeout: it may have had its effect, so it is not
        # re-run until an operator says so.
        INTERRUPTED = "interrupted", "Interrupted"

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the relay sends it (again): after a failure's backoff, or when a sent delivery
    # has not reported back. Null for a pending delivery the relay has not touched yet.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        ordering = ["created_at", "subscriber"]
        constraints = [
            models.UniqueConstraint(fields=["event", "subscriber"], name="events_delivery_once"),
        ]
        indexes = [
            # The relay's two scans: deliveries to (re)send, and claims left running.
            models.Index(
                fields=["next_attempt_at", "created_at"],
                name="events_delivery_to_send",
                condition=models.Q(status__in=["pending", "failed"]),
            ),
            models.Index(
                fields=["claimed_at"],
                name="events_delivery_running",
                condition=models.Q(status="running"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subscriber} <- {self.event_id}"
