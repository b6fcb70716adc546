"""Loading one URL with wrk and reading back its throughput and latency percentiles."""

import json
import shutil
import statistics
import subprocess
from dataclasses import dataclass
from pathlib import Path

REPORT_SCRIPT = Path(__file__).with_name("wrk_report.lua")


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    requests_per_second: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    # Responses with a status of 400 or more, plus connect/read/write errors and timeouts.
    errors: int


def wrk_version() -> str:
    # wrk prints its version on the first line of its usage text (and exits 1).
    path = shutil.which("wrk")
    if path is None:
        return "missing"
    usage = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)
    first_line = usage.stdout.splitlines()[0] if usage.stdout else "unknown"
    return first_line.split(" [")[0].removeprefix("wrk ")


def load(
    url: str, *, seconds: int, headers: dict[str, str], threads: int, connections: int
) -> LoadResult:
    """Run `wrk -t<threads> -c<connections> -d<seconds>s --latency` against `url`."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    # wrk drops replies slower than its 2 s default from the latency figures (as timeouts);
    # a longer limit keeps slow replies in the percentiles, where they belong.
    command += ["--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command += ["-s", str(REPORT_SCRIPT), url]
    # wrk stops by itself after `seconds`; the margin covers start-up and the last replies.
    run = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30, check=True)
    line = next(line for line in run.stdout.splitlines() if line.startswith("WRK_JSON "))
    report = json.loads(line.removeprefix("WRK_JSON "))
    elapsed = report["duration_us"] / 1_000_000
    latency = report["latency_us"]
    return LoadResult(
        requests=report["requests"],
        seconds=round(elapsed, 2),
        requests_per_second=round(report["requests"] / elapsed, 1),
        p50_ms=round(latency["p50"] / 1000, 1),
        p90_ms=round(latency["p90"] / 1000, 1),
        p99_ms=round(latency["p99"] / 1000, 1),
        max_ms=round(latency["max"] / 1000, 1),
        errors=sum(report["errors"].values()),
    )


def combine(results: list[LoadResult]) -> LoadResult:
    """One figure for several rounds of the same load: overall rate, median percentiles."""
    if len(results) == 1:
        return results[0]
    requests = sum(result.requests for result in results)
    seconds = sum(result.seconds for result in results)
    return LoadResult(
        requests=requests,
        seconds=round(seconds, 2),
        requests_per_second=round(requests / seconds, 1),
        p50_ms=round(statistics.median(result.p50_ms for result in results), 1),
        p90_ms=round(statistics.median(result.p90_ms for result in results), 1),
        p99_ms=round(statistics.median(result.p99_ms for result in results), 1),
        max_ms=max(result.max_ms for result in results),
        errors=sum(result.errors for result in results),
    )
