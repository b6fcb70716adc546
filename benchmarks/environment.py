"""What a benchmark run needs and runs on: its settings, the services, the machine, versions."""

import os
import platform
import shutil
import socket
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from urllib.parse import urlparse

import redis

from benchmarks import database
from benchmarks.load import wrk_version

HOW_TO_START = {
    "PostgreSQL": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    "Redis": 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
}
PACKAGES = [
    "django",
    "djangorestframework",
    "granian",
    "psycopg",
    "fastapi",
    "sqlalchemy",
    "asyncpg",
    "pydantic",
    "uvloop",
]


@dataclass(frozen=True)
class Settings:
    """The run's knobs, from BENCH_* environment variables (see benchmarks/README.md)."""

    duration: int
    warmup: int
    rounds: int
    connections: int
    threads: int
    workers: int
    blocking_threads: int
    database_url: str
    redis_url: str
    redis_cache_url: str
    only: frozenset[str]

    @classmethod
    def from_env(cls) -> "Settings":
        env = os.environ.get
        return cls(
            duration=int(env("BENCH_DURATION", "10")),
            warmup=int(env("BENCH_WARMUP", "3")),
            rounds=max(1, int(env("BENCH_ROUNDS", "2"))),
            connections=int(env("BENCH_CONNECTIONS", "64")),
            threads=int(env("BENCH_THREADS", "2")),
            workers=int(env("BENCH_WORKERS", "2")),
            blocking_threads=int(env("BENCH_BLOCKING_THREADS", "4")),
            database_url=env("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/keel_bench"),
            # Redis databases of their own, away from `make test`'s low-numbered blocks.
            redis_url=env("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
            redis_cache_url=env("BENCH_REDIS_CACHE_URL", "redis://127.0.0.1:6379/15"),
            only=frozenset(filter(None, env("BENCH_ONLY", "").split(","))),
        )


def _address(url: str, default_port: int) -> tuple[str, int]:
    parts = urlparse(url)
    return parts.hostname or "127.0.0.1", parts.port or default_port


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def preflight(settings: Settings) -> None:
    """Stop at once, saying how to fix it, when wrk, PostgreSQL or Redis is missing."""
    problems = []
    if shutil.which("wrk") is None:
        problems.append("wrk is not installed. Install it with: apt-get install -y wrk")
    services = {
        "PostgreSQL": _address(settings.database_url, 5432),
        "Redis": _address(settings.redis_url, 6379),
    }
    down = [name for name, address in services.items() if not _reachable(*address)]
    for name in down:
        host, port = services[name]
        problems.append(f"{name} is not reachable at {host}:{port}.")
    problems += [f"Start it with: {HOW_TO_START[name]}" for name in down]
    if down:
        problems.append("(or point BENCH_DATABASE_URL / BENCH_REDIS_URL at running services)")
    if problems:
        sys.exit("\n".join(problems))


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine_and_versions(settings: Settings) -> dict:
    redis_info = redis.Redis.from_url(settings.redis_url).info("server")
    return {
        "machine": {
            "cores": os.cpu_count(),
            "usable_cores": len(os.sched_getaffinity(0)),
            "cpu": _cpu_model(),
            "platform": platform.platform(),
            # Other work on the machine skews every figure; the ratios less so.
            "load_average_at_start": [round(load, 2) for load in os.getloadavg()],
        },
        "versions": {
            "python": platform.python_version(),
            **{name: _version(name) for name in PACKAGES},
            "postgresql": database.server_version(settings.database_url),
            "redis": redis_info["redis_version"],
            "wrk": wrk_version(),
        },
    }
