"""Print the event catalog (every type with its description, JSON schema and example).

`--write docs/events-catalog.md` regenerates the committed Markdown catalog; a test fails
when that file drifts from what this command writes.
"""

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from apps.events.catalog import EventType, all_event_types

MARKDOWN_COMMAND = "python manage.py event_catalog --write docs/events-catalog.md"


def catalog_markdown(event_types: list[EventType]) -> str:
    lines = [
        "# Event catalog",
        "",
        f"Generated from the declarations in `apps/*/event_types.py` by `{MARKDOWN_COMMAND}`;",
        "do not edit it by hand. How events are published and delivered: [events.md](events.md).",
        "",
        "| Type | Description |",
        "| --- | --- |",
    ]
    lines += [
        f"| [`{t.name}`](#{t.name.replace('.', '')}) | {t.description} |" for t in event_types
    ]
    for event_type in event_types:
        lines += [
            "",
            f"## {event_type.name}",
            "",
            event_type.description,
            "",
            "Schema:",
            "",
            "```json",
            json.dumps(event_type.schema, indent=2),
            "```",
            "",
            "Example payload:",
            "",
            "```json",
            json.dumps(event_type.example, indent=2),
            "```",
        ]
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = "Print the event catalog as JSON, or as Markdown (--markdown, --write PATH)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--markdown", action="store_true", help="Print it as Markdown.")
        parser.add_argument("--write", metavar="PATH", help="Write the Markdown to PATH.")

    def handle(self, *args: Any, markdown: bool, write: str | None, **options: Any) -> None:
        event_types = all_event_types()
        if write:
            Path(write).write_text(catalog_markdown(event_types))
            self.stdout.write(f"Wrote {len(event_types)} event type(s) to {write}.")
        elif markdown:
            self.stdout.write(catalog_markdown(event_types), ending="")
        else:
            catalog = [
                {
                    "type": event_type.name,
                    "description": event_type.description,
                    "schema": event_type.schema,
                    "example": event_type.example,
                }
                for event_type in event_types
            ]
            self.stdout.write(json.dumps(catalog, indent=2))
