"""Shared fixtures. The suite needs real PostgreSQL and Redis and stops at once without them."""

import socket
from typing import NamedTuple
from urllib.parse import urlparse

import pytest
from django.conf import settings

from tests.live import AsgiServer, CeleryWorker, WsgiServer

HOW_TO_START = {
    "PostgreSQL": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    "Redis": 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
}


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def pytest_configure(config: pytest.Config) -> None:
    db = settings.DATABASES["default"]
    redis = urlparse(settings.REDIS_URL)
    services = {
        "PostgreSQL": (db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432)),
        "Redis": (redis.hostname or "127.0.0.1", redis.port or 6379),
    }
    down = [name for name, (host, port) in services.items() if not _reachable(host, port)]
    if down:
        lines = [
            f"{name} is not reachable at {services[name][0]}:{services[name][1]}." for name in down
        ]
        lines += [f"Start it with: {HOW_TO_START[name]}" for name in down]
        lines.append("(or point DATABASE_URL / KEEL_TEST_REDIS_URL at running services)")
        raise pytest.UsageError("\n".join(lines))


@pytest.fixture(autouse=True)
def _clean_cache():
    """Each test starts with empty caches (the limits' too), like a fresh deployment."""
    from django.core.cache import caches

    caches["default"].clear()
    caches["limits"].clear()


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, tmp_path_factory):
    """A real Celery worker process on the test database and this process's Redis."""
    worker = CeleryWorker(log_path=tmp_path_factory.mktemp("celery") / "worker.log").start()
    yield worker
    worker.stop()


@pytest.fixture(autouse=True)
def _idle_worker_before_flush(request):
    """After a test that commits, let the worker finish before the database is flushed.

    Its tasks (event dispatches of this test's commits) would otherwise write while the
    tables are truncated, deadlocking the flush or leaking rows into the next test.
    Autouse fixtures of this conftest are torn down before pytest-django's flush.
    """
    yield
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        for worker in CeleryWorker.running:
            worker.wait_until_idle()


@pytest.fixture(scope="session")
def asgi_server(django_db_setup, tmp_path_factory):
    """A live ASGI server (HTTP and websockets) on the test database."""
    server = AsgiServer(log_path=tmp_path_factory.mktemp("asgi") / "server.log").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def second_asgi_server(django_db_setup, tmp_path_factory):
    """Another server process, to show messages cross processes through Redis."""
    server = AsgiServer(log_path=tmp_path_factory.mktemp("asgi2") / "server.log").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def wsgi_server(django_db_setup, tmp_path_factory):
    """A live WSGI server, as production serves HTTP (with the edge cache in front)."""
    server = WsgiServer(log_path=tmp_path_factory.mktemp("wsgi") / "server.log").start()
    yield server
    server.stop()


class PublishedEvent(NamedTuple):
    event_type: str
    payload: dict
    actor_id: int | None


@pytest.fixture
def capture_published_events():
    """Call it to read the events published since the test began, oldest first.

    It reads the outbox, so it shows what a subscriber would get: an event published in a
    transaction that rolled back is not there. The test needs database access.
    """
    from apps.events.models import OutboxEvent

    earlier = set(OutboxEvent.objects.values_list("pk", flat=True))

    def published() -> list[PublishedEvent]:
        events = OutboxEvent.objects.exclude(pk__in=earlier).order_by("created_at")
        return [PublishedEvent(e.event_type, e.payload, e.actor_id) for e in events]

    return published
