"""Tags: entries stored with their tags' versions, invalidated by bumping a version (O(1)).

`cache.tags("users", "posts")` gives a `TaggedCache`; an entry it stores carries the
current version of each tag, and is valid only while every one of them is still current.
`invalidate_tags("posts")` increments the tag's version (one INCR per tag, no key scan):
every entry stored under the old version is from then on a miss.

`remember(key, ttl, fn, stale_ttl=...)` adds stampede protection (stale-while-revalidate):
see docs/caching.md.
"""

import threading
import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.exceptions import ImproperlyConfigured
from redis.commands.core import Script

# invalidate_tags: re-exported, as documented (docs/caching.md).
from apps.caching.invalidation import invalidate_tags as invalidate_tags
from apps.caching.invalidation import is_watched_tag
from apps.caching.l2 import L2_ERRORS

# A missing version starts at the Redis server's clock in microseconds, so a version lost
# (evicted, cleared) and created again never equals one an old entry was stored with.
READ_VERSIONS_SCRIPT = """
local out = {}
for i, key in ipairs(KEYS) do
  local v = redis.call('GET', key)
  if not v then
    local t = redis.call('TIME')
    v = t[1] .. string.format('%06d', tonumber(t[2]))
    redis.call('SET', key, v)
  end
  out[i] = v
end
return out
"""
BUMP_VERSIONS_SCRIPT = """
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then
    redis.call('INCR', key)
  else
    local t = redis.call('TIME')
    redis.call('SET', key, t[1] .. string.format('%06d', tonumber(t[2])))
  end
end
return #KEYS
"""

TAGGED = "keel.tagged"
FRESH, STALE, MISSING = "fresh", "stale", "missing"
# How often a reader waiting for another's recomputation looks for the result.
WAIT_POLL = 0.01


class TagVersions:
    """Reading and bumping tag versions: from L1 when it has them, else one Redis round trip."""

    def __init__(self, core) -> None:
        self.core = core
        self._read: Script | None = None
        self._bump: Script | None = None
        self._last_local = 0
        self._local_lock = threading.Lock()

    def key(self, name: str) -> str:
        return f"{self.core.key_prefix}:caching:tag:{name}"

    def current(self, names: tuple[str, ...]) -> tuple[int, ...]:
        core = self.core
        keys = [self.key(name) for name in names]
        now = time.monotonic()
        trusted = core.l1_trusted
        # Versions (ints), None where L1 has none; once `missing` is empty, all ints.
        values: list[Any] = [core.l1.get(key, now) if trusted else None for key in keys]
        missing = [i for i, value in enumerate(values) if value is None]
        if not missing:
            return tuple(values)
        redis = core.redis()
        if redis is not None:
            epoch = core.l1.epoch
            wanted = [keys[i] for i in missing]
            try:
                fetched = redis.mget(wanted)
                if any(raw is None for raw in fetched):
                    if self._read is None:
                        self._read = redis.register_script(READ_VERSIONS_SCRIPT)
                    fetched = self._read(keys=wanted, client=redis)
            except L2_ERRORS as error:
                core.l2.failed(error)
            else:
                expires_at = time.monotonic() + core.l1_ttl
                for i, raw in zip(missing, fetched, strict=True):
                    values[i] = int(raw)
                    if core.l1_trusted:
                        core.l1.fill(keys[i], values[i], expires_at, epoch=epoch)
                return tuple(values)
        # No Redis (L1-only, or down): versions live in L1, emptied again when Redis returns.
        for i in missing:
            values[i] = core.l1.setdefault(keys[i], self._new_local, core.l1_expiry(None), now)
        return tuple(values)

    def bump(self, names: tuple[str, ...]) -> None:
        """Invalidate every entry stored under these tags, in every process."""
        core = self.core
        keys = [self.key(name) for name in names]
        core.stats.invalidated_tags += len(keys)
        core.l1.delete_many(keys)
        redis = core.redis()
        if redis is not None:
            try:
                if self._bump is None:
                    self._bump = redis.register_script(BUMP_VERSIONS_SCRIPT)
                bump = self._bump
                core.write_and_broadcast(
                    redis, lambda pipe: bump(keys=keys, client=pipe), keys, acknowledged=True
                )
                core.l1.delete_many(keys)  # a local reader may have refilled it
                return
            except L2_ERRORS as error:
                core.l2.failed(error)
        if core.l2 is not None:
            core.l2.remember(tags=keys)
        expires_at = core.l1_expiry(None)
        for key in keys:
            core.l1.set(key, self._new_local(), expires_at)

    def _new_local(self) -> int:
        with self._local_lock:
            self._last_local = max(time.time_ns() // 1000, self._last_local + 1)
            return self._last_local


class TaggedCache:
    """The cache seen through a set of tags: `cache.tags("users", "posts")`."""

    def __init__(self, cache, names) -> None:
        self.cache = cache
        self.names = tuple(sorted(set(names)))

    def get(self, key, default=None, version=None):
        """The value stored under `key` with these tags, if none of them was invalidated."""
        state, value = self._lookup(self.cache.make_key(key, version))
        return default if state is MISSING else value

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None, *, as_of=None) -> None:
        """Store `value` under these tags. `as_of`: the tag versions (`snapshot()`) read
        before the data behind `value` was; a write committed in between then leaves the
        entry stale at once, instead of being stored as fresh."""
        full = self.cache.make_key(key, version)
        timeout = self.cache.get_redis_timeout(timeout)
        self._store(full, value, self._versions() if as_of is None else as_of, timeout, None)

    def snapshot(self) -> tuple[int, ...]:
        """The tags' current versions, for a later `set(..., as_of=)`."""
        return self._versions()

    def delete(self, key, version=None) -> bool:
        return self.cache.delete(key, version=version)

    def invalidate(self) -> None:
        """Invalidate every entry stored under any of these tags."""
        self.cache.invalidate_tags(*self.names)

    def remember(self, key, ttl: float, fn, *, stale_ttl: float = 0, version=None, keep=None):
        """The cached value of `key`, else `fn()` computed once, cached for `ttl` seconds.

        With `stale_ttl`, the entry is kept `stale_ttl` seconds longer: a reader in that
        window gets the stale value at once while one reader (holding a short Redis lock)
        recomputes it. On a miss, one reader computes while the others wait for its result,
        up to the STAMPEDE_WAIT option, then compute it themselves. With `keep`, a computed
        value is stored only when `keep(value)` is true (an empty result of a filter that any
        caller can vary, say, which would otherwise make one entry per value tried).
        """
        full = self.cache.make_key(key, version)
        state, value = self._lookup(full)
        if state is FRESH:
            return value
        core = self.cache.core
        if state is STALE:
            token = core.locks.acquire(full)
            if token is None:
                core.stats.stampede_stale_served += 1
                return value
            try:
                return self._recompute(full, ttl, stale_ttl, fn, keep)
            finally:
                core.locks.release(full, token)
        deadline = time.monotonic() + core.stampede_wait
        waited = False
        while True:
            token = core.locks.acquire(full)
            if token is not None:
                try:
                    state, value = self._lookup(full, count=False)
                    if state is FRESH:
                        return value
                    return self._recompute(full, ttl, stale_ttl, fn, keep)
                finally:
                    core.locks.release(full, token)
            if not waited:
                core.stats.stampede_lock_waits += 1
                waited = True
            if time.monotonic() >= deadline:
                return self._recompute(full, ttl, stale_ttl, fn, keep)
            time.sleep(WAIT_POLL)
            state, value = self._lookup(full, count=False)
            if state is FRESH:
                return value

    def _versions(self) -> tuple[int, ...]:
        return self.cache.core.tag_versions.current(self.names)

    def _lookup(self, full: str, *, count: bool = True):
        versions = self._versions()
        found, entry = self.cache.core.read(full)
        state = MISSING
        if (
            found
            and isinstance(entry, tuple)
            and len(entry) == 4
            and entry[0] == TAGGED
            and entry[1] == versions
        ):
            state = FRESH if entry[2] is None or time.time() < entry[2] else STALE
        if count:
            stats = self.cache.core.stats
            counter = stats.tag_misses if state is MISSING else stats.tag_hits
            for name in self.names:
                counter[name] += 1
        return state, (entry[3] if state is not MISSING else None)

    def _recompute(self, full: str, ttl: float, stale_ttl: float, fn, keep=None):
        versions = self._versions()  # read before computing: a concurrent bump wins
        value = fn()
        self.cache.core.stats.stampede_recomputes += 1
        if keep is None or keep(value):
            fresh_until = time.time() + ttl if stale_ttl else None
            self._store(full, value, versions, ttl + stale_ttl, fresh_until)
        return value

    def _store(self, full, value, versions, timeout, fresh_until) -> None:
        unwatched = [name for name in self.names if not is_watched_tag(name)]
        if unwatched:
            # Such an entry would never be invalidated: refuse it rather than serve it stale.
            raise ImproperlyConfigured(
                f"Cache tags {unwatched} name models no app declares in `cached_models` "
                "(apps/kernel/declarations.py); writes to them would not invalidate this entry."
            )
        self.cache.core.write(full, (TAGGED, versions, fresh_until, value), timeout)
