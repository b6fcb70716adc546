"""Run the relay now, without waiting for beat; optionally retry dead letters first."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from apps.events.services import relay_pending_events, retry_deliveries


class Command(BaseCommand):
    help = (
        "Fan out events whose fan-out was lost, mark stale claims interrupted and send due "
        "deliveries (events and deliveries older than --older-than seconds)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--older-than", type=float, default=0.0)
        parser.add_argument(
            "--retry-given-up",
            action="store_true",
            help="First send every given-up or interrupted delivery again, with a fresh budget.",
        )

    def handle(self, *args: Any, older_than: float, retry_given_up: bool, **options: Any) -> None:
        if retry_given_up:
            retried = retry_deliveries()
            self.stdout.write(f"{retried} given-up or interrupted delivery(ies) sent again.")
        report = relay_pending_events(older_than=older_than)
        self.stdout.write(
            f"Fanned out {len(report.fanned_out)} event(s), "
            f"marked {len(report.interrupted)} delivery(ies) interrupted, "
            f"sent {len(report.sent)} delivery(ies)."
        )
