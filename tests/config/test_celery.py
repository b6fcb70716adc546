"""The Celery configuration: queues, routing by declaration, reliability options."""

import pytest

from apps.events.tasks import dispatch_event_task, relay_pending_events_task
from config.celery import QUEUES, app, route_by_declaration


def _queue_of(task) -> str:
    return app.amqp.router.route({}, task.name, (), {}, task_type=task)["queue"].name


def test_three_queues_are_declared():
    assert [queue.name for queue in app.conf.task_queues] == ["critical", "default", "low"]
    assert QUEUES == ("critical", "default", "low")


def test_tasks_go_to_the_queue_their_definition_declares():
    assert _queue_of(dispatch_event_task) == "critical"
    assert _queue_of(relay_pending_events_task) == "low"


def test_a_task_declaring_no_queue_goes_to_default():
    @app.task(name="tests.undeclared")
    def undeclared() -> None:
        return None

    assert _queue_of(undeclared) == "default"


def test_an_unknown_declared_queue_is_a_clear_error():
    class Declares:
        declared_queue = "urgent"

    with pytest.raises(ValueError, match="unknown queue 'urgent'"):
        route_by_declaration("tests.bad", (), {}, {}, task=Declares())


def test_reliability_options_are_on():
    assert app.conf.task_acks_late is True
    assert app.conf.task_retry_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
