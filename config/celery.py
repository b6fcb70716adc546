"""The Celery app: three queues, late acknowledgement, and retry of tasks whose worker died.

Tasks declare their queue where they are defined: `@shared_task(declared_queue="critical")`;
`route_by_declaration` reads it (Celery 5.7 deprecates the plain `queue` task attribute in
favour of routers). A task that declares none goes to `default`. Workers consume `critical`
before `default` before `low`.
"""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

QUEUES = ("critical", "default", "low")


def route_by_declaration(name, args, kwargs, options, task=None, **_):
    """Send a task to the queue its definition declares; None lets Celery use the default."""
    queue = getattr(task, "declared_queue", None)
    if queue is None:
        return None
    if queue not in QUEUES:
        raise ValueError(f"Task {name} declares unknown queue {queue!r}; known: {QUEUES}.")
    return {"queue": queue}


app = Celery("keel")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_queues=[Queue(name, routing_key=name) for name in QUEUES],
    task_default_queue="default",
    task_routes=[route_by_declaration],
    task_default_routing_key="default",
    # A message is acknowledged after the task ran, so a worker that dies loses nothing...
    task_acks_late=True,
    # ...and a task whose pool child was killed is sent again the way retry() would
    # (max_retries applies), instead of being acknowledged (Celery 5.7).
    task_retry_on_worker_lost=True,
    task_reject_on_worker_lost=True,
    # One message at a time per process: late ack with prefetch would strand tasks.
    worker_prefetch_multiplier=1,
    task_ignore_result=True,
    task_serializer="json",
    accept_content=["json"],
    timezone="UTC",
    enable_utc=True,
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)
app.autodiscover_tasks()
