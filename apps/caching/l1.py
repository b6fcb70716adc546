"""The in-process first level: an LRU bounded by entry count and bytes, with per-entry TTL."""

import threading
from collections import OrderedDict

from apps.caching.stats import CacheStats

# Tag versions and other small internal values are kept unpickled; count them at this size.
UNPICKLED_ENTRY_BYTES = 64


class L1Cache:
    """A thread-safe LRU of (expires_at, value) where value is usually a pickled blob.

    Times are `time.monotonic()` seconds, passed in by the caller so one clock read serves
    a whole operation. `epoch` grows on every write, eviction and clear: a reader that
    fetched a value from Redis fills L1 with it only if no write happened meanwhile
    (`fill(..., epoch=...)`), so an eviction that raced the fetch is never undone.
    """

    def __init__(self, *, max_entries: int, max_bytes: int, stats: CacheStats) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.stats = stats
        self.epoch = 0
        self.bytes = 0
        self._data: OrderedDict[str, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key: str, now: float):
        """The live value stored under `key` (marking it recently used), else None."""
        with self._lock:
            item = self._data.get(key)
            if item is None:
                return None
            if item[0] <= now:
                self._drop(key, item)
                self.stats.l1_evictions_ttl += 1
                return None
            self._data.move_to_end(key)
            return item[1]

    def expires_at(self, key: str) -> float | None:
        item = self._data.get(key)
        return None if item is None else item[0]

    def set(self, key: str, value: object, expires_at: float) -> None:
        with self._lock:
            self.epoch += 1
            self._store(key, value, expires_at)

    def fill(self, key: str, value: object, expires_at: float, *, epoch: int) -> None:
        """Store a value read from Redis, unless L1 changed since `epoch` was read."""
        with self._lock:
            if self.epoch == epoch:
                self._store(key, value, expires_at)

    def add(self, key: str, value: object, expires_at: float, now: float) -> bool:
        """Store `value` unless a live entry exists; True if stored."""
        with self._lock:
            item = self._data.get(key)
            if item is not None and item[0] > now:
                return False
            self.epoch += 1
            self._store(key, value, expires_at)
            return True

    def setdefault(self, key: str, make, expires_at: float, now: float):
        """The live value under `key`, or `make()` stored there and returned."""
        with self._lock:
            item = self._data.get(key)
            if item is not None and item[0] > now:
                return item[1]
            value = make()
            self.epoch += 1
            self._store(key, value, expires_at)
            return value

    def touch(self, key: str, expires_at: float) -> bool:
        with self._lock:
            item = self._data.get(key)
            if item is None:
                return False
            self._data[key] = (expires_at, item[1])
            return True

    def delete(self, key: str) -> bool:
        with self._lock:
            self.epoch += 1
            item = self._data.get(key)
            if item is None:
                return False
            self._drop(key, item)
            return True

    def delete_many(self, keys) -> int:
        """Drop these keys; how many were present."""
        dropped = 0
        with self._lock:
            self.epoch += 1
            for key in keys:
                item = self._data.get(key)
                if item is not None:
                    self._drop(key, item)
                    dropped += 1
        return dropped

    def clear(self) -> None:
        with self._lock:
            self.epoch += 1
            self._data.clear()
            self.bytes = 0

    def incr(self, key: str, delta: int, now: float, *, encode, decode) -> int:
        """Add `delta` to a live value atomically (L1-only mode); ValueError if missing."""
        with self._lock:
            item = self._data.get(key)
            if item is None or item[0] <= now:
                raise ValueError(f"Key '{key}' not found")
            value = decode(item[1]) + delta
            self.epoch += 1
            self._store(key, encode(value), item[0])
            return value

    def _store(self, key: str, value: object, expires_at: float) -> None:
        size = len(value) if isinstance(value, bytes) else UNPICKLED_ENTRY_BYTES
        old = self._data.pop(key, None)
        if old is not None:
            self.bytes -= _size(old[1])
        if size > self.max_bytes:
            return
        self._data[key] = (expires_at, value)
        self.bytes += size
        while len(self._data) > self.max_entries or self.bytes > self.max_bytes:
            _, (_, evicted) = self._data.popitem(last=False)
            self.bytes -= _size(evicted)
            self.stats.l1_evictions_size += 1

    def _drop(self, key: str, item: tuple[float, object]) -> None:
        del self._data[key]
        self.bytes -= _size(item[1])


def _size(value: object) -> int:
    return len(value) if isinstance(value, bytes) else UNPICKLED_ENTRY_BYTES
