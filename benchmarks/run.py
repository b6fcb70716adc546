"""`make bench`: Keel against plain Django + DRF and FastAPI, on one database, under wrk.

Run from the repository root as `python -m benchmarks.run`. It recreates the database
`keel_bench`, migrates Keel into it, seeds it (benchmarks/seed.py), starts every app on
127.0.0.1, then loads one scenario at a time with wrk (the other servers sit idle), after
a discarded warm-up, and prints requests/s, p50, p90 and p99 with the ratios the issue
sets as targets. Results go to benchmarks/results/latest.json. Every server it started is
stopped at the end, on error, on Ctrl-C and on SIGTERM.

The three tables below are the whole benchmark: add an app, a scenario or a comparison by
adding a row. Strings may use {port}, {post_id}, {token}, {workers}, {blocking_threads}
and the connection settings ({database_url}, {redis_url}, {redis_cache_url}), filled in at
run time. benchmarks/README.md lists the BENCH_* environment variables.
"""

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import database
from benchmarks.environment import Settings, machine_and_versions, preflight
from benchmarks.load import LoadResult, load
from benchmarks.report import (
    Comparison,
    Measurement,
    judge,
    measurements_table,
    verdicts_table,
    write_json,
)
from benchmarks.servers import ROOT, Server, ServerFailed, free_port

RESULTS = ROOT / "benchmarks" / "results" / "latest.json"
LOGS = ROOT / "var" / "bench"
GRANIAN = str(Path(sys.executable).with_name("granian"))
LISTEN = ["--host", "127.0.0.1", "--port", "{port}", "--workers", "{workers}"]
WSGI = [GRANIAN, "--interface", "wsgi", *LISTEN, "--blocking-threads", "{blocking_threads}"]
ASGI = [GRANIAN, "--interface", "asgi", *LISTEN]
# Django's ASGI handler has no lifespan support; granian's "asginl" does not ask for it.
ASGI_NO_LIFESPAN = [GRANIAN, "--interface", "asginl", *LISTEN]


@dataclass(frozen=True)
class App:
    name: str
    description: str
    command: list[str]
    env: dict[str, str]
    ready_path: str


@dataclass(frozen=True)
class Scenario:
    app: str
    name: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    # What the row measures, when its name alone would mislead; printed under the table.
    note: str = ""


KEEL_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.prod",
    "DJANGO_SECRET_KEY": "{secret_key}",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DJANGO_SECURE_SSL_REDIRECT": "false",
    "DATABASE_URL": "{database_url}",
    "REDIS_URL": "{redis_url}",
    "REDIS_CACHE_URL": "{redis_cache_url}",
    # A prefix of its own per run: the cache starts empty without flushing anyone's Redis.
    "KEEL_KEY_PREFIX": "{key_prefix}",
    "EMAIL_URL": "smtp://127.0.0.1:1025",
}
# The cold path: the query and edge caches switched off, every request does the work.
KEEL_COLD_ENV = {**KEEL_ENV, "CACHE_QUERIES": "false", "EDGE_CACHE": "false"}
REFERENCE_ENV = {"BENCH_DATABASE_URL": "{database_url}"}
DRF_ENV = {**REFERENCE_ENV, "DJANGO_SETTINGS_MODULE": "benchmarks.reference.drf.settings"}

APPS = [
    App(
        "keel-cold",
        "Keel, prod settings, granian WSGI, query and edge caches off",
        [*WSGI, "config.wsgi:application"],
        KEEL_COLD_ENV,
        "/healthz",
    ),
    App(
        "keel",
        "Keel, prod settings, granian WSGI, every cache on",
        [*WSGI, "config.wsgi:application"],
        KEEL_ENV,
        "/healthz",
    ),
    App(
        "drf",
        "plain Django + DRF (ModelViewSet, PageNumberPagination, no cache), granian WSGI",
        [*WSGI, "benchmarks.reference.drf.wsgi:application"],
        DRF_ENV,
        "/hello",
    ),
    App(
        "fastapi",
        "FastAPI + SQLAlchemy 2 async (asyncpg, uvloop), granian ASGI",
        [*ASGI, "benchmarks.reference.fastapi_app.main:app"],
        REFERENCE_ENV,
        "/hello",
    ),
    App(
        "django-asgi",
        "the DRF reference's Django hello view under granian ASGI (WSGI vs ASGI)",
        [*ASGI_NO_LIFESPAN, "benchmarks.reference.drf.asgi:application"],
        DRF_ENV,
        "/hello",
    ),
]

KEEL_LIST = "/api/posts/?page_size=20"
SCENARIOS = [
    Scenario("keel-cold", "list", KEEL_LIST, note="cold: anonymous, query and edge caches off"),
    Scenario("keel-cold", "detail", "/api/posts/{post_id}/", note="cold: anonymous, caches off"),
    Scenario("keel-cold", "hello", "/api/hello/"),
    Scenario(
        "keel",
        "warm list",
        KEEL_LIST,
        headers={"Authorization": "Bearer {token}"},
        note="with a user's token: token and page both from the cache (no query)",
    ),
    Scenario(
        "keel",
        "edge list",
        KEEL_LIST,
        note="anonymous: answered by the edge cache before Django's handler",
    ),
    Scenario(
        "keel",
        "edge detail",
        "/api/posts/{post_id}/",
        note="anonymous: answered by the edge cache before Django's handler",
    ),
    Scenario("drf", "list", "/api/posts/"),
    Scenario("drf", "detail", "/api/posts/{post_id}/"),
    Scenario("drf", "hello", "/hello"),
    Scenario("fastapi", "list", "/api/posts/"),
    Scenario("fastapi", "detail", "/api/posts/{post_id}/"),
    Scenario("fastapi", "hello", "/hello"),
    Scenario("django-asgi", "hello", "/hello"),
]

COMPARISONS = [
    Comparison("cold list: Keel / DRF", ("keel-cold", "list"), ("drf", "list")),
    Comparison("cold list: Keel / FastAPI", ("keel-cold", "list"), ("fastapi", "list"), 1.0),
    Comparison("cold detail: Keel / DRF", ("keel-cold", "detail"), ("drf", "detail")),
    Comparison("cold detail: Keel / FastAPI", ("keel-cold", "detail"), ("fastapi", "detail"), 1.0),
    Comparison("hello: Keel / DRF", ("keel-cold", "hello"), ("drf", "hello")),
    Comparison("hello: Keel / FastAPI", ("keel-cold", "hello"), ("fastapi", "hello")),
    Comparison("warm list: Keel / DRF list", ("keel", "warm list"), ("drf", "list"), 3.0, 100),
    Comparison("edge list: Keel / Django hello", ("keel", "edge list"), ("drf", "hello"), 1.5, 50),
    Comparison(
        "edge detail: Keel / Django hello", ("keel", "edge detail"), ("drf", "hello"), 1.5, 50
    ),
    Comparison("Django hello: WSGI / ASGI", ("drf", "hello"), ("django-asgi", "hello")),
]


def _fill(template: str, values: dict[str, str]) -> str:
    return template.format(**values)


def server_for(app: App, values: dict[str, str]) -> Server:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env |= {key: _fill(value, values) for key, value in app.env.items()}
    env["PYTHONUNBUFFERED"] = "1"
    port = free_port()
    command = [_fill(part, values | {"port": str(port)}) for part in app.command]
    return Server(command, port=port, env=env, log_path=LOGS / f"{app.name}.log")


def _probe(url: str, headers: dict[str, str]) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _describe(body: bytes) -> str:
    try:
        document = json.loads(body)
    except ValueError:
        return f"{len(body):,} bytes, not JSON"
    if isinstance(document, dict) and isinstance(document.get("results"), list):
        return f"{len(body):,} bytes, {len(document['results'])} results"
    return f"{len(body):,} bytes"


class Bench:
    """One run: the servers it started, and each scenario's rounds so far."""

    def __init__(self, settings: Settings, values: dict[str, str]) -> None:
        self.settings = settings
        self.values = values
        self.servers: dict[str, Server] = {}
        self.failures: dict[tuple[str, str], str] = {}
        self.rounds: dict[tuple[str, str], list[LoadResult]] = {}

    def start(self, apps: list[App]) -> None:
        for app in apps:
            print(f"Starting {app.name}: {app.description}", flush=True)
            # Registered before it starts, so an interrupted start is stopped too.
            server = self.servers[app.name] = server_for(app, self.values)
            try:
                server.start(ready_path=app.ready_path)
            except ServerFailed as failure:
                print(f"  could not start it: {failure}", flush=True)
                server.stop()
                del self.servers[app.name]

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()

    def check(self, scenario: Scenario) -> None:
        """Fetch the scenario's URL once: it must answer 200, or it is not measured."""
        key = (scenario.app, scenario.name)
        server = self.servers.get(scenario.app)
        if server is None:
            self.failures[key] = "server did not start"
            return
        status, body = _probe(server.base_url + self._path(scenario), self._headers(scenario))
        if status != 200:
            self.failures[key] = f"HTTP {status}"
            detail = body[:300].decode(errors="replace")
            print(f"  {scenario.app} {scenario.name}: answered {status}: {detail}", flush=True)
            return
        print(f"  {scenario.app} {scenario.name}: 200, {_describe(body)}", flush=True)

    def measure(self, scenario: Scenario, *, warm_up: bool) -> None:
        key = (scenario.app, scenario.name)
        if key in self.failures:
            return
        url = self.servers[scenario.app].base_url + self._path(scenario)

        def run(seconds: int) -> LoadResult:
            return load(
                url,
                seconds=seconds,
                headers=self._headers(scenario),
                threads=self.settings.threads,
                connections=self.settings.connections,
            )

        if warm_up and self.settings.warmup > 0:
            run(self.settings.warmup)
        result = run(self.settings.duration)
        self.rounds.setdefault(key, []).append(result)
        print(
            f"  {scenario.app:<12} {scenario.name:<10} {result.requests_per_second:>9,.0f} req/s"
            f"  p50 {result.p50_ms:6.1f}  p90 {result.p90_ms:6.1f}  p99 {result.p99_ms:6.1f} ms"
            + (f"  {result.errors:,} errors" if result.errors else ""),
            flush=True,
        )

    def measurement(self, scenario: Scenario) -> Measurement:
        key = (scenario.app, scenario.name)
        return Measurement(
            scenario.app,
            scenario.name,
            self._path(scenario),
            note=scenario.note,
            rounds=tuple(self.rounds.get(key, ())),
            failure=self.failures.get(key, ""),
        )

    def _path(self, scenario: Scenario) -> str:
        return _fill(scenario.path, self.values)

    def _headers(self, scenario: Scenario) -> dict[str, str]:
        return {name: _fill(value, self.values) for name, value in scenario.headers.items()}


def _stop_on_sigterm() -> None:
    """SIGTERM (e.g. from a CI timeout) unwinds like Ctrl-C does, so every server is stopped."""

    def stop(signum, frame):
        print("\nTerminated; stopping every server it started.", file=sys.stderr)
        sys.exit(143)

    signal.signal(signal.SIGTERM, stop)


def _announce(context: dict, settings: Settings, scenarios: list[Scenario], apps) -> None:
    machine, versions = context["machine"], context["versions"]
    print(
        f"Machine: {machine['usable_cores']} usable cores of {machine['cores']}, "
        f"{machine['cpu']}, {machine['platform']}; load average "
        + " ".join(f"{load:.2f}" for load in machine["load_average_at_start"])
    )
    print("Versions: " + ", ".join(f"{name} {version}" for name, version in versions.items()))
    seconds = len(scenarios) * (settings.warmup + settings.rounds * settings.duration)
    print(
        f"Load: wrk -t{settings.threads} -c{settings.connections} -d{settings.duration}s "
        f"--latency, after a {settings.warmup} s warm-up, {settings.rounds} round(s); "
        f"servers: {settings.workers} workers, {settings.blocking_threads} WSGI threads each. "
        f"{len(scenarios)} scenarios: about {seconds + 5 * len(apps) + 20} s in all.",
        flush=True,
    )


def main() -> int:
    started = time.monotonic()
    _stop_on_sigterm()
    settings = Settings.from_env()
    preflight(settings)
    apps = [app for app in APPS if not settings.only or app.name in settings.only]
    scenarios = [s for s in SCENARIOS if s.app in {app.name for app in apps}]
    context = machine_and_versions(settings)
    _announce(context, settings, scenarios, apps)

    values = {
        "database_url": settings.database_url,
        "redis_url": settings.redis_url,
        "redis_cache_url": settings.redis_cache_url,
        "key_prefix": f"keel-bench-{os.getpid()}-{int(time.time())}",
        "secret_key": secrets.token_urlsafe(50),
        "workers": str(settings.workers),
        "blocking_threads": str(settings.blocking_threads),
    }
    name = database.database_name(settings.database_url)
    print(f"\nDatabase {name}: recreating, migrating, seeding...", flush=True)
    database.recreate(settings.database_url)
    keel_env = {**os.environ, **{key: _fill(value, values) for key, value in KEEL_ENV.items()}}
    seeded = database.migrate_and_seed(keel_env)
    print(
        f"Seeded {seeded['users']} users, {seeded['posts']} published posts with 3 tags each, "
        f"{seeded['comments']} comments; detail scenarios read post {seeded['detail_post_id']}.\n",
        flush=True,
    )
    values |= {"post_id": str(seeded["detail_post_id"]), "token": seeded["token"]}

    bench = Bench(settings, values)
    try:
        bench.start(apps)
        print("\nChecking each scenario answers:", flush=True)
        for scenario in scenarios:
            bench.check(scenario)
        for round_number in range(1, settings.rounds + 1):
            print(f"\nRound {round_number} of {settings.rounds}:", flush=True)
            for scenario in scenarios:
                bench.measure(scenario, warm_up=round_number == 1)
    finally:
        bench.stop()

    measurements = [bench.measurement(scenario) for scenario in scenarios]
    verdicts = judge(COMPARISONS, measurements)
    elapsed = time.monotonic() - started
    print("\n" + measurements_table(measurements))
    print("\n" + verdicts_table(verdicts))
    write_json(
        RESULTS,
        context={
            **context,
            "load": {
                "tool": "wrk",
                "threads": settings.threads,
                "connections": settings.connections,
                "duration_s": settings.duration,
                "warmup_s": settings.warmup,
                "rounds": settings.rounds,
                "server_workers": settings.workers,
                "wsgi_blocking_threads": settings.blocking_threads,
            },
            "data": {key: value for key, value in seeded.items() if key != "token"},
            "apps": {app.name: app.description for app in apps},
            "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "total_seconds": round(elapsed, 1),
        },
        measurements=measurements,
        verdicts=verdicts,
    )
    print(
        f"\nTotal runtime: {elapsed:.0f} s. Written to {RESULTS.relative_to(ROOT)}; "
        f"server logs in {LOGS.relative_to(ROOT)}/."
    )
    return 1 if any(m.failure for m in measurements) else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\nInterrupted; every server it started has been stopped.", file=sys.stderr)
        sys.exit(130)
    except subprocess.CalledProcessError as error:
        if isinstance(error.stderr, str):
            sys.stderr.write(error.stderr)
        print(f"\n{error.cmd[0]} failed with exit status {error.returncode}.", file=sys.stderr)
        sys.exit(1)
