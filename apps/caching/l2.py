"""The Redis second level: a django-redis client that fails over instead of raising.

While Redis is unreachable the cache works from L1 alone. `client()` then returns None
until `retry_interval` seconds have passed, so a dead Redis costs one failed attempt per
interval, not one per call. Deletes, tag invalidations, clears and writes made during the
outage are remembered and replayed on Redis (as deletions) before it is used again, so
entries invalidated meanwhile are not served from Redis once it is back.
"""

import logging
import threading
import time
from collections.abc import Callable, Collection, Iterable
from typing import Any

from django_redis.client import DefaultClient
from django_redis.exceptions import ConnectionInterrupted
from redis import Redis
from redis.exceptions import RedisError

logger = logging.getLogger("apps.caching")

# What counts as "Redis is not working": django-redis wraps connection errors in
# ConnectionInterrupted; the raw client raises redis-py's errors; sockets raise OSError.
L2_ERRORS = (ConnectionInterrupted, RedisError, OSError)

# Beyond this many remembered deletions, recovery deletes every key of the cache instead.
MAX_PENDING = 10_000


class RedisLevel:
    """django-redis's client for one cache, with failover state and outage replay."""

    def __init__(
        self,
        server: str,
        params: dict[str, Any],
        backend: Any,
        *,
        retry_interval: float,
        replay: Callable[[Any, Collection[str], Collection[str], bool], None],
    ) -> None:
        self.django_redis = DefaultClient(server, params, backend)
        self.retry_interval = retry_interval
        self.down = False
        # Set by the backend: called after going down, before coming back up, and after
        # every change of `down`.
        self.on_down: Callable[[], None] = lambda: None
        self.on_up: Callable[[], None] = lambda: None
        self.on_change: Callable[[], None] = lambda: None
        self._retry_at = 0.0
        self._lock = threading.Lock()
        self._pending_keys: set[str] = set()
        self._pending_tags: set[str] = set()
        self._pending_clear = False
        # Applies on Redis what changed while it was down: replay(redis, keys, tags, clear).
        self.replay = replay

    def encode(self, value: object) -> bytes | int:
        return self.django_redis.encode(value)

    def decode(self, value: bytes) -> Any:
        return self.django_redis.decode(value)

    def client(self) -> Redis | None:
        """The redis-py client, or None while Redis is down and not yet due for a retry."""
        if self.down and not self._recover():
            return None
        return self.django_redis.get_client(write=True)

    def failed(self, error: BaseException) -> None:
        """Record that a call to Redis failed: switch to L1 alone, warning once."""
        with self._lock:
            self._retry_at = time.monotonic() + self.retry_interval
            if self.down:
                return
            self.down = True
            self.on_change()
        logger.warning(
            "Redis cache unreachable (%s: %s); serving from the in-process cache until it "
            "is back (retrying every %ss)",
            type(error).__name__,
            error,
            self.retry_interval,
        )
        self.on_down()

    def remember(
        self, *, keys: Iterable[str] = (), tags: Iterable[str] = (), clear: bool = False
    ) -> None:
        """Note changes made while Redis is down, to replay on recovery."""
        with self._lock:
            self._pending_keys.update(keys)
            self._pending_tags.update(tags)
            self._pending_clear = self._pending_clear or clear
            if len(self._pending_keys) + len(self._pending_tags) > MAX_PENDING:
                self._pending_clear = True
                self._pending_keys.clear()
                self._pending_tags.clear()

    def _recover(self) -> bool:
        if time.monotonic() < self._retry_at:
            return False
        with self._lock:
            if not self.down:
                return True
            if time.monotonic() < self._retry_at:
                return False
            try:
                redis = self.django_redis.get_client(write=True)
                redis.ping()
                self.replay(redis, self._pending_keys, self._pending_tags, self._pending_clear)
            except L2_ERRORS:
                self._retry_at = time.monotonic() + self.retry_interval
                return False
            self._pending_keys, self._pending_tags = set(), set()
            self._pending_clear = False
            # Entries may have been invalidated while we were away: L1 is emptied before
            # any thread reads through Redis again.
            self.on_up()
            self.down = False
            self.on_change()
        logger.info("Redis cache reachable again; the in-process cache was emptied")
        return True
