"""How many websockets each client has open, counted across every server process."""

import asyncio
import logging
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass

from channels_redis.core import RedisChannelLayer

logger = logging.getLogger(__name__)

# An open socket's entry lives this long unless its process refreshes it, every HEARTBEAT
# seconds: the entries of a process that crashed fall out after at most TTL seconds.
TTL = 60
HEARTBEAT = TTL / 3

# Drop expired entries, then take a slot if the client is under its limit (atomically, so
# concurrent handshakes of one client cannot all slip under it).
_ACQUIRE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then
    return 0
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""


@dataclass(frozen=True)
class Slot:
    """One open socket of one client."""

    key: str
    member: str


class RedisClientConnections:
    """Counts in the channel layer's Redis: a sorted set per client address, a member per
    open socket, scored with the time the entry expires unless its process refreshes it.
    """

    def __init__(self, layer: RedisChannelLayer) -> None:
        self.layer = layer
        self.open: dict[str, set[str]] = defaultdict(set)
        self._heartbeat: asyncio.Task | None = None

    async def acquire(self, address: str, limit: int) -> Slot | None:
        key = f"{self.layer.prefix}:clients:{address}"
        member = uuid.uuid4().hex
        now = time.time()
        taken = await self._redis(key).eval(
            _ACQUIRE, 1, key, now, now + TTL, member, limit, TTL + 1
        )
        if not taken:
            return None
        self.open[key].add(member)
        if self._heartbeat is None or self._heartbeat.done():
            self._heartbeat = asyncio.get_running_loop().create_task(self._refresh_forever())
        return Slot(key, member)

    async def release(self, slot: Slot) -> None:
        members = self.open.get(slot.key)
        if members is not None:
            members.discard(slot.member)
            if not members:
                del self.open[slot.key]
        await self._redis(slot.key).zrem(slot.key, slot.member)

    def _redis(self, key: str):
        return self.layer.connection(self.layer.consistent_hash(key))

    async def _refresh_forever(self) -> None:
        while self.open:
            await asyncio.sleep(HEARTBEAT)
            expires = time.time() + TTL
            for key, members in list(self.open.items()):
                if not members:
                    continue
                try:
                    redis = self._redis(key)
                    # XX: never bring back an entry released meanwhile.
                    await redis.zadd(key, dict.fromkeys(members, expires), xx=True)
                    await redis.expire(key, TTL + 1)
                except Exception:
                    logger.warning("Could not refresh websocket counts of %s", key, exc_info=True)


class LocalClientConnections:
    """Counts in this process, for the embedded default (one web process, no Redis)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    async def acquire(self, address: str, limit: int) -> Slot | None:
        if self.counts[address] >= limit:
            return None
        self.counts[address] += 1
        return Slot(address, "")

    async def release(self, slot: Slot) -> None:
        self.counts[slot.key] -= 1
        if self.counts[slot.key] <= 0:
            del self.counts[slot.key]


_counters: dict[int, RedisClientConnections | LocalClientConnections] = {}


def client_connections(layer) -> RedisClientConnections | LocalClientConnections:
    """The counter that goes with a channel layer (layers live as long as the process)."""
    if id(layer) not in _counters:
        if isinstance(layer, RedisChannelLayer):
            _counters[id(layer)] = RedisClientConnections(layer)
        else:
            _counters[id(layer)] = LocalClientConnections()
    return _counters[id(layer)]
