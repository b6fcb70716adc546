"""Operator-facing behaviour: health check, API 404s, demo data, the all-in-one server."""

import json
import os
import signal
import subprocess
import time
import urllib.request

import pytest
from django.core.management import call_command
from django.test import override_settings

from apps.accounts.models import User
from apps.content.models import Comment, Post
from tests.live import BIN, ROOT, WsgiServer, free_port, subprocess_env


@pytest.mark.django_db
def test_health_reports_database_and_cache(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}


@pytest.mark.django_db
def test_health_is_503_naming_the_cache_when_its_redis_is_down(tmp_path):
    # Given a live server whose Redis cannot be reached (a closed port; the test settings
    # derive REDIS_URL and REDIS_CACHE_URL from it). The cache keeps answering from its
    # in-process level, so the server still serves pages.
    env = {"KEEL_TEST_REDIS_URL": f"redis://127.0.0.1:{free_port()}"}
    server = WsgiServer(log_path=tmp_path / "server.log", env=env)
    try:
        # When anyone asks it for its health
        status, body = server.start(healthy=False).health()
    finally:
        server.stop()

    # Then it answers 503 and names the cache, the database being fine
    assert status == 503
    assert json.loads(body) == {
        "status": "failing",
        "checks": {"database": "ok", "cache": "failing"},
    }
    assert "Health check: the cache's Redis is unreachable" in (tmp_path / "server.log").read_text()


def test_hello_answers_constant_json(client):
    response = client.get("/api/hello/")
    assert response.status_code == 200
    assert response.json() == {"hello": "world"}


@pytest.mark.django_db
def test_unknown_api_address_is_a_problem_document(client):
    response = client.get("/api/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "Not Found"


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_seed_demo_is_idempotent_and_prints_the_admin(capsys):
    call_command("seed_demo")
    first = capsys.readouterr().out
    counts = (User.objects.count(), Post.objects.count(), Comment.objects.count())
    call_command("seed_demo")
    second = capsys.readouterr().out

    assert "admin@keel.localhost / keel-demo-password" in first
    assert "admin@keel.localhost / keel-demo-password" in second
    assert (User.objects.count(), Post.objects.count(), Comment.objects.count()) == counts
    assert User.objects.get(email="admin@keel.localhost").is_superuser
    assert Post.objects.filter(status=Post.Status.DRAFT).count() == 1


@pytest.mark.django_db(transaction=True)
def test_serve_starts_every_process_and_one_interrupt_stops_them_all():
    port = free_port()
    serve = subprocess.Popen(
        [str(BIN / "python"), "manage.py", "serve", "--port", str(port), "--concurrency", "1"],
        cwd=ROOT,
        env=subprocess_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        healthy = False
        while time.monotonic() < deadline and not healthy:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                    healthy = r.status == 200
            except OSError:
                time.sleep(0.3)
        assert healthy
        children = subprocess.run(
            ["pgrep", "-P", str(serve.pid)], capture_output=True, text=True
        ).stdout.split()
        assert len(children) == 3  # web, worker, beat

        serve.send_signal(signal.SIGINT)
        output, _ = serve.communicate(timeout=60)
    finally:
        if serve.poll() is None:
            serve.kill()

    assert serve.returncode == 0
    assert f"http://127.0.0.1:{port}/api/docs/" in output
    assert f"ws://127.0.0.1:{port}/ws/" in output
    for pid in children:
        assert not os.path.exists(f"/proc/{pid}") or _is_zombie(pid)


def _is_zombie(pid: str) -> bool:
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] == "Z"
