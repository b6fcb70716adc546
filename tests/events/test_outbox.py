"""The outbox and its ledger: events are stored with the change, fanned out into one delivery
per subscriber, each delivered once with its own retries and dead letter; the relay repairs.

These tests run the jobs' services in this process, inside the test's transaction; tests of
test_delivery.py run them in a real worker.
"""

import json
import subprocess
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from apps.events.catalog import all_event_types, declare_event_type, get_event_type
from apps.events.errors import InvalidEventPayload, UnknownEventType
from apps.events.management.commands.event_catalog import MARKDOWN_COMMAND, catalog_markdown
from apps.events.models import Delivery, OutboxEvent
from apps.events.registry import subscriber
from apps.events.services import (
    deliver,
    fan_out_event,
    publish,
    relay_pending_events,
    retry_delay,
)
from tests.content.factories import make_comment, make_post
from tests.live import BIN, ROOT, subprocess_env

pytestmark = pytest.mark.django_db

# A test event type with one subscriber that records what it saw and one that can be made
# to fail, registered through the same public API the apps use.
declare_event_type(
    "test.ping",
    description="Only used by the outbox tests.",
    schema={"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}},
    example={"n": 1},
)
declare_event_type(
    "test.unheard", description="Nobody subscribes to it.", schema={"type": "object"}, example={}
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


def _deliver_every(event) -> dict[str, str]:
    """Fan the event out if need be, then run each of its deliveries once, as their jobs
    would: what each reported, by subscriber."""
    fan_out_event(event_id=str(event.pk))
    return {
        delivery.subscriber: str(deliver(delivery_id=delivery.pk))
        for delivery in Delivery.objects.filter(event=event)
    }


def _flaky(event) -> Delivery:
    return Delivery.objects.get(event=event, subscriber="tests.flaky_ping")


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


def test_event_is_written_with_the_change_and_fanned_out_only_after_commit(
    capture_published_events,
):
    comment = make_comment(body="Hello")

    published = capture_published_events()
    # one event per change: the factory published the post, then the comment
    assert [event.event_type for event in published] == ["post.published", "comment.created"]
    created = published[1]
    assert created.payload["comment_id"] == comment.pk
    assert created.payload["body"] == "Hello"
    assert created.actor_id == comment.author_id
    # the test's transaction is still open: nothing was fanned out, nothing delivered
    assert not OutboxEvent.objects.filter(fanned_out_at__isnull=False).exists()
    assert not Delivery.objects.exists()


def test_a_committed_event_has_its_fan_out_queued_on_critical(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post = make_post(published=True)
    event = OutboxEvent.objects.get(event_type="post.published", payload__post_id=post.pk)

    queued = _take_queued("critical")

    # (A broker shared with earlier runs may hold other messages too.)
    assert ("apps.events.tasks.dispatch_event_task", [str(event.pk)]) in queued


def _take_queued(queue: str) -> list[tuple[str, list]]:
    """(task name, arguments) of each message waiting in `queue` of this test's broker, taken
    off it (no worker runs in this test)."""
    from config.celery import app

    taken = []
    with app.connection_for_write() as connection:
        simple = connection.SimpleQueue(queue, no_ack=True)
        try:
            while True:
                message = simple.get(block=False)
                taken.append((message.headers["task"], message.decode()[0]))
        except simple.Empty:
            pass
        finally:
            simple.close()
    return taken


def test_rolled_back_transaction_leaves_no_event_and_nothing_to_deliver(
    capture_published_events,
):
    post = make_post(published=True)
    with pytest.raises(RuntimeError), transaction.atomic():
        make_comment(post=post, body="never happened")
        raise RuntimeError("the request failed after the comment was written")

    assert [event.event_type for event in capture_published_events()] == ["post.published"]
    post_event = OutboxEvent.objects.get(event_type="post.published")
    assert relay_pending_events(older_than=0).fanned_out == [str(post_event.pk)]
    assert OutboxEvent.objects.filter(payload__body="never happened").count() == 0


def test_each_subscriber_runs_once_however_often_the_event_is_fanned_out_and_delivered():
    event = publish("test.ping", {"n": 7})

    first = _deliver_every(event)
    second = _deliver_every(event)

    assert first == {"tests.flaky_ping": "done", "tests.record_ping": "done"}
    assert second == {"tests.flaky_ping": "skipped: done", "tests.record_ping": "skipped: done"}
    assert fan_out_event(event_id=str(event.pk)).skipped == "already fanned out"
    assert seen == [7]
    assert Delivery.objects.filter(event=event).count() == 2
    event.refresh_from_db()
    assert event.dispatched_at is not None


def test_a_failed_subscriber_is_retried_alone_and_the_event_stays_undelivered_until_then():
    failing["on"] = True
    event = publish("test.ping", {"n": 1})

    first = _deliver_every(event)

    assert first == {
        "tests.flaky_ping": "failed: RuntimeError: downstream is down",
        "tests.record_ping": "done",
    }
    flaky = _flaky(event)
    assert (flaky.status, flaky.attempts) == (Delivery.Status.FAILED, 1)
    assert flaky.last_error == "RuntimeError: downstream is down"
    event.refresh_from_db()
    assert event.dispatched_at is None

    failing["on"] = False
    retry = _deliver_every(event)

    assert retry == {"tests.flaky_ping": "done", "tests.record_ping": "skipped: done"}
    assert seen == [1]
    flaky.refresh_from_db()
    assert (flaky.status, flaky.attempts, flaky.last_error) == (Delivery.Status.DONE, 2, "")
    event.refresh_from_db()
    assert event.dispatched_at is not None


def test_an_event_nobody_subscribes_to_is_delivered_when_fanned_out():
    event = publish("test.unheard", {})

    assert fan_out_event(event_id=str(event.pk)).created == []

    event.refresh_from_db()
    assert event.dispatched_at == event.fanned_out_at is not None


def test_a_delivery_whose_subscriber_is_gone_fails_and_says_so():
    event = publish("test.ping", {"n": 1})
    fan_out_event(event_id=str(event.pk))
    renamed = Delivery.objects.create(event=event, subscriber="tests.renamed_since")

    assert str(deliver(delivery_id=renamed.pk)) == (
        "failed: No subscriber named 'tests.renamed_since' is registered."
    )


def test_relay_takes_events_and_deliveries_past_the_grace_period_only():
    old = publish("test.ping", {"n": 1})
    fresh = publish("test.ping", {"n": 2})
    five_minutes_ago = timezone.now() - timedelta(minutes=5)
    OutboxEvent.objects.filter(pk=old.pk).update(created_at=five_minutes_ago)

    assert relay_pending_events(older_than=60).fanned_out == [str(old.pk)]
    assert OutboxEvent.objects.get(pk=fresh.pk).fanned_out_at is None

    # Its fan-out enqueued its deliveries; those no worker picked up are sent once they are
    # past the grace period, and then not again until they could have reported back.
    deliveries = Delivery.objects.filter(event=old)
    assert relay_pending_events(older_than=60).sent == []
    deliveries.update(created_at=five_minutes_ago)
    assert sorted(relay_pending_events(older_than=60).sent) == sorted(d.pk for d in deliveries)
    assert relay_pending_events(older_than=60).sent == []
    assert seen == []


def test_relay_command_fans_out_everything_pending_now():
    event = publish("test.ping", {"n": 3})
    out = StringIO()

    call_command("relay_events", stdout=out)

    assert out.getvalue().strip() == (
        "Fanned out 1 event(s), marked 0 delivery(ies) interrupted, sent 0 delivery(ies)."
    )
    assert sorted(Delivery.objects.filter(event=event).values_list("subscriber", "status")) == [
        ("tests.flaky_ping", "pending"),
        ("tests.record_ping", "pending"),
    ]


def test_event_catalog_command_prints_every_type_with_schema_and_example():
    out = StringIO()
    call_command("event_catalog", stdout=out)

    catalog = {entry["type"]: entry for entry in json.loads(out.getvalue())}
    assert catalog["comment.created"]["example"]["body"] == "Nice post!"
    assert "post_id" in catalog["post.published"]["schema"]["required"]


def test_event_catalog_command_writes_the_catalog_as_markdown(tmp_path):
    path = tmp_path / "catalog.md"

    call_command("event_catalog", "--write", str(path), stdout=StringIO())

    text = path.read_text()
    assert text == catalog_markdown(all_event_types())
    assert "## test.ping\n\nOnly used by the outbox tests.\n" in text
    assert '"required": [\n    "n"\n  ]' in text


def test_the_committed_event_catalog_is_what_the_command_generates():
    # In a process of its own: this one has the test modules' event types too.
    generated = subprocess.run(
        [str(BIN / "python"), "manage.py", "event_catalog", "--markdown"],
        cwd=ROOT,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    committed = (ROOT / "docs" / "events-catalog.md").read_text()

    assert generated.returncode == 0, generated.stderr[-3000:]
    assert committed == generated.stdout, (
        f"docs/events-catalog.md is out of date: run `{MARKDOWN_COMMAND}` and commit it."
    )


def test_a_failed_delivery_waits_out_its_backoff_before_the_relay_sends_it_again(settings):
    settings.EVENTS = {**settings.EVENTS, "RELAY_INTERVAL": 30.0}
    failing["on"] = True
    event = publish("test.ping", {"n": 1})
    _deliver_every(event)
    flaky = _flaky(event)

    assert flaky.attempts == 1
    assert 29 <= (flaky.next_attempt_at - timezone.now()).total_seconds() <= 30
    assert relay_pending_events(older_than=0).sent == []  # not due yet

    failing["on"] = False
    Delivery.objects.filter(pk=flaky.pk).update(next_attempt_at=timezone.now())
    assert relay_pending_events(older_than=0).sent == [flaky.pk]
    assert str(deliver(delivery_id=flaky.pk)) == "done"
    event.refresh_from_db()
    assert event.dispatched_at is not None


def test_backoff_doubles_up_to_its_cap(settings):
    settings.EVENTS = {**settings.EVENTS, "RELAY_INTERVAL": 30.0, "MAX_RETRY_DELAY": 3600.0}
    delays = [retry_delay(n).total_seconds() for n in range(1, 10)]
    assert delays == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_deliveries_that_keep_failing_do_not_crowd_out_newer_ones():
    failing["on"] = True
    stuck = [publish("test.ping", {"n": n}) for n in range(3)]
    for event in stuck:
        _deliver_every(event)
    failing["on"] = False
    fresh = publish("test.ping", {"n": 99})
    fan_out_event(event_id=str(fresh.pk))

    sent = relay_pending_events(older_than=0, limit=2).sent

    assert sorted(sent) == sorted(Delivery.objects.filter(event=fresh).values_list("pk", flat=True))


def test_after_its_last_attempt_a_delivery_is_given_up_until_retried_by_hand(settings):
    settings.EVENTS = {**settings.EVENTS, "MAX_ATTEMPTS": 2}
    failing["on"] = True
    event = publish("test.ping", {"n": 5})
    _deliver_every(event)
    flaky = _flaky(event)
    Delivery.objects.filter(pk=flaky.pk).update(next_attempt_at=timezone.now())
    assert relay_pending_events(older_than=0).sent == [flaky.pk]

    assert str(deliver(delivery_id=flaky.pk)) == "given_up: RuntimeError: downstream is down"

    flaky.refresh_from_db()
    assert (flaky.status, flaky.attempts, flaky.next_attempt_at) == ("given_up", 2, None)
    Delivery.objects.filter(pk=flaky.pk).update(next_attempt_at=timezone.now())
    assert relay_pending_events(older_than=0).sent == []
    assert str(deliver(delivery_id=flaky.pk)) == "skipped: given_up"

    failing["on"] = False
    out = StringIO()
    call_command("relay_events", "--retry-given-up", stdout=out)

    assert out.getvalue().splitlines() == [
        "1 given-up or interrupted delivery(ies) sent again.",
        "Fanned out 0 event(s), marked 0 delivery(ies) interrupted, sent 0 delivery(ies).",
    ]
    flaky.refresh_from_db()
    assert (flaky.status, flaky.attempts) == ("pending", 0)
    assert str(deliver(delivery_id=flaky.pk)) == "done"
    assert seen == [5]
    event.refresh_from_db()
    assert event.dispatched_at is not None


def test_staff_filter_deliveries_by_status_and_retry_given_up_ones_from_the_admin(
    admin_client, settings
):
    settings.EVENTS = {**settings.EVENTS, "MAX_ATTEMPTS": 1}
    failing["on"] = True
    event = publish("test.ping", {"n": 6})
    _deliver_every(event)
    flaky = _flaky(event)
    assert flaky.status == Delivery.Status.GIVEN_UP

    listed = admin_client.get("/admin/events/delivery/", {"status__exact": "given_up"})
    response = admin_client.post(
        "/admin/events/delivery/",
        {"action": "retry", "_selected_action": [str(flaky.pk)]},
        follow=True,
    )

    assert [d.subscriber for d in listed.context["cl"].result_list] == ["tests.flaky_ping"]
    assert "1 delivery(ies) sent again." in response.text
    flaky.refresh_from_db()
    assert (flaky.status, flaky.attempts) == (Delivery.Status.PENDING, 0)


def test_staff_see_an_events_deliveries_on_its_page(admin_client):
    failing["on"] = True
    event = publish("test.ping", {"n": 8})
    _deliver_every(event)

    page = admin_client.get(f"/admin/events/outboxevent/{event.pk}/change/")

    assert page.status_code == 200
    assert "tests.flaky_ping" in page.text
    assert "RuntimeError: downstream is down" in page.text
