"""Subscribing: to a type declared by any app, in any INSTALLED_APPS order, or by pattern;
and the system check that names a subscription no installed app can satisfy."""

import subprocess

import pytest

from apps.events.catalog import declare_event_type
from apps.events.models import Delivery
from apps.events.registry import subscriber, subscribers_for
from apps.events.services import deliver, fan_out_event, publish
from tests.live import BIN, ROOT, shell_json, subprocess_env

for name in ("test.glob.one", "test.glob.two", "test.glob.nested.deep"):
    declare_event_type(
        name,
        description="Only used by the subscription tests.",
        schema={"type": "object"},
        example={},
    )
heard: list[tuple[str, str]] = []


@subscriber("test.glob.*", name="tests.glob_star")
def glob_star(event) -> None:
    heard.append(("star", event.event_type))


@subscriber("test.glob.???", name="tests.glob_three_characters")
def glob_three_characters(event) -> None:
    heard.append(("three characters", event.event_type))


@subscriber("test.glob.one", name="tests.glob_exact")
def glob_exact(event) -> None:
    heard.append(("exact", event.event_type))


@pytest.fixture(autouse=True)
def _reset_heard():
    heard.clear()


def _names(event_type: str) -> list[str]:
    return [sub.name for sub in subscribers_for(event_type)]


def test_patterns_match_type_names_the_fnmatch_way():
    assert _names("test.glob.one") == [
        "tests.glob_exact",
        "tests.glob_star",
        "tests.glob_three_characters",
    ]
    assert _names("test.glob.two") == ["tests.glob_star", "tests.glob_three_characters"]
    # `*` runs across dots; `?` is one character
    assert _names("test.glob.nested.deep") == ["tests.glob_star"]
    assert _names("test.globe") == []


@pytest.mark.django_db
def test_an_event_is_delivered_to_every_subscriber_whose_pattern_matches_its_type():
    event = publish("test.glob.two", {})
    fan_out_event(event_id=str(event.pk))

    outcomes = {
        delivery.subscriber: str(deliver(delivery_id=delivery.pk))
        for delivery in Delivery.objects.filter(event=event)
    }

    assert outcomes == {"tests.glob_star": "done", "tests.glob_three_characters": "done"}
    assert sorted(heard) == [("star", "test.glob.two"), ("three characters", "test.glob.two")]


def _manage(settings_module: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "python"), "manage.py", *args],
        cwd=ROOT,
        env={**subprocess_env(), "DJANGO_SETTINGS_MODULE": settings_module},
        capture_output=True,
        text=True,
        timeout=120,
    )


SUBSCRIBERS_OF = (
    "import json\n"
    "from apps.events.registry import subscribers_for\n"
    "types = ('announcing.happened', 'post.published')\n"
    "print(json.dumps({t: [sub.name for sub in subscribers_for(t)] for t in types}))\n"
)


def test_a_subscriber_may_name_a_type_declared_by_an_app_installed_after_its_own():
    # tests/events/app_order: `listening` is installed before `announcing`, whose type it
    # subscribes to by name, by pattern and with `*`.
    settings_module = "tests.events.app_order.settings"

    checked = _manage(settings_module, "check")
    subscribed = shell_json(
        SUBSCRIBERS_OF, {**subprocess_env(), "DJANGO_SETTINGS_MODULE": settings_module}
    )

    assert checked.returncode == 0, checked.stderr
    assert "events." not in checked.stdout + checked.stderr
    assert subscribed["announcing.happened"] == [
        "listening.on_anything_announced",
        "listening.on_every_event",
        "listening.on_happened",
    ]
    assert "listening.on_every_event" in subscribed["post.published"]
    assert "listening.on_happened" not in subscribed["post.published"]


def test_check_fails_naming_the_subscriber_and_the_type_no_installed_app_declares():
    checked = _manage("tests.events.app_order.settings_undeclared", "check")

    assert checked.returncode == 1
    assert (
        "tests.events.app_order.listening.subscribers.on_happened: (events.E001) Subscriber "
        "'listening.on_happened' subscribes to event type 'announcing.happened', which no "
        "installed app declares."
    ) in checked.stderr
    # a pattern matching nothing may await an app not installed here: only a warning
    assert (
        "(events.W001) Subscriber 'listening.on_anything_announced' subscribes to the pattern "
        "'announcing.*', which matches no declared event type."
    ) in checked.stderr
