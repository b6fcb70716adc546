"""End to end through real processes: outbox -> Celery worker -> channels-redis -> websockets."""

import os
import subprocess
import time

import pytest
from django.db import transaction

from apps.events.models import OutboxEvent, SubscriberRun
from apps.events.tasks import dispatch_event_task, relay_pending_events_task
from tests.content.factories import make_comment, make_post
from tests.live import BIN, ROOT, subprocess_env
from tests.websocket_client import open_post_socket, receive_first, receive_messages

pytestmark = pytest.mark.django_db(transaction=True)

# Generous bounds for a loaded CI machine; the path is normally well under a second.
DELIVERY_TIMEOUT = 10


def _wait_until(predicate, timeout: float = DELIVERY_TIMEOUT) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_new_comment_reaches_clients_of_two_server_processes(
    celery_worker, asgi_server, second_asgi_server
):
    post = make_post(published=True)
    with (
        open_post_socket(asgi_server, post.pk) as first,
        open_post_socket(second_asgi_server, post.pk) as second,
    ):
        comment = make_comment(post=post, body="Seen everywhere")

        for socket in (first, second):
            message = receive_first(
                socket, message_type="comment.created", timeout=DELIVERY_TIMEOUT
            )
            assert message["data"]["comment_id"] == comment.pk
            assert message["data"]["body"] == "Seen everywhere"


def test_event_whose_dispatch_was_lost_after_commit_is_delivered_by_the_relay(
    celery_worker, asgi_server
):
    post = make_post(published=True)
    # A separate process commits a comment and dies right after COMMIT, before its own
    # on-commit dispatch runs: callbacks run in registration order, and ours exits first.
    script = (
        "import os\n"
        "from django.db import transaction\n"
        "from apps.accounts.models import User\n"
        "from apps.content.models import Post\n"
        "from apps.content.services import add_comment\n"
        f"post = Post.objects.get(pk={post.pk})\n"
        "with transaction.atomic():\n"
        "    transaction.on_commit(lambda: os._exit(0))\n"
        "    add_comment(post=post, author=post.author, body='Survived a crash')\n"
    )
    with open_post_socket(asgi_server, post.pk) as socket:
        subprocess.run(
            [str(BIN / "python"), "manage.py", "shell", "-c", script],
            cwd=ROOT,
            env=subprocess_env(),
            check=True,
            timeout=60,
        )
        event = OutboxEvent.objects.get(event_type="comment.created", payload__post_id=post.pk)
        assert event.dispatched_at is None
        early = receive_messages(socket, until=1.0)
        assert [m for m in early if m["type"] == "comment.created"] == []

        OutboxEvent.objects.filter(pk=event.pk).update(
            created_at=event.created_at.replace(year=2000)
        )
        relay_pending_events_task.delay()

        message = receive_first(socket, message_type="comment.created", timeout=DELIVERY_TIMEOUT)
        assert message["data"]["body"] == "Survived a crash"
    event.refresh_from_db()
    assert event.dispatched_at is not None


def test_event_of_a_rolled_back_transaction_is_never_delivered(celery_worker, asgi_server):
    post = make_post(published=True)
    with open_post_socket(asgi_server, post.pk) as socket:
        with pytest.raises(RuntimeError), transaction.atomic():
            make_comment(post=post, body="Rolled back")
            raise RuntimeError("failure after the write")
        relay_pending_events_task.delay()
        make_comment(post=post, body="Committed")

        messages = receive_messages(socket, until=3.0)

    bodies = [m["data"]["body"] for m in messages if m["type"] == "comment.created"]
    assert bodies == ["Committed"]
    assert not OutboxEvent.objects.filter(payload__body="Rolled back").exists()


def test_redelivered_event_does_not_run_its_subscriber_twice(celery_worker, asgi_server):
    post = make_post(published=True)
    with open_post_socket(asgi_server, post.pk) as socket:
        make_comment(post=post, body="Only once")
        receive_first(socket, message_type="comment.created", timeout=DELIVERY_TIMEOUT)
        event = OutboxEvent.objects.get(event_type="comment.created", payload__post_id=post.pk)

        # The broker hands the same event out again, several times and concurrently.
        for _ in range(3):
            dispatch_event_task.delay(str(event.pk))
        relay_pending_events_task.delay()

        extra = receive_messages(socket, until=3.0)

    assert [m for m in extra if m["type"] == "comment.created"] == []
    assert SubscriberRun.objects.filter(event=event).count() == 1


def test_worker_that_dies_mid_task_has_the_task_retried(celery_worker):
    from tests.events.crashing_tasks import crash_once_task, outcome

    key = f"crash-once-{os.getpid()}-{time.monotonic_ns()}"
    crash_once_task.delay(key)

    assert _wait_until(lambda: outcome(key)["done"], timeout=60)
    assert outcome(key)["attempts"] == 2
