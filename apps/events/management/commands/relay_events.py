"""Dispatch committed events that were never dispatched, now, without waiting for beat."""

from django.core.management.base import BaseCommand

from apps.events.services import relay_pending_events


class Command(BaseCommand):
    help = "Dispatch pending outbox events (those older than --older-than seconds)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--older-than", type=float, default=0.0)

    def handle(self, *args, older_than: float, **options) -> None:
        count = relay_pending_events(older_than=older_than)
        self.stdout.write(f"Dispatched {count} pending event(s).")
