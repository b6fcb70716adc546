"""The outbox: events are stored with the change, dispatched once per subscriber, relayed."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from apps.events.catalog import declare_event_type, get_event_type
from apps.events.errors import InvalidEventPayload, UnknownEventType
from apps.events.models import OutboxEvent, SubscriberRun
from apps.events.registry import subscriber
from apps.events.services import dispatch_event, publish, relay_pending_events
from tests.content.factories import make_comment, make_post

pytestmark = pytest.mark.django_db

# A test event type with one subscriber that records what it saw and one that can be made
# to fail, registered through the same public API the apps use.
declare_event_type(
    "test.ping",
    description="Only used by the outbox tests.",
    schema={"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}},
    example={"n": 1},
)
seen: list[int] = []
failing = {"on": False}


@subscriber("test.ping", name="tests.record_ping")
def record_ping(event) -> None:
    seen.append(event.payload["n"])


@subscriber("test.ping", name="tests.flaky_ping")
def flaky_ping(event) -> None:
    if failing["on"]:
        raise RuntimeError("downstream is down")


@pytest.fixture(autouse=True)
def _reset_recorders():
    seen.clear()
    failing["on"] = False


def test_catalog_declares_content_events_with_valid_examples():
    for name in ("post.published", "comment.created"):
        event_type = get_event_type(name)
        event_type.validate(event_type.example)
        assert event_type.schema["type"] == "object"


def test_publish_refuses_unknown_types_and_payloads_that_break_the_schema():
    with pytest.raises(UnknownEventType):
        publish("no.such.event", {})
    with pytest.raises(InvalidEventPayload) as error:
        publish("test.ping", {"n": "one"})
    assert "'one' is not of type 'integer'" in str(error.value)
    assert OutboxEvent.objects.count() == 0


def test_event_is_written_with_the_change_and_dispatch_waits_for_commit(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks() as callbacks:
        comment = make_comment(body="Hello")
    event = OutboxEvent.objects.get(event_type="comment.created")
    assert event.payload["comment_id"] == comment.pk
    assert event.payload["body"] == "Hello"
    assert event.dispatched_at is None
    # one dispatch per event: the comment's (the factory also published the post); the
    # cache's invalidation callback is not the outbox's business
    dispatches = [c for c in callbacks if c.__module__ == "apps.events.services"]
    assert len(dispatches) == 2


def test_rolled_back_transaction_leaves_no_event_and_no_dispatch(
    django_capture_on_commit_callbacks,
):
    post = make_post(published=True)
    before = OutboxEvent.objects.count()
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        make_comment(post=post, body="never happened")
        raise RuntimeError("the request failed after the comment was written")
    assert OutboxEvent.objects.count() == before
    assert [c for c in callbacks if c.__module__ == "apps.events.services"] == []
    assert relay_pending_events(older_than=0) == 1  # only the post's own, earlier event
    assert OutboxEvent.objects.filter(payload__body="never happened").count() == 0


def test_each_subscriber_runs_once_however_often_the_event_is_dispatched():
    event = publish("test.ping", {"n": 7})

    first = dispatch_event(event_id=str(event.pk))
    second = dispatch_event(event_id=str(event.pk))

    assert sorted(first.ran) == ["tests.flaky_ping", "tests.record_ping"]
    assert second.ran == []
    assert seen == [7]
    assert SubscriberRun.objects.filter(event=event).count() == 2
    event.refresh_from_db()
    assert event.dispatched_at is not None


def test_failed_subscriber_is_retried_alone_and_the_event_stays_pending_until_then():
    failing["on"] = True
    event = publish("test.ping", {"n": 1})

    result = dispatch_event(event_id=str(event.pk))

    assert result.ran == ["tests.record_ping"]
    assert "RuntimeError: downstream is down" in result.failed["tests.flaky_ping"]
    event.refresh_from_db()
    assert event.dispatched_at is None
    assert event.attempts == 1
    assert "downstream is down" in event.last_error

    failing["on"] = False
    retry = dispatch_event(event_id=str(event.pk))
    assert retry.ran == ["tests.flaky_ping"]
    assert retry.skipped == ["tests.record_ping"]
    assert seen == [1]
    event.refresh_from_db()
    assert event.dispatched_at is not None
    assert event.last_error == ""


def test_relay_takes_events_past_the_grace_period_only():
    old = publish("test.ping", {"n": 1})
    fresh = publish("test.ping", {"n": 2})
    OutboxEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(minutes=5))

    assert relay_pending_events(older_than=60) == 1

    assert seen == [1]
    assert OutboxEvent.objects.get(pk=old.pk).dispatched_at is not None
    assert OutboxEvent.objects.get(pk=fresh.pk).dispatched_at is None


def test_relay_command_dispatches_everything_pending_now():
    publish("test.ping", {"n": 3})
    out = StringIO()

    call_command("relay_events", stdout=out)

    assert out.getvalue().strip() == "Dispatched 1 pending event(s)."
    assert seen == [3]


def test_event_catalog_command_prints_every_type_with_schema_and_example():
    out = StringIO()
    call_command("event_catalog", stdout=out)

    catalog = {entry["type"]: entry for entry in json.loads(out.getvalue())}
    assert catalog["comment.created"]["example"]["body"] == "Nice post!"
    assert "post_id" in catalog["post.published"]["schema"]["required"]


def _fail_once(event) -> None:
    dispatch_event(event_id=str(event.pk))
    event.refresh_from_db()


def test_a_failed_event_waits_out_its_backoff_before_the_relay_retries_it(settings):
    settings.EVENTS = {**settings.EVENTS, "RELAY_INTERVAL": 30.0}
    failing["on"] = True
    event = publish("test.ping", {"n": 1})
    _fail_once(event)

    assert event.attempts == 1
    assert 29 <= (event.next_attempt_at - timezone.now()).total_seconds() <= 30
    assert relay_pending_events(older_than=0) == 0  # not due yet

    failing["on"] = False
    OutboxEvent.objects.filter(pk=event.pk).update(next_attempt_at=timezone.now())
    assert relay_pending_events(older_than=0) == 1
    event.refresh_from_db()
    assert event.dispatched_at is not None


def test_backoff_doubles_up_to_its_cap(settings):
    from apps.events.services import retry_delay

    settings.EVENTS = {**settings.EVENTS, "RELAY_INTERVAL": 30.0, "MAX_RETRY_DELAY": 3600.0}
    delays = [retry_delay(n).total_seconds() for n in range(1, 10)]
    assert delays == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_events_that_keep_failing_do_not_crowd_out_newer_ones():
    failing["on"] = True
    stuck = [publish("test.ping", {"n": n}) for n in range(3)]
    for event in stuck:
        _fail_once(event)
    failing["on"] = False
    fresh = publish("test.ping", {"n": 99})

    assert relay_pending_events(older_than=0, limit=2) == 1

    assert OutboxEvent.objects.get(pk=fresh.pk).dispatched_at is not None


def test_after_its_last_attempt_an_event_is_given_up_until_retried_by_hand(settings):
    settings.EVENTS = {**settings.EVENTS, "MAX_ATTEMPTS": 2}
    failing["on"] = True
    event = publish("test.ping", {"n": 5})
    _fail_once(event)
    OutboxEvent.objects.filter(pk=event.pk).update(next_attempt_at=timezone.now())
    relay_pending_events(older_than=0)
    event.refresh_from_db()

    assert event.given_up_at is not None
    assert event.attempts == 2
    OutboxEvent.objects.filter(pk=event.pk).update(next_attempt_at=timezone.now())
    assert relay_pending_events(older_than=0) == 0

    failing["on"] = False
    out = StringIO()
    call_command("relay_events", "--retry-given-up", stdout=out)

    assert out.getvalue().splitlines() == [
        "1 given-up event(s) put back in the queue.",
        "Dispatched 1 pending event(s).",
    ]
    event.refresh_from_db()
    assert event.dispatched_at is not None
    assert event.given_up_at is None


def test_staff_retry_given_up_events_from_the_admin(admin_client, settings):
    settings.EVENTS = {**settings.EVENTS, "MAX_ATTEMPTS": 1}
    failing["on"] = True
    event = publish("test.ping", {"n": 6})
    _fail_once(event)
    assert event.given_up_at is not None

    response = admin_client.post(
        "/admin/events/outboxevent/",
        {"action": "retry_given_up", "_selected_action": [str(event.pk)]},
        follow=True,
    )

    assert "1 event(s) will be dispatched by the next relay run." in response.text
    event.refresh_from_db()
    assert (event.given_up_at, event.attempts, event.next_attempt_at) == (None, 0, None)
