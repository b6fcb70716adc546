"""Cache warming: keep the hottest query-cache entries fresh, and fill named ones on deploy.

Sampling: one call in `SAMPLE_EVERY` to a `@cached_query` selector adds its weight to the
entry's score in a Redis sorted set, and remembers how to recompute it (the selector's
import path and arguments, pickled) and when it was last computed. Scores decay by half
each warming run, so "hot" means hot lately. Per key pattern (the selector) the scores add
up, which `hot_patterns()` reports.

`refresh_hot_entries()` (the periodic job) takes the hottest entries and recomputes each one
that has lived past `REFRESH_AT` of its TTL, so popular pages never fall out of the cache
and no reader ever waits on their recomputation. `manage.py cache_warm` runs the named
warmers (`register_warmer`) after a deploy, when every cache is cold.

Warming needs Redis (it shares the cache's); on the embedded defaults it does nothing.
"""

import contextlib
import importlib
import logging
import pickle
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import redis
from django.conf import settings

from apps.caching.default import cache

logger = logging.getLogger(__name__)

SAMPLE_EVERY = 16
REFRESH_AT = 0.75
HOT_SET = "warming:hot"
RECIPE = "warming:recipe:"

_warmers: dict[str, Callable[[], object]] = {}
_client: redis.Redis | None = None


@dataclass(frozen=True)
class Recipe:
    """How to recompute one query-cache entry."""

    function: str  # "module:qualname"
    args: tuple
    kwargs: dict
    ttl: int
    tags: tuple[str, ...]
    computed_at: float
    # The selector's `cached_query(version=)`: a release whose selector has another version
    # leaves the entry alone (its key belongs to the other release's shape).
    version: int = 1


def _redis() -> redis.Redis | None:
    global _client
    url = getattr(settings, "REDIS_CACHE_URL", "")
    if not url:
        return None
    if _client is None:
        _client = redis.Redis.from_url(url, socket_timeout=2)
    return _client


def _prefixed(name: str) -> str:
    return f"{settings.KEY_PREFIX}:{name}"


def sample_call(key: str, make_recipe: Callable[[], Recipe]) -> None:
    """Count a call to a cached selector, one time in SAMPLE_EVERY (cheap on the hot path)."""
    if random.randrange(SAMPLE_EVERY):  # noqa: S311 - sampling, not security
        return
    client = _redis()
    if client is None:
        return
    recipe = make_recipe()
    try:
        pipe = client.pipeline(transaction=False)
        pipe.zincrby(_prefixed(HOT_SET), SAMPLE_EVERY, key)
        pipe.set(_prefixed(RECIPE + key), pickle.dumps(recipe), ex=max(recipe.ttl * 4, 3600))
        pipe.execute()
    except redis.RedisError:
        pass  # popularity is best effort; reads must never fail for it


def note_computed(key: str, recipe: Recipe) -> None:
    """Record that the entry was just recomputed (its age decides when warming refreshes it)."""
    client = _redis()
    if client is None:
        return
    with contextlib.suppress(redis.RedisError):
        client.set(_prefixed(RECIPE + key), pickle.dumps(recipe), ex=max(recipe.ttl * 4, 3600))


def _resolve(path: str) -> Callable[..., object]:
    """The cached selector at `path` (the decorated function)."""
    module_name, _, qualname = path.partition(":")
    target: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        target = getattr(target, part)
    return target


def hot_entries(limit: int = 50) -> list[tuple[str, float]]:
    client = _redis()
    if client is None:
        return []
    # (member, score) pairs, members as bytes: redis-py's types follow neither `withscores`
    # nor the client's decode_responses (off).
    members = cast(
        "list[tuple[bytes, float]]",
        client.zrevrange(_prefixed(HOT_SET), 0, limit - 1, withscores=True),
    )
    return [(member.decode(), score) for member, score in members]


def hot_patterns(limit: int = 50) -> dict[str, float]:
    """Sampled calls per selector (key pattern), hottest first."""
    totals: dict[str, float] = {}
    for key, score in hot_entries(limit=1000):
        pattern = key.rsplit(":", 1)[0]
        totals[pattern] = totals.get(pattern, 0.0) + score
    return dict(sorted(totals.items(), key=lambda item: -item[1])[:limit])


def refresh_hot_entries(*, limit: int = 50, now: float | None = None) -> int:
    """Recompute the hottest entries that are past REFRESH_AT of their TTL; returns how many."""
    client = _redis()
    if client is None:
        return 0
    now = time.time() if now is None else now
    refreshed = 0
    for key, _score in hot_entries(limit):
        raw = client.get(_prefixed(RECIPE + key))
        if not isinstance(raw, bytes):  # None: expired (this client never decodes to str)
            continue
        recipe: Recipe = pickle.loads(raw)  # noqa: S301 - written by this process's own code
        if now - recipe.computed_at < recipe.ttl * REFRESH_AT:
            continue
        try:
            selector = _resolve(recipe.function)
            if getattr(selector, "cache_version", 1) != recipe.version:
                continue
            value = getattr(selector, "uncached", selector)(*recipe.args, **recipe.kwargs)
        except Exception:
            logger.exception("Warming %s failed", key)
            continue
        cache.tags(*recipe.tags).set(key, value, recipe.ttl)
        note_computed(key, Recipe(**{**recipe.__dict__, "computed_at": now}))
        refreshed += 1
    # Halve every score, so yesterday's favourites make way for today's.
    client.zunionstore(_prefixed(HOT_SET), {_prefixed(HOT_SET): 0.5})
    client.zremrangebyscore(_prefixed(HOT_SET), 0, 1)
    return refreshed


def register_warmer(name: str) -> Callable[[Callable[[], object]], Callable[[], object]]:
    """Name a function that fills the cache (by calling cached selectors) for cache_warm."""

    def register(function: Callable[[], object]) -> Callable[[], object]:
        _warmers[name] = function
        return function

    return register


def warmers() -> dict[str, Callable[[], object]]:
    return dict(sorted(_warmers.items()))


def run_warmers(names: list[str] | None = None) -> dict[str, float]:
    """Run the named warmers (all without names); returns seconds taken per warmer."""
    chosen = warmers() if not names else {name: _warmers[name] for name in names}
    timings = {}
    for name, function in chosen.items():
        started = time.perf_counter()
        function()
        timings[name] = time.perf_counter() - started
    return timings
