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
import urllib.error
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


def _task_names(replies: dict[str, list[dict]] | None) -> list[str]:
    """`name[id]` of each task in an inspect reply (active or reserved tasks)."""
    return [f"{task['name']}[{task['id']}]" for tasks in (replies or {}).values() for task in tasks]


def queued_messages(channel, queue: str) -> int:
    try:
        return channel.queue_declare(queue=queue, passive=True).message_count
    except ChannelError:  # the broker reports a queue with nothing in it as missing
        return 0


_control_apps: dict[str, object] = {}


def celery_app_on(broker_url: str):
    """Our Celery app, or one configured like it on another broker.

    Control commands (ping, inspect) go out through an app's own connection pool, whatever
    connection is passed, so a worker on another broker is reached through an app of its own.
    """
    from celery import Celery

    from config.celery import app

    if broker_url == app.conf.broker_url:
        return app
    if broker_url not in _control_apps:
        other = Celery("keel", set_as_current=False)
        other.config_from_object("django.conf:settings", namespace="CELERY")
        other.conf.update(broker_url=broker_url, task_queues=app.conf.task_queues)
        _control_apps[broker_url] = other
    return _control_apps[broker_url]


class CeleryWorker:
    """A real `celery worker` process (prefork pool) consuming every queue."""

    running: ClassVar[list["CeleryWorker"]] = []

    def __init__(
        self,
        concurrency: int = 2,
        log_path: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.hostname = f"test-{os.getpid()}-{free_port()}@localhost"
        self.concurrency = concurrency
        self.log_path = log_path
        # Extra environment of the worker, e.g. a CELERY_BROKER_URL of its own.
        self.env = env or {}
        self.broker_url = self.env.get("CELERY_BROKER_URL", settings.CELERY_BROKER_URL)
        self.process: subprocess.Popen | None = None

    def start(self) -> "CeleryWorker":
        from config.celery import QUEUES

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
                "tests.events.crashing_tasks,tests.config.held_tasks",
            ],
            cwd=ROOT,
            env={**subprocess_env(), **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        control = celery_app_on(self.broker_url).control
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Celery worker exited early ({self.log_path})")
            if control.ping(destination=[self.hostname], timeout=0.5):
                CeleryWorker.running.append(self)
                return self
        raise RuntimeError("Celery worker did not answer a ping within 30 s")

    def wait_until_idle(self, timeout: float = 15) -> None:
        """Wait until the queues are empty and the worker runs nothing; raise if they never are.

        Called before the test database is flushed: a task still writing while the tables
        are truncated deadlocks the flush. A worker that does not answer is not idle.
        """
        from config.celery import QUEUES

        app = celery_app_on(self.broker_url)
        deadline = time.monotonic() + timeout
        with app.connection_for_write() as connection:
            channel = connection.default_channel
            while True:
                if self.process is not None and self.process.poll() is not None:
                    raise RuntimeError(
                        f"Celery worker {self.hostname} exited with {self.process.returncode} "
                        f"({self.log_path})"
                    )
                queued = {name: queued_messages(channel, name) for name in QUEUES}
                inspect = app.control.inspect(destination=[self.hostname], timeout=1)
                active, reserved = inspect.active(), inspect.reserved()
                answered = active is not None and reserved is not None
                running = _task_names(active) + _task_names(reserved)
                if answered and not any(queued.values()) and not running:
                    return
                if time.monotonic() >= deadline:
                    break
                time.sleep(0.1)
        waiting = {name: count for name, count in queued.items() if count} or "nothing"
        doing = (running or "nothing") if answered else "no answer to inspect"
        raise AssertionError(
            f"Celery worker {self.hostname} not idle after {timeout} s: queued {waiting}; "
            f"running or reserved {doing} ({self.log_path})"
        )

    def pool_pids(self) -> list[int]:
        inspect = celery_app_on(self.broker_url).control.inspect(
            destination=[self.hostname], timeout=2
        )
        stats = inspect.stats() or {}
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

    def start(self, *, healthy: bool = True) -> "AsgiServer":
        """Start the server; it is up once /healthz answers 200, or answers at all when
        `healthy` is False (a server started to show a dependency down)."""
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
                status, _body = self.health()
            except OSError:
                time.sleep(0.2)
                continue
            if status == 200 or not healthy:
                return self
            time.sleep(0.2)
        wanted = "200" if healthy else "any answer"
        raise RuntimeError(
            f"{self.interface} server gave /healthz no {wanted} within 30 s ({self.log_path})"
        )

    def health(self) -> tuple[int, str]:
        """The status and body of /healthz; OSError while the server does not answer."""
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=5) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as refusal:
            return refusal.code, refusal.read().decode()

    def stop(self) -> None:
        if self.process:
            stop(self.process)


class WsgiServer(AsgiServer):
    """HTTP as production serves it: granian's WSGI interface on config.wsgi (edge cache on)."""

    interface = "wsgi"
    target = "config.wsgi:application"
