"""Print the event catalog: every type with its description, JSON schema and example."""

import json

from django.core.management.base import BaseCommand

from apps.events.catalog import all_event_types


class Command(BaseCommand):
    help = "Print the event catalog as JSON."

    def handle(self, *args, **options) -> None:
        catalog = [
            {
                "type": event_type.name,
                "description": event_type.description,
                "schema": event_type.schema,
                "example": event_type.example,
            }
            for event_type in all_event_types()
        ]
        self.stdout.write(json.dumps(catalog, indent=2))
