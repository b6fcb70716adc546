"""Apps plug in by declaring on their AppConfig; the platform collects what they declare."""

import signal
import subprocess

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django_celery_beat.models import PeriodicTask

from apps.caching.invalidation import model_tag, tags_written_by
from apps.content.models import Post
from apps.kernel.declarations import declared_modules, periodic_jobs
from tests.live import BIN, ROOT, subprocess_env, wait_until


def test_beat_runs_the_periodic_jobs_the_apps_declare(transactional_db, tmp_path):
    beat = subprocess.Popen(
        [str(BIN / "celery"), "-A", "config", "beat", "--schedule", str(tmp_path / "schedule")],
        cwd=ROOT,
        env=subprocess_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        names = {"relay-pending-events", "refresh-hot-cache-entries"}
        installed = wait_until(
            lambda: names <= set(PeriodicTask.objects.values_list("name", flat=True)), timeout=60
        )
    finally:
        beat.send_signal(signal.SIGTERM)
        try:
            beat.wait(timeout=30)
        except subprocess.TimeoutExpired:
            # Beat's warm shutdown can outlast a loaded machine; it must not outlive the test.
            beat.kill()
            beat.wait()

    assert installed, "beat did not install the declared periodic jobs"
    relay = PeriodicTask.objects.get(name="relay-pending-events")
    assert relay.task == "apps.events.tasks.relay_pending_events_task"


def test_a_periodic_job_name_declared_by_two_apps_is_refused(monkeypatch):
    content = apps.get_app_config("content")
    monkeypatch.setattr(
        content,
        "periodic_jobs",
        {"relay-pending-events": {"task": "apps.content.tasks.x", "schedule": 5.0}},
        raising=False,
    )

    with pytest.raises(ImproperlyConfigured, match="'relay-pending-events' of content"):
        periodic_jobs()


def test_a_declared_module_that_does_not_exist_is_named_in_the_error(monkeypatch):
    monkeypatch.setattr(apps.get_app_config("content"), "rest_urls", "apps.content.nowhere")

    with pytest.raises(
        ImproperlyConfigured, match=r"ContentConfig.rest_urls names 'apps.content.nowhere'"
    ):
        declared_modules("rest_urls")


def test_writes_to_models_no_app_caches_invalidate_nothing():
    session_table = Session._meta.db_table
    post_table = Post._meta.db_table

    assert tags_written_by(f'INSERT INTO "{session_table}" ("session_key") VALUES (%s)') == set()
    assert tags_written_by(f'UPDATE "{post_table}" SET "title" = %s') == {model_tag(Post)}


def test_an_entry_under_the_tag_of_a_model_no_app_declares_is_refused():
    with pytest.raises(ImproperlyConfigured, match="no app declares in `cached_models`"):
        cache.tags(model_tag(Session)).set("sessions:count", 3)

    assert cache.tags(model_tag(Post)).get("sessions:count") is None
