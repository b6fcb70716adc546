"""Short recompute locks for stampede protection: SET NX PX in Redis, in-process without it."""

import threading
import time
import uuid

from redis.commands.core import Script

from apps.caching.l2 import L2_ERRORS

# Deletes the lock only if it still holds our token: an expired lock taken over by another
# process must not be released by the first holder finishing late.
RELEASE_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RecomputeLocks:
    """One lock per cache key; a holder that dies loses it after `ttl` seconds."""

    def __init__(self, core, *, ttl: float) -> None:
        self.core = core
        self.ttl = ttl
        self._local: dict[str, tuple[str, float]] = {}
        self._local_lock = threading.Lock()
        self._release: Script | None = None

    def acquire(self, key: str) -> str | None:
        """A token if this caller now holds the lock on `key`, else None."""
        token = uuid.uuid4().hex
        redis = self.core.redis()
        if redis is not None:
            try:
                if redis.set(self._lock_key(key), token, nx=True, px=int(self.ttl * 1000)):
                    return "r" + token
                return None
            except L2_ERRORS as error:
                self.core.l2.failed(error)
        now = time.monotonic()
        with self._local_lock:
            held = self._local.get(key)
            if held is not None and held[1] > now:
                return None
            self._local[key] = (token, now + self.ttl)
        return "l" + token

    def held(self, key: str) -> bool:
        redis = self.core.redis()
        if redis is not None:
            try:
                return bool(redis.exists(self._lock_key(key)))
            except L2_ERRORS as error:
                self.core.l2.failed(error)
        held = self._local.get(key)
        return held is not None and held[1] > time.monotonic()

    def release(self, key: str, token: str) -> None:
        if token[0] == "l":
            with self._local_lock:
                held = self._local.get(key)
                if held is not None and held[0] == token[1:]:
                    del self._local[key]
            return
        redis = self.core.redis()
        if redis is None:
            return  # Redis went down meanwhile; the lock expires by itself
        try:
            if self._release is None:
                self._release = redis.register_script(RELEASE_SCRIPT)
            self._release(keys=[self._lock_key(key)], args=[token[1:]], client=redis)
        except L2_ERRORS as error:
            self.core.l2.failed(error)

    def _lock_key(self, key: str) -> str:
        return f"{self.core.key_prefix}:caching:lock:{key}"
