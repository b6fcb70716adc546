"""TwoLevelCache: Keel's Django cache backend, an in-process L1 in front of Redis (L2).

    CACHES = {"default": {
        "BACKEND": "apps.caching.backends.TwoLevelCache",
        "LOCATION": "redis://127.0.0.1:6379/1",   # empty: L1 only, one cache per process
        "KEY_PREFIX": "keel",
        "OPTIONS": {"L1_MAX_ENTRIES": 10_000, "L1_MAX_BYTES": 64 * 2**20, "L1_TTL": 60,
                    "L2_RETRY_INTERVAL": 5, ...django-redis options...},
    }}

Django makes one backend object per thread; they share one `CacheCore` per process (L1,
Redis client, coherence listener, counters), so L1 is per process, not per thread.
See docs/caching.md for the guarantees.
"""

import math
import os
import pickle
import threading
import time
from collections.abc import Callable, Collection
from typing import Any
from urllib.parse import urlparse

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django_redis.client.default import glob_escape
from django_redis.util import CacheKey
from redis import Redis
from redis.client import Pipeline

from apps.caching import stats as cache_stats
from apps.caching.coherence import Coherence
from apps.caching.l1 import L1Cache
from apps.caching.l2 import L2_ERRORS, RedisLevel
from apps.caching.locks import RecomputeLocks
from apps.caching.stats import CacheStats
from apps.caching.tags import BUMP_VERSIONS_SCRIPT, TaggedCache, TagVersions

# Options of ours, with their defaults; every other OPTIONS key goes to django-redis.
OWN_OPTIONS = {
    "L1_MAX_ENTRIES": 10_000,
    "L1_MAX_BYTES": 64 * 2**20,
    "L1_TTL": 60.0,  # the longest an L1 entry outlives its last confirmation by Redis
    "L2_RETRY_INTERVAL": 5.0,
    "COHERENCE_ACK_TIMEOUT": 0.1,
    "STAMPEDE_LOCK_TTL": 10.0,
    "STAMPEDE_WAIT": 5.0,
    "STATS_PUSH_INTERVAL": 10.0,
}
DELETE_BATCH = 1000


def dumps(value: object) -> bytes:
    return pickle.dumps(value, pickle.HIGHEST_PROTOCOL)


loads = pickle.loads


class CacheCore:
    """What one cache shares across the threads of a process."""

    def __init__(self, server: str, params: dict[str, Any], backend: BaseCache) -> None:
        options = {**OWN_OPTIONS, **(params.get("OPTIONS") or {})}
        self.key_prefix = backend.key_prefix
        self.options = options
        self.l1_ttl = float(options["L1_TTL"])
        self.stampede_wait = float(options["STAMPEDE_WAIT"])
        self.stats_push_interval = float(options["STATS_PUSH_INTERVAL"])
        self.stats_key = f"keel-cache-stats:{self.key_prefix}"
        self.l2: RedisLevel | None = None
        self._fresh_process_state()
        # Without Redis the listener is never started (see `_connect`): it stays unsubscribed.
        database = urlparse(server.split(",")[0]).path.strip("/") or "0"
        self.coherence = Coherence(
            self,
            channel=f"keel-cache:{database}:{self.key_prefix}",
            ack_timeout=float(options["COHERENCE_ACK_TIMEOUT"]),
        )
        if server:
            redis_options = {k: v for k, v in options.items() if k not in OWN_OPTIONS}
            self.l2 = RedisLevel(
                server,
                {**params, "OPTIONS": redis_options},
                backend,
                retry_interval=float(options["L2_RETRY_INTERVAL"]),
                replay=self._replay,
            )
            self.l2.on_down = self._redis_down
            self.l2.on_up = self._redis_up
            self.l2.on_change = self.refresh_trust
        self.refresh_trust()

    def _fresh_process_state(self) -> None:
        self.stats = CacheStats()
        self.l1 = L1Cache(
            max_entries=int(self.options["L1_MAX_ENTRIES"]),
            max_bytes=int(self.options["L1_MAX_BYTES"]),
            stats=self.stats,
        )
        self.tag_versions = TagVersions(self)
        self.locks = RecomputeLocks(self, ttl=float(self.options["STAMPEDE_LOCK_TTL"]))
        self._stats_pushed_at = time.monotonic()

    def after_fork(self) -> None:
        """In a forked child: the parent's listener thread and locks do not exist here."""
        self._fresh_process_state()
        self.coherence.reset()
        if self.l2 is not None:
            self.l2._lock = threading.Lock()
        self.refresh_trust()

    # --- state ----------------------------------------------------------------------------

    def refresh_trust(self) -> None:
        """L1 may answer alone when there is no Redis, when Redis is down (failover), or
        while the coherence listener is subscribed (so L1 hears every eviction)."""
        self.l1_trusted = self.l2 is None or self.l2.down or self.coherence.subscribed

    def _redis_down(self) -> None:
        self.stats.failover_down += 1
        self.stats.l2_errors += 1
        self.l1.clear()  # entries older than the outage may have been invalidated unheard

    def _redis_up(self) -> None:
        self.stats.failover_up += 1
        self.l1.clear()

    def redis(self) -> Redis | None:
        """The redis-py client, or None without Redis or while it is down."""
        l2 = self.l2
        if l2 is None:
            return None
        if self.coherence.thread is None:
            self.coherence.start()
        return l2.client()

    def _connect(self, l2: RedisLevel) -> Redis | None:
        """`redis()` for the methods below, which read `self.l2` once, check it, and keep
        using it (`l2.failed(...)`, `l2.decode(...)`)."""
        if self.coherence.thread is None:
            self.coherence.start()
        return l2.client()

    def l1_expiry(self, timeout: float | None) -> float:
        now = time.monotonic()
        if self.l2 is None:
            return math.inf if timeout is None else now + timeout
        return now + (self.l1_ttl if timeout is None else min(timeout, self.l1_ttl))

    def write_and_broadcast(
        self,
        redis: Redis,
        queue_writes: Callable[[Pipeline], object],
        keys: Collection[str],
        *,
        acknowledged: bool = False,
        clear: bool = False,
    ) -> list[Any]:
        """Run the writes `queue_writes(pipe)` queues and publish the eviction of `keys`, in
        one round trip; with `acknowledged`, return once every listener applied it."""
        pipe = redis.pipeline(transaction=False)
        queue_writes(pipe)
        message_id = self.coherence.publish(pipe, keys, clear=clear, acknowledged=acknowledged)
        try:
            results = pipe.execute()
        except BaseException:
            self.coherence.abandon(message_id)
            raise
        self.coherence.wait_for(message_id, results[-1])
        return results[:-1]

    # --- operations on full keys ----------------------------------------------------------

    def read(self, key: str) -> tuple[bool, Any]:
        """(found, value) for a full key: from L1, else from Redis (filling L1)."""
        if self.l1_trusted:
            blob = self.l1.get(key, time.monotonic())
            if blob is not None:
                self.stats.l1_hits += 1
                return True, loads(blob)
            self.stats.l1_misses += 1
        l2 = self.l2
        if l2 is None or (redis := self._connect(l2)) is None:
            return False, None
        epoch = self.l1.epoch
        try:
            pipe = redis.pipeline(transaction=False)
            pipe.get(key)
            pipe.pttl(key)
            raw, pttl = pipe.execute()
        except L2_ERRORS as error:
            l2.failed(error)
            return False, None
        if raw is None:
            self.stats.l2_misses += 1
            return False, None
        self.stats.l2_hits += 1
        value = l2.decode(raw)
        if self.l1_trusted:
            ttl = self.l1_ttl if pttl < 0 else min(pttl / 1000, self.l1_ttl)
            self.l1.fill(key, dumps(value), time.monotonic() + ttl, epoch=epoch)
        return True, value

    def read_many(self, keys: list[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        missing = []
        now = time.monotonic()
        for key in keys:
            blob = self.l1.get(key, now) if self.l1_trusted else None
            if blob is not None:
                self.stats.l1_hits += 1
                found[key] = loads(blob)
            else:
                missing.append(key)
        if self.l1_trusted:
            self.stats.l1_misses += len(missing)
        l2 = self.l2
        if not missing or l2 is None or (redis := self._connect(l2)) is None:
            return found
        epoch = self.l1.epoch
        try:
            pipe = redis.pipeline(transaction=False)
            for key in missing:
                pipe.get(key)
                pipe.pttl(key)
            results = pipe.execute()
        except L2_ERRORS as error:
            l2.failed(error)
            return found
        now = time.monotonic()
        for key, raw, pttl in zip(missing, results[::2], results[1::2], strict=True):
            if raw is None:
                self.stats.l2_misses += 1
                continue
            self.stats.l2_hits += 1
            found[key] = value = l2.decode(raw)
            if self.l1_trusted:
                ttl = self.l1_ttl if pttl < 0 else min(pttl / 1000, self.l1_ttl)
                self.l1.fill(key, dumps(value), now + ttl, epoch=epoch)
        return found

    def write(
        self, key: str, value: object, timeout: float | None, *, only_new: bool = False
    ) -> bool:
        """Store `value` for `timeout` seconds (None: no expiry); with `only_new`, only if
        the key is absent. True if stored."""
        return self.write_many({key: value}, timeout, only_new=only_new)

    def write_many(
        self, data: dict[str, object], timeout: float | None, *, only_new: bool = False
    ) -> bool:
        if timeout is not None and timeout <= 0:
            if not only_new:
                self.delete_many(list(data))
            return False
        l2 = self.l2
        if l2 is not None and (redis := self._connect(l2)) is not None:
            px = None if timeout is None else max(1, int(timeout * 1000))
            encoded = {key: l2.encode(value) for key, value in data.items()}

            def queue(pipe: Pipeline) -> None:
                for key, raw in encoded.items():
                    pipe.set(key, raw, px=px, nx=only_new)

            try:
                results = self.write_and_broadcast(redis, queue, list(data))
            except L2_ERRORS as error:
                l2.failed(error)
            else:
                if self.l1_trusted:
                    expires_at = self.l1_expiry(timeout)
                    for (key, value), stored in zip(data.items(), results, strict=True):
                        if stored:
                            self.l1.set(key, dumps(value), expires_at)
                return all(results)
        if l2 is not None:
            l2.remember(keys=list(data))
        expires_at = self.l1_expiry(timeout)
        if only_new:
            (key, value), *_ = data.items()
            return self.l1.add(key, dumps(value), expires_at, time.monotonic())
        for key, value in data.items():
            self.l1.set(key, dumps(value), expires_at)
        return True

    def delete_many(self, keys: list[str]) -> int:
        """Delete keys from both levels and from every process's L1; how many existed."""
        in_l1 = self.l1.delete_many(keys)
        self.stats.invalidated_keys += len(keys)
        l2 = self.l2
        if l2 is not None and (redis := self._connect(l2)) is not None:
            try:
                (deleted,) = self.write_and_broadcast(
                    redis, lambda pipe: pipe.delete(*keys), keys, acknowledged=True
                )
            except L2_ERRORS as error:
                l2.failed(error)
            else:
                self.l1.delete_many(keys)  # a local reader may have refilled it meanwhile
                return deleted
        if l2 is not None:
            l2.remember(keys=keys)
        return in_l1

    def incr(self, key: str, delta: int) -> int:
        l2 = self.l2
        if l2 is not None and (redis := self._connect(l2)) is not None:
            try:
                value: int = l2.django_redis.incr(CacheKey(key), delta)
                self.write_and_broadcast(redis, lambda pipe: None, [key])
            except L2_ERRORS as error:
                l2.failed(error)
            else:
                self.l1.delete(key)  # counters are read from Redis, which holds their TTL
                return value
        if l2 is not None:
            l2.remember(keys=[key])
        return self.l1.incr(key, delta, time.monotonic(), encode=dumps, decode=loads)

    def touch(self, key: str, timeout: float | None) -> bool:
        l2 = self.l2
        if l2 is not None and (redis := self._connect(l2)) is not None:

            def queue(pipe: Pipeline) -> None:
                if timeout is None:
                    pipe.persist(key)
                    pipe.exists(key)
                else:
                    pipe.pexpire(key, max(0, int(timeout * 1000)))

            try:
                results = self.write_and_broadcast(redis, queue, [key])
            except L2_ERRORS as error:
                l2.failed(error)
            else:
                self.l1.delete(key)
                return bool(results[-1])
        if l2 is not None:
            l2.remember(keys=[key])
        if timeout is not None and timeout <= 0:
            return self.l1.delete(key)
        return self.l1.touch(key, self.l1_expiry(timeout))

    def has(self, key: str) -> bool:
        if self.l1_trusted and self.l1.get(key, time.monotonic()) is not None:
            return True
        l2 = self.l2
        if l2 is None or (redis := self._connect(l2)) is None:
            return False
        try:
            return bool(redis.exists(key))
        except L2_ERRORS as error:
            l2.failed(error)
            return False

    def clear(self) -> None:
        """Delete every key of this cache (by prefix, never FLUSHDB) and empty every L1."""
        self.l1.clear()
        self.stats.clears += 1
        l2 = self.l2
        if l2 is not None and (redis := self._connect(l2)) is not None:
            try:
                self._delete_all(redis)
                self.write_and_broadcast(
                    redis, lambda pipe: None, [], clear=True, acknowledged=True
                )
            except L2_ERRORS as error:
                l2.failed(error)
                l2.remember(clear=True)
        elif l2 is not None:
            l2.remember(clear=True)
        self.l1.clear()

    def _delete_all(self, redis: Redis) -> None:
        batch: list[bytes] = []
        for key in redis.scan_iter(match=f"{glob_escape(self.key_prefix)}:*", count=DELETE_BATCH):
            batch.append(key)
            if len(batch) >= DELETE_BATCH:
                redis.unlink(*batch)
                batch = []
        if batch:
            redis.unlink(*batch)

    def _replay(
        self, redis: Redis, keys: Collection[str], tags: Collection[str], clear: bool
    ) -> None:
        """Apply on Redis what changed while it was down (see RedisLevel)."""
        if clear:
            self._delete_all(redis)
        pipe = redis.pipeline(transaction=False)
        if keys and not clear:
            pipe.delete(*keys)
        if tags:
            pipe.eval(BUMP_VERSIONS_SCRIPT, len(tags), *tags)
        self.coherence.publish(pipe, [*keys, *tags], clear=clear)
        pipe.execute()

    # --- statistics -----------------------------------------------------------------------

    def push_stats(self, redis: Redis | None = None) -> None:
        redis = redis or self.redis()
        if redis is None:
            return
        deltas = self.stats.unpushed()
        if not deltas:
            return
        try:
            pipe = redis.pipeline(transaction=False)
            for name, delta in deltas.items():
                pipe.hincrby(self.stats_key, name, delta)
            pipe.execute()
        except L2_ERRORS:
            self.stats.restore(deltas)
            raise
        self._stats_pushed_at = time.monotonic()

    def push_stats_if_due(self, redis: Redis) -> None:
        if time.monotonic() - self._stats_pushed_at >= self.stats_push_interval:
            self.push_stats(redis)

    def snapshot(self) -> dict[str, Any]:
        return cache_stats.shape(
            self.stats.flat(),
            l1={
                "entries": len(self.l1),
                "bytes": self.l1.bytes,
                "max_entries": self.l1.max_entries,
                "max_bytes": self.l1.max_bytes,
            },
            l2={"configured": self.l2 is not None, "up": self.l2 is not None and not self.l2.down},
            coherence={"subscribed": self.coherence.subscribed},
        )

    def fleet_snapshot(self) -> dict[str, Any]:
        l2 = self.l2
        if l2 is None or (redis := self._connect(l2)) is None:
            return self.snapshot()
        try:
            self.push_stats(redis)
            counters = redis.hgetall(self.stats_key).items()
            # redis-py types field names as bytes | str; this client returns bytes.
            flat = {k.decode() if isinstance(k, bytes) else k: int(v) for k, v in counters}
        except L2_ERRORS as error:
            l2.failed(error)
            return self.snapshot()
        return cache_stats.shape(flat)

    def reset_fleet_stats(self) -> None:
        redis = self.redis()
        if redis is not None:
            redis.delete(self.stats_key)
            self.stats.unpushed()  # what this process counted so far stays out of the totals


_cores: dict[tuple[str, str, str], CacheCore] = {}
_cores_lock = threading.Lock()


def _core_for(server: str, params: dict[str, Any], backend: BaseCache) -> CacheCore:
    identity = (server, backend.key_prefix, repr(sorted((params.get("OPTIONS") or {}).items())))
    core = _cores.get(identity)
    if core is None:
        with _cores_lock:
            core = _cores.get(identity)
            if core is None:
                core = _cores[identity] = CacheCore(server, params, backend)
    return core


def _after_fork_in_child() -> None:
    global _cores_lock
    _cores_lock = threading.Lock()
    for core in _cores.values():
        core.after_fork()


os.register_at_fork(after_in_child=_after_fork_in_child)


class TwoLevelCache(BaseCache):
    """Django's cache API over L1 and Redis, plus `tags()`, `remember()` and
    `invalidate_tags()`."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(params)
        self.core = _core_for(server or "", params, self)

    def get_redis_timeout(self, timeout=DEFAULT_TIMEOUT) -> float | None:
        """Seconds to keep an entry (None: forever; <= 0: not at all)."""
        if timeout is DEFAULT_TIMEOUT:
            timeout = self.default_timeout
        return None if timeout is None else float(timeout)

    def get(self, key, default=None, version=None):
        found, value = self.core.read(self.make_key(key, version))
        return value if found else default

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        self.core.write(self.make_key(key, version), value, self.get_redis_timeout(timeout))

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        return self.core.write(
            self.make_key(key, version), value, self.get_redis_timeout(timeout), only_new=True
        )

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        return self.core.touch(self.make_key(key, version), self.get_redis_timeout(timeout))

    def delete(self, key, version=None) -> bool:
        return bool(self.core.delete_many([self.make_key(key, version)]))

    def has_key(self, key, version=None) -> bool:
        return self.core.has(self.make_key(key, version))

    def incr(self, key, delta=1, version=None) -> int:
        return self.core.incr(self.make_key(key, version), delta)

    def get_many(self, keys, version=None) -> dict:
        full = {self.make_key(key, version): key for key in keys}
        found = self.core.read_many(list(full))
        return {full[key]: value for key, value in found.items()}

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None) -> list:
        if data:
            self.core.write_many(
                {self.make_key(key, version): value for key, value in data.items()},
                self.get_redis_timeout(timeout),
            )
        return []

    def delete_many(self, keys, version=None) -> None:
        keys = [self.make_key(key, version) for key in keys]
        if keys:
            self.core.delete_many(keys)

    def clear(self) -> None:
        self.core.clear()

    # --- Keel's additions -----------------------------------------------------------------

    def tags(self, *names: str) -> TaggedCache:
        """The cache seen through these tags (see apps/caching/tags.py)."""
        return TaggedCache(self, names)

    def remember(self, key, ttl: float, fn, *, stale_ttl: float = 0, version=None):
        """`tags().remember(...)`: the cached value, else fn() computed once and cached."""
        return TaggedCache(self, ()).remember(key, ttl, fn, stale_ttl=stale_ttl, version=version)

    def invalidate_tags(self, *names: str) -> None:
        """Invalidate every entry stored under any of these tags, in every process; returns
        once every other subscribed process has dropped its copy of the tag versions."""
        if names:
            self.core.tag_versions.bump(tuple(sorted(set(names))))

    def stats_snapshot(self) -> dict:
        return self.core.snapshot()

    def fleet_stats_snapshot(self) -> dict:
        return self.core.fleet_snapshot()

    def push_stats(self) -> None:
        self.core.push_stats()

    def reset_fleet_stats(self) -> None:
        self.core.reset_fleet_stats()
