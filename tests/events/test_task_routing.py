"""The services enqueue the event tasks by name (apps.events.tasks imports the services, never
the reverse), and each task still goes to the queue its definition declares."""

import ast

import pytest

from tests.live import ROOT, shell_json, subprocess_env

PUBLISH_AND_RECORD_WHAT_IS_SENT = """
import json, sys
from celery.signals import before_task_publish
from django.db import transaction
from apps.events.catalog import get_event_type
from apps.events.services import publish

sent = []
before_task_publish.connect(
    lambda sender=None, routing_key=None, **kwargs: sent.append([sender, routing_key]),
    weak=False,
)
imported_before = "apps.events.tasks" in sys.modules
with transaction.atomic():
    publish("post.published", get_event_type("post.published").example)
print(json.dumps({"tasks_imported_before": imported_before, "sent": sent}))
"""


@pytest.mark.django_db(transaction=True)
def test_a_process_that_never_imported_the_tasks_sends_the_fan_out_to_critical():
    # A process like a web server: nothing has imported apps.events.tasks when it publishes.
    result = shell_json(PUBLISH_AND_RECORD_WHAT_IS_SENT, subprocess_env())

    assert result == {
        "tasks_imported_before": False,
        "sent": [["apps.events.tasks.dispatch_event_task", "critical"]],
    }


def _imported_modules(path) -> set[str]:
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            modules |= {base} | {f"{base}.{alias.name}" for alias in node.names}
    return modules


def test_nothing_in_apps_events_imports_its_tasks_module():
    importers = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "apps" / "events").rglob("*.py")
        if "apps.events.tasks" in _imported_modules(path)
    ]
    assert importers == []
