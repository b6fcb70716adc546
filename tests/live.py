"""Real processes for integration tests: a Celery worker and ASGI servers on the test database.

They run as subprocesses with the test settings, pointed at the database pytest-django
created for this test process, and at this test process's Redis database.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import ClassVar

from amqp.exceptions import ChannelError
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def wait_until(predicate, timeout: float = 10) -> bool:
    """Poll `predicate` until it holds (True) or `timeout` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def subprocess_env() -> dict[str, str]:
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    if db.get("PASSWORD"):
        url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": url,
        "REDIS_URL": settings.REDIS_URL,
        "REDIS_CACHE_URL": settings.REDIS_CACHE_URL,
        "KEEL_KEY_PREFIX": settings.KEY_PREFIX,
        "PYTHONUNBUFFERED": "1",
    }


def embedded_env(var_dir: Path) -> dict[str, str]:
    """The environment of `make run` on a bare machine: SQLite and in-process services in
    `var_dir`, none of the test run's PostgreSQL or Redis."""
    services = {"DATABASE_URL", "REDIS_URL", "REDIS_CACHE_URL", "CELERY_BROKER_URL"}
    env = {key: value for key, value in os.environ.items() if key not in services}
    return env | {
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DJANGO_DEBUG": "false",
        "KEEL_VAR_DIR": str(var_dir),
    }


def shell_json(script: str, env: dict[str, str]):
    """Run `manage.py shell -c script` under `env`; the JSON of its last line of output."""
    finished = subprocess.run(
        [str(BIN / "python"), "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    return json.loads(finished.stdout.strip().splitlines()[-1])


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _queued_messages(channel, queue: str) -> int:
    try:
        return channel.queue_declare(queue=queue, passive=True).message_count
    except ChannelError:  # the broker reports a queue with nothing in it as missing
        return 0


class CeleryWorker:
    """A real `celery worker` process (prefork pool) consuming every queue."""

    running: ClassVar[list["CeleryWorker"]] = []

    def __init__(self, concurrency: int = 2, log_path: Path | None = None) -> None:
        self.hostname = f"test-{os.getpid()}-{free_port()}@localhost"
        self.concurrency = concurrency
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> "CeleryWorker":
        from config.celery import QUEUES, app

        log = open(self.log_path, "wb") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                str(BIN / "celery"),
                "-A",
                "config",
                "worker",
                "-Q",
                ",".join(QUEUES),
                "--concurrency",
                str(self.concurrency),
                "--hostname",
                self.hostname,
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--include",
                "tests.events.crashing_tasks",
            ],
            cwd=ROOT,
            env=subprocess_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Celery worker exited early ({self.log_path})")
            if app.control.ping(destination=[self.hostname], timeout=0.5):
                CeleryWorker.running.append(self)
                return self
        raise RuntimeError("Celery worker did not answer a ping within 30 s")

    def wait_until_idle(self, timeout: float = 15) -> None:
        """Wait until the queues are empty and the worker runs nothing.

        Called before the test database is flushed: a task still writing while the tables
        are truncated deadlocks the flush.
        """
        from config.celery import QUEUES, app

        deadline = time.monotonic() + timeout
        with app.connection_for_read() as connection:
            channel = connection.default_channel
            while time.monotonic() < deadline:
                queued = sum(_queued_messages(channel, name) for name in QUEUES)
                inspect = app.control.inspect(destination=[self.hostname], timeout=1)
                busy = any((inspect.active() or {}).values()) or any(
                    (inspect.reserved() or {}).values()
                )
                if not queued and not busy:
                    return
                time.sleep(0.1)

    def pool_pids(self) -> list[int]:
        from config.celery import app

        stats = app.control.inspect(destination=[self.hostname], timeout=2).stats() or {}
        return list(stats.get(self.hostname, {}).get("pool", {}).get("processes", []))

    def stop(self) -> None:
        if self in CeleryWorker.running:
            CeleryWorker.running.remove(self)
        if self.process:
            stop(self.process)


class AsgiServer:
    """A granian process serving config.asgi (HTTP and websockets) on a free port."""

    interface = "asgi"
    target = "config.asgi:application"

    def __init__(self, log_path: Path | None = None, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.log_path = log_path
        # Extra environment of the server, e.g. settings a test needs other than the default.
        self.env = env or {}
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> "AsgiServer":
        log = open(self.log_path, "wb") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                str(BIN / "granian"),
                "--interface",
                self.interface,
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                "1",
                self.target,
            ],
            cwd=ROOT,
            env={**subprocess_env(), **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.interface} server exited early ({self.log_path})")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.interface} server did not answer /healthz within 30 s")

    def stop(self) -> None:
        if self.process:
            stop(self.process)


class WsgiServer(AsgiServer):
    """HTTP as production serves it: granian's WSGI interface on config.wsgi (edge cache on)."""

    interface = "wsgi"
    target = "config.wsgi:application"
