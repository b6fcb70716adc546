"""The benchmark's output: a table of measurements, ratios against targets, and latest.json."""

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.load import LoadResult, combine


@dataclass(frozen=True)
class Measurement:
    """One scenario's figures: `result` over all rounds, `rounds` each; or why it failed."""

    app: str
    scenario: str
    path: str
    note: str = ""
    rounds: tuple[LoadResult, ...] = ()
    failure: str = ""

    @property
    def result(self) -> LoadResult | None:
        return combine(list(self.rounds)) if self.rounds and not self.failure else None


@dataclass(frozen=True)
class Comparison:
    """`measured` requests/s over `baseline` requests/s, each an (app, scenario) pair.

    With `min_ratio` (and optionally `max_p99_ms`, on the measured side) it is a target of
    the issue, judged PASS or MISS; without, it is shown for information.
    """

    label: str
    measured: tuple[str, str]
    baseline: tuple[str, str]
    min_ratio: float | None = None
    max_p99_ms: float | None = None


@dataclass(frozen=True)
class Verdict:
    label: str
    ratio: float | None
    target: str
    p99_ms: float | None
    verdict: str


def _target_text(comparison: Comparison) -> str:
    parts = []
    if comparison.min_ratio is not None:
        parts.append(f">= {comparison.min_ratio:g}x")
    if comparison.max_p99_ms is not None:
        parts.append(f"p99 < {comparison.max_p99_ms:g} ms")
    return ", ".join(parts) or "-"


def judge(comparisons: Sequence[Comparison], measurements: Sequence[Measurement]) -> list[Verdict]:
    found = {(m.app, m.scenario): m.result for m in measurements if m.result is not None}
    verdicts = []
    for comparison in comparisons:
        measured, baseline = found.get(comparison.measured), found.get(comparison.baseline)
        if measured is None or baseline is None or baseline.requests_per_second == 0:
            verdicts.append(Verdict(comparison.label, None, _target_text(comparison), None, "n/a"))
            continue
        ratio = measured.requests_per_second / baseline.requests_per_second
        if comparison.min_ratio is None and comparison.max_p99_ms is None:
            verdict = ""
        else:
            met = ratio >= (comparison.min_ratio or 0) and (
                comparison.max_p99_ms is None or measured.p99_ms < comparison.max_p99_ms
            )
            verdict = "PASS" if met else "MISS"
        verdicts.append(
            Verdict(
                comparison.label,
                round(ratio, 2),
                _target_text(comparison),
                measured.p99_ms,
                verdict,
            )
        )
    return verdicts


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> str:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        cells = (
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        )
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(header), rule, *(line(row) for row in rows)])


def measurements_table(measurements: Sequence[Measurement]) -> str:
    rows = []
    for m in measurements:
        r = m.result
        if r is None:
            rows.append([m.app, m.scenario, m.path, "-", "-", "-", "-", f"FAILED: {m.failure}"])
            continue
        rows.append(
            [
                m.app,
                m.scenario,
                m.path,
                f"{r.requests_per_second:,.0f}",
                f"{r.p50_ms:.1f}",
                f"{r.p90_ms:.1f}",
                f"{r.p99_ms:.1f}",
                f"{r.errors:,}",
            ]
        )
    header = ["app", "scenario", "path", "req/s", "p50 ms", "p90 ms", "p99 ms", "errors"]
    notes = [f"  {m.app} {m.scenario}: {m.note}" for m in measurements if m.note]
    return "\n".join([_table(header, rows, right={3, 4, 5, 6, 7}), *notes])


def verdicts_table(verdicts: Sequence[Verdict]) -> str:
    rows = [
        [
            v.label,
            "-" if v.ratio is None else f"{v.ratio:.2f}x",
            "-" if v.p99_ms is None else f"{v.p99_ms:.1f}",
            v.target,
            v.verdict,
        ]
        for v in verdicts
    ]
    return _table(["ratio (req/s)", "measured", "p99 ms", "target", ""], rows, right={1, 2})


def write_json(path: Path, *, context: dict, measurements, verdicts) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        **context,
        "measurements": [
            {
                "app": m.app,
                "scenario": m.scenario,
                "path": m.path,
                "note": m.note or None,
                "failure": m.failure or None,
                **(asdict(m.result) if m.result else {}),
                "rounds_requests_per_second": [r.requests_per_second for r in m.rounds],
            }
            for m in measurements
        ],
        "ratios": [asdict(v) for v in verdicts],
    }
    path.write_text(json.dumps(document, indent=2) + "\n")
