"""Dispatch pending outbox events now, without waiting for beat; or retry given-up ones."""

from django.core.management.base import BaseCommand

from apps.events.services import relay_pending_events, retry_given_up_events


class Command(BaseCommand):
    help = "Dispatch pending outbox events (those older than --older-than seconds)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--older-than", type=float, default=0.0)
        parser.add_argument(
            "--retry-given-up",
            action="store_true",
            help="First give every given-up event a fresh budget of attempts.",
        )

    def handle(self, *args, older_than: float, retry_given_up: bool, **options) -> None:
        if retry_given_up:
            revived = retry_given_up_events()
            self.stdout.write(f"{revived} given-up event(s) put back in the queue.")
        count = relay_pending_events(older_than=older_than)
        self.stdout.write(f"Dispatched {count} pending event(s).")
