"""Run the whole platform in one terminal: web server, Celery worker and Celery beat.

The web server is granian on the ASGI application, which serves HTTP and /ws/ from one
address in development. Ctrl-C (or SIGTERM) stops every process; if one of them dies, the
others are stopped too and the command exits with an error.
"""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from config.celery import QUEUES


class Command(BaseCommand):
    help = "Start the web server (HTTP and websockets), a Celery worker and Celery beat."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default=os.environ.get("KEEL_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("KEEL_PORT", "8000")))
        parser.add_argument("--concurrency", type=int, default=2, help="Celery pool size.")

    def handle(self, *args, host: str, port: int, concurrency: int, **options) -> None:
        bin_dir = os.path.dirname(sys.executable)
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ["DJANGO_SETTINGS_MODULE"]}
        beat_schedule = str(settings.VAR_DIR / "celerybeat-schedule")
        commands = {
            "web": [
                os.path.join(bin_dir, "granian"),
                "--interface",
                "asgi",
                "--host",
                host,
                "--port",
                str(port),
                "--workers",
                "1",
                "--log-level",
                "warning",
                "config.asgi:application",
            ],
            "worker": [
                os.path.join(bin_dir, "celery"),
                "-A",
                "config",
                "worker",
                "-Q",
                ",".join(QUEUES),
                "--concurrency",
                str(concurrency),
                "--loglevel",
                "INFO",
                "--hostname",
                f"keel-{os.getpid()}@%h",
            ],
            "beat": [
                os.path.join(bin_dir, "celery"),
                "-A",
                "config",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                beat_schedule,
            ],
        }
        processes: dict[str, subprocess.Popen] = {}
        stopping = False

        def stop(*_args) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        for name, command in commands.items():
            # Each child gets its own process group so the terminal's Ctrl-C reaches only
            # this supervisor, which then stops the children in order.
            processes[name] = subprocess.Popen(command, env=env, start_new_session=True)

        base = f"http://{host}:{port}"
        self.stdout.write(
            self.style.SUCCESS("\nKeel is running (Ctrl-C stops everything):\n")
            + f"  web UI     {base}/\n"
            + f"  admin      {base}/admin/\n"
            + f"  API docs   {base}/api/docs/   (schema: {base}/api/schema/)\n"
            + f"  GraphQL    {base}/graphql/\n"
            + f"  websocket  ws://{host}:{port}/ws/   (each app's routes)\n"
            + f"  database   {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, "
            + f"broker {settings.CELERY_BROKER_URL.split('://', 1)[0]}\n"
        )
        exit_code = 0
        while not stopping:
            for name, process in processes.items():
                if process.poll() is not None:
                    self.stderr.write(f"{name} exited with code {process.returncode}; stopping.")
                    exit_code = 1
                    stopping = True
                    break
            time.sleep(0.3)

        self.stdout.write("Stopping Keel...")
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in processes.values():
            remaining = max(0.1, deadline - time.monotonic())
            try:
                process.wait(timeout=remaining)
            except subprocess.TimeoutExpired:
                process.kill()
        self.stdout.write("Stopped.")
        if exit_code:
            sys.exit(exit_code)
