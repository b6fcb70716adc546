"""End to end through real processes: outbox -> Celery worker -> channels-redis -> websockets."""

import os
import subprocess
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.db.models import F
from django.test import Client

from apps.accounts.services import issue_api_token
from apps.events.models import Delivery, OutboxEvent
from apps.events.services import publish, relay_pending_events
from apps.events.tasks import deliver_event_task, dispatch_event_task, relay_pending_events_task
from tests.accounts.factories import PASSWORD, make_user
from tests.content.factories import make_comment, make_post
from tests.events.crashing_tasks import calls, crash_once_task, delivery_jobs, outcome
from tests.live import BIN, ROOT, subprocess_env, wait_until
from tests.websocket_client import (
    open_post_socket,
    receive_first,
    receive_messages,
    receive_until,
)

pytestmark = pytest.mark.django_db(transaction=True)

# Generous bounds for a loaded CI machine; the path is normally well under a second.
DELIVERY_TIMEOUT = 10


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


def _comment_through(surface: str, post, author, body: str) -> None:
    """Add a comment the way each surface's user would."""
    if surface == "service":
        make_comment(post=post, author=author, body=body)
        return
    client = Client()
    if surface == "web":
        client.force_login(author)
        response = client.post(f"/posts/{post.slug}/comments/", {"body": body})
        assert response.status_code == 302
        return
    token = issue_api_token(email=author.email, password=PASSWORD).key
    headers = {"HTTP_AUTHORIZATION": f"Token {token}"}
    if surface == "rest":
        response = client.post(
            f"/api/posts/{post.pk}/comments/",
            {"body": body},
            content_type="application/json",
            **headers,
        )
        assert response.status_code == 201
    else:
        mutation = (
            "mutation($id: ID!, $body: String!) { addComment(postId: $id, body: $body) "
            "{ errors { code } } }"
        )
        response = client.post(
            "/graphql/",
            {"query": mutation, "variables": {"id": str(post.pk), "body": body}},
            content_type="application/json",
            **headers,
        )
        assert response.json()["data"]["addComment"]["errors"] == []


@pytest.mark.parametrize("surface", ["service", "web", "rest", "graphql"])
def test_comment_from_any_surface_reaches_the_post_socket(celery_worker, asgi_server, surface):
    post = make_post(published=True)
    author = make_user()
    with open_post_socket(asgi_server, post.pk) as socket:
        _comment_through(surface, post, author, f"Hello from {surface}")

        message = receive_first(socket, message_type="comment.created", timeout=DELIVERY_TIMEOUT)

    assert message["data"]["body"] == f"Hello from {surface}"
    assert message["data"]["author_name"] == author.name


def _comment(body: str):
    """A marker test: the message announcing the comment with this body."""
    return lambda message: message["type"] == "comment.created" and message["data"]["body"] == body


def _comment_bodies(messages: list[dict]) -> list[str]:
    return [m["data"]["body"] for m in messages if m["type"] == "comment.created"]


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
        "    add_comment(post=post, actor=post.author, body='Survived a crash')\n"
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
        assert (event.fanned_out_at, event.dispatched_at) == (None, None)
        # A comment made after it arrives on its own; the lost one has not come before it.
        make_comment(post=post, body="Marker")
        early = receive_until(socket, _comment("Marker"), timeout=DELIVERY_TIMEOUT)
        assert _comment_bodies(early) == ["Marker"]

        OutboxEvent.objects.filter(pk=event.pk).update(
            created_at=event.created_at.replace(year=2000)
        )
        relay_pending_events_task.delay()

        message = receive_first(socket, message_type="comment.created", timeout=DELIVERY_TIMEOUT)
        assert message["data"]["body"] == "Survived a crash"
    # the broadcast leaves before the delivery is recorded: wait for the record
    assert wait_until(
        lambda: OutboxEvent.objects.filter(pk=event.pk, dispatched_at__isnull=False).exists()
    )


def test_event_of_a_rolled_back_transaction_is_never_delivered(celery_worker, asgi_server):
    post = make_post(published=True)
    with open_post_socket(asgi_server, post.pk) as socket:
        with pytest.raises(RuntimeError), transaction.atomic():
            make_comment(post=post, body="Rolled back")
            raise RuntimeError("failure after the write")
        relay_pending_events_task.delay()
        celery_worker.wait_until_idle()  # the relay has run
        make_comment(post=post, body="Committed")

        messages = receive_until(socket, _comment("Committed"), timeout=DELIVERY_TIMEOUT)

    assert _comment_bodies(messages) == ["Committed"]
    assert not OutboxEvent.objects.filter(payload__body="Rolled back").exists()


def test_redelivered_event_does_not_run_its_subscriber_twice(celery_worker, asgi_server):
    post = make_post(published=True)
    with open_post_socket(asgi_server, post.pk) as socket:
        make_comment(post=post, body="Only once")
        receive_first(socket, message_type="comment.created", timeout=DELIVERY_TIMEOUT)
        event = OutboxEvent.objects.get(event_type="comment.created", payload__post_id=post.pk)

        # The broker hands the same fan-out and delivery out again, several times and
        # concurrently, and the relay sends what it believes lost...
        delivery = Delivery.objects.get(event=event)
        for _ in range(3):
            dispatch_event_task.delay(str(event.pk))
            deliver_event_task.delay(delivery.pk)
        relay_pending_events_task.delay()
        # ...and has run them all; then a new comment: a second broadcast of the first
        # would have come before it.
        celery_worker.wait_until_idle()
        make_comment(post=post, body="Marker")
        later = receive_until(socket, _comment("Marker"), timeout=DELIVERY_TIMEOUT)

    assert _comment_bodies(later) == ["Marker"]
    delivery = Delivery.objects.get(event=event)
    assert (delivery.status, delivery.attempts) == (Delivery.Status.DONE, 1)


def test_worker_that_dies_mid_task_has_the_task_retried(celery_worker):
    key = f"crash-once-{os.getpid()}-{time.monotonic_ns()}"
    crash_once_task.delay(key)

    assert wait_until(lambda: outcome(key)["done"], timeout=60)
    assert outcome(key)["attempts"] == 2


def test_a_socket_left_quiet_longer_than_the_layers_poll_still_receives(celery_worker, asgi_server):
    # channels-redis waits on Redis 5 s at a time; a client socket timeout as short as that
    # used to break the server's read and close every quiet socket.
    post = make_post(published=True)
    with open_post_socket(asgi_server, post.pk) as socket:
        quiet = receive_messages(socket, until=7.0)
        assert [m for m in quiet if m["type"] == "comment.created"] == []
        make_comment(post=post, body="After the quiet")

        message = receive_first(socket, message_type="comment.created", timeout=DELIVERY_TIMEOUT)

    assert message["data"]["body"] == "After the quiet"


def _key(name: str) -> str:
    return f"{name}-{os.getpid()}-{time.monotonic_ns()}"


def _delivery(event, subscriber: str) -> Delivery:
    return Delivery.objects.get(event=event, subscriber=subscriber)


def _has(event, subscriber: str, status: str) -> bool:
    return Delivery.objects.filter(event=event, subscriber=subscriber, status=status).exists()


def test_each_subscriber_is_its_own_job_so_a_failing_one_neither_holds_up_nor_reruns_another(
    celery_worker,
):
    key = _key("mixed")
    event = publish("test.crash.mixed", {"key": key})

    assert wait_until(
        lambda: _has(event, "tests.works", "done") and _has(event, "tests.always_fails", "failed"),
        timeout=DELIVERY_TIMEOUT,
    )
    works = _delivery(event, "tests.works")
    failing = _delivery(event, "tests.always_fails")
    assert (failing.attempts, failing.last_error) == (1, "RuntimeError: the receiver is down")
    assert failing.next_attempt_at is not None

    # Once its backoff has passed, the relay sends the failing delivery again, alone
    Delivery.objects.filter(pk=failing.pk).update(next_attempt_at=F("created_at"))
    assert relay_pending_events().sent == [failing.pk]
    assert wait_until(lambda: _delivery(event, "tests.always_fails").attempts == 2)

    assert calls(key) == 1
    assert _delivery(event, "tests.works").completed_at == works.completed_at
    assert OutboxEvent.objects.get(pk=event.pk).dispatched_at is None


def test_an_ordinary_subscriber_killed_mid_run_runs_again_and_its_writes_happen_once(
    celery_worker,
):
    key = _key("ordinary")
    # Its subscriber publishes an echo event (a database write), then its first run kills
    # the worker process before the transaction commits.
    event = publish("test.crash.ordinary", {"key": key})

    assert wait_until(lambda: _has(event, "tests.ordinary_killed_mid_run", "done"), timeout=60)
    delivery = _delivery(event, "tests.ordinary_killed_mid_run")
    assert calls(key) == 2
    assert OutboxEvent.objects.filter(event_type="test.crash.echo", payload__key=key).count() == 1
    # the killed run reported nothing and its writes were rolled back; the job's message came
    # back (late acknowledgement) and did the work
    assert delivery.attempts == 1
    assert delivery_jobs(delivery.pk) == ["done"]


def test_a_non_atomic_subscriber_killed_mid_call_is_marked_interrupted_and_left_to_an_operator(
    celery_worker,
):
    key = _key("webhook")
    # Its first run kills the worker process in the middle of the call
    event = publish("test.crash.webhook", {"key": key})

    assert wait_until(
        lambda: _has(event, "tests.webhook_killed_mid_call", "running"), timeout=DELIVERY_TIMEOUT
    )
    delivery = _delivery(event, "tests.webhook_killed_mid_call")
    # The job's message comes back (late acknowledgement), finds the claim and leaves it
    assert wait_until(lambda: delivery_jobs(delivery.pk) == ["skipped: running"], timeout=60)
    assert calls(key) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.RUNNING, 1)

    # Past the claim timeout the relay marks it interrupted, and does not send it again
    claim_timeout = timedelta(seconds=settings.EVENTS["CLAIM_TIMEOUT"] + 1)
    Delivery.objects.filter(pk=delivery.pk).update(claimed_at=F("claimed_at") - claim_timeout)
    report = relay_pending_events(older_than=0)
    assert (report.interrupted, report.sent) == ([delivery.pk], [])
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.INTERRUPTED
    assert "not run again until an operator retries it" in delivery.last_error
    assert relay_pending_events(older_than=0).sent == []

    # An operator who checked the receiver retries it: it runs again, to completion
    call_command("relay_events", "--retry-given-up", stdout=StringIO())
    assert wait_until(
        lambda: _has(event, "tests.webhook_killed_mid_call", "done"), timeout=DELIVERY_TIMEOUT
    )
    assert calls(key) == 2
    assert wait_until(
        lambda: OutboxEvent.objects.filter(pk=event.pk, dispatched_at__isnull=False).exists()
    )
