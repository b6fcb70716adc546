"""The cache's statistics in the Prometheus text exposition format."""

from collections.abc import Iterator


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _line(name: str, value: float | int | None, **labels: str) -> str:
    rendered = ",".join(f'{key}="{_escape(val)}"' for key, val in labels.items())
    number = "NaN" if value is None else repr(float(value)) if isinstance(value, float) else value
    return f"{name}{{{rendered}}} {number}" if rendered else f"{name} {number}"


def prometheus_lines(stats: dict) -> Iterator[str]:
    """Counters and gauges for a `fleet_snapshot()`-shaped dict (see docs/caching.md)."""
    yield "# HELP keel_cache_hits_total Cache lookups answered, by level."
    yield "# TYPE keel_cache_hits_total counter"
    for level in ("l1", "l2"):
        yield _line("keel_cache_hits_total", stats[level]["hits"], level=level)
    yield "# HELP keel_cache_misses_total Cache lookups not answered, by level."
    yield "# TYPE keel_cache_misses_total counter"
    for level in ("l1", "l2"):
        yield _line("keel_cache_misses_total", stats[level]["misses"], level=level)
    yield "# HELP keel_cache_hit_ratio Share of lookups answered, by level and overall."
    yield "# TYPE keel_cache_hit_ratio gauge"
    for level in ("l1", "l2", "overall"):
        yield _line("keel_cache_hit_ratio", stats[level]["hit_ratio"], level=level)
    yield "# HELP keel_cache_l1_evictions_total L1 entries dropped, by reason."
    yield "# TYPE keel_cache_l1_evictions_total counter"
    for reason, count in stats["l1"]["evictions"].items():
        yield _line("keel_cache_l1_evictions_total", count, reason=reason)
    yield "# HELP keel_cache_tag_lookups_total Tagged lookups, by tag and outcome."
    yield "# TYPE keel_cache_tag_lookups_total counter"
    for tag, counts in stats["tags"].items():
        yield _line("keel_cache_tag_lookups_total", counts["hits"], tag=tag, outcome="hit")
        yield _line("keel_cache_tag_lookups_total", counts["misses"], tag=tag, outcome="miss")
    yield "# HELP keel_cache_invalidations_total Keys deleted, tags invalidated, clears."
    yield "# TYPE keel_cache_invalidations_total counter"
    for kind, count in stats["invalidations"].items():
        yield _line("keel_cache_invalidations_total", count, kind=kind)
    yield "# HELP keel_cache_failover_total Times Redis went down and came back."
    yield "# TYPE keel_cache_failover_total counter"
    for direction, count in stats["failover"].items():
        yield _line("keel_cache_failover_total", count, direction=direction)
    yield "# HELP keel_cache_stampede_total Stale-while-revalidate outcomes."
    yield "# TYPE keel_cache_stampede_total counter"
    for outcome, count in stats["stampede"].items():
        yield _line("keel_cache_stampede_total", count, outcome=outcome)
