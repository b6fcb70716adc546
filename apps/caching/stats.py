"""Cache statistics: cheap in-process counters, and their sum over every process in Redis.

`snapshot()` gives this process's counters; `fleet_snapshot()` the sum over every process
that pushed its counters to Redis (each does every STATS_PUSH_INTERVAL seconds, from the
cache's listener thread, and on `push_stats()`). Both return the same shape; see
docs/caching.md.
"""

import threading
from collections import defaultdict


class CacheStats:
    """The counters of one cache in this process."""

    # Counters kept as plain attributes: an L1 hit costs one attribute increment. They are not
    # locked; under the GIL an increment can rarely be lost between threads, which a hit
    # ratio tolerates and a lock on every lookup would not be worth. Each one declared here
    # is a counter (COUNTERS, below); __init__ sets them to 0.
    l1_hits: int
    l1_misses: int
    l2_hits: int
    l2_misses: int
    l2_errors: int
    l1_evictions_size: int
    l1_evictions_ttl: int
    l1_evictions_coherence: int
    invalidated_keys: int
    invalidated_tags: int
    clears: int
    failover_down: int
    failover_up: int
    coherence_messages: int
    coherence_ack_timeouts: int
    stampede_recomputes: int
    stampede_stale_served: int
    stampede_lock_waits: int

    def __init__(self) -> None:
        for name in COUNTERS:
            setattr(self, name, 0)
        self.tag_hits: defaultdict[str, int] = defaultdict(int)
        self.tag_misses: defaultdict[str, int] = defaultdict(int)
        self._pushed: dict[str, int] = {}
        self._push_lock = threading.Lock()

    def flat(self) -> dict[str, int]:
        """Every counter under a flat name (`tag:<name>:hits` for tags), as stored in Redis."""
        values = {name: getattr(self, name) for name in COUNTERS}
        for tag, count in list(self.tag_hits.items()):
            values[f"tag:{tag}:hits"] = count
        for tag, count in list(self.tag_misses.items()):
            values[f"tag:{tag}:misses"] = count
        return values

    def unpushed(self) -> dict[str, int]:
        """The increments since the last push, marked as pushed (call `restore` on failure)."""
        with self._push_lock:
            current = self.flat()
            deltas = {k: v - self._pushed.get(k, 0) for k, v in current.items()}
            self._pushed = current
            return {k: v for k, v in deltas.items() if v}

    def restore(self, deltas: dict[str, int]) -> None:
        """Forget that `deltas` were pushed, so the next push sends them again."""
        with self._push_lock:
            for key, value in deltas.items():
                self._pushed[key] -= value


COUNTERS = tuple(CacheStats.__annotations__)


def shape(flat: dict[str, int], **state) -> dict:
    """The documented snapshot dict from flat counters (and optional live state)."""

    def count(name: str) -> int:
        return int(flat.get(name, 0))

    def ratio(hits: int, misses: int) -> float | None:
        return round(hits / (hits + misses), 4) if hits + misses else None

    tags: dict[str, dict] = {}
    for name, value in flat.items():
        if name.startswith("tag:"):
            tag, _, kind = name[4:].rpartition(":")
            tags.setdefault(tag, {"hits": 0, "misses": 0})[kind] = int(value)
    for entry in tags.values():
        entry["hit_ratio"] = ratio(entry["hits"], entry["misses"])
    l1_hits, l1_misses = count("l1_hits"), count("l1_misses")
    l2_hits, l2_misses = count("l2_hits"), count("l2_misses")
    return {
        "l1": {
            "hits": l1_hits,
            "misses": l1_misses,
            "hit_ratio": ratio(l1_hits, l1_misses),
            "evictions": {
                "size": count("l1_evictions_size"),
                "ttl": count("l1_evictions_ttl"),
                "coherence": count("l1_evictions_coherence"),
            },
            **state.get("l1", {}),
        },
        "l2": {
            "hits": l2_hits,
            "misses": l2_misses,
            "hit_ratio": ratio(l2_hits, l2_misses),
            "errors": count("l2_errors"),
            **state.get("l2", {}),
        },
        "overall": {
            "hits": l1_hits + l2_hits,
            "misses": l2_misses,
            "hit_ratio": ratio(l1_hits + l2_hits, l2_misses),
        },
        "tags": dict(sorted(tags.items())),
        "invalidations": {
            "keys": count("invalidated_keys"),
            "tags": count("invalidated_tags"),
            "clears": count("clears"),
        },
        "failover": {"down": count("failover_down"), "up": count("failover_up")},
        "coherence": {
            "messages": count("coherence_messages"),
            "ack_timeouts": count("coherence_ack_timeouts"),
            **state.get("coherence", {}),
        },
        "stampede": {
            "recomputes": count("stampede_recomputes"),
            "stale_served": count("stampede_stale_served"),
            "lock_waits": count("stampede_lock_waits"),
        },
    }


def _cache(cache):
    if cache is None:
        from django.core.cache import cache as default_cache

        return default_cache
    return cache


def snapshot(cache=None) -> dict:
    """This process's counters of `cache` (the default cache when None), with L1's state."""
    return _cache(cache).stats_snapshot()


def fleet_snapshot(cache=None) -> dict:
    """The counters summed over every process, as last pushed to Redis (includes this one's
    counters up to now: it pushes first). Without Redis it is this process's snapshot."""
    return _cache(cache).fleet_stats_snapshot()


def push_stats(cache=None) -> None:
    """Add this process's new counts to the fleet totals in Redis now."""
    _cache(cache).push_stats()


def reset_fleet_stats(cache=None) -> None:
    """Zero the fleet totals in Redis (processes keep their own counters)."""
    _cache(cache).reset_fleet_stats()
