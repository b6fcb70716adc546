"""Coherent L1 across processes: evictions broadcast over Redis pub/sub, with acknowledgements.

Every process that uses a cache runs one daemon listener thread (started on first use)
subscribed to the cache's channel and to an acknowledgement channel of its own. A write
publishes the keys it changed (tag versions are keys too) in the same round trip as the
write. Listeners of other processes evict those keys from their L1. For deletes, tag
invalidations and clears the message asks for acknowledgements: each listener, once it has
evicted, publishes the message id to the sender's acknowledgement channel, and the sender
returns when as many acknowledgements arrived as PUBLISH reported receivers (or after
`ack_timeout`). So once `delete()` or `invalidate_tags()` returns, no other subscribed
process still holds the old entry in L1.

A process whose listener is not subscribed (starting, reconnecting) does not use its L1:
it reads through to Redis, and it empties L1 whenever it (re)subscribes, since it may
have missed messages meanwhile.
"""

import itertools
import json
import logging
import threading
import time
import uuid

from redis import ConnectionPool, Redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from apps.caching.l2 import L2_ERRORS

logger = logging.getLogger("apps.caching")

PING_INTERVAL = 2.0
# A subscription that heard nothing (not even its own pings' answers) for this long is
# considered dead, which catches half-open TCP connections.
SILENCE_LIMIT = 3 * PING_INTERVAL


class _Waiter:
    __slots__ = ("acks",)

    def __init__(self) -> None:
        self.acks = 0


class Coherence:
    """The pub/sub side of one cache in this process: publishing evictions, applying others'."""

    def __init__(self, core, *, channel: str, ack_timeout: float) -> None:
        self.core = core
        self.channel = channel
        self.ack_timeout = ack_timeout
        self.subscribed = False
        self.thread: threading.Thread | None = None
        self.reset()

    def reset(self) -> None:
        """Fresh state (also in a forked child, where the parent's thread does not exist)."""
        self.origin = uuid.uuid4().hex[:16]
        self.ack_channel = f"{self.channel}:ack:{self.origin}"
        self.subscribed = False
        self.thread = None
        self._start_lock = threading.Lock()
        self._acked = threading.Condition()
        self._waiters: dict[str, _Waiter] = {}
        self._ids = itertools.count()

    # --- sending --------------------------------------------------------------------------

    def start(self) -> None:
        with self._start_lock:
            if self.thread is None:
                self.thread = threading.Thread(
                    target=self._listen, name=f"keel-cache-coherence-{self.channel}", daemon=True
                )
                self.thread.start()

    def publish(self, pipe, keys=(), *, clear: bool = False, acknowledged: bool = False):
        """Queue the broadcast of an eviction on `pipe`; returns the id to `wait_for`, if any."""
        message_id = None
        if acknowledged:
            message_id = f"{self.origin}-{next(self._ids)}"
            with self._acked:
                self._waiters[message_id] = _Waiter()
        payload = {"o": self.origin, "m": message_id, "k": list(keys), "c": clear}
        pipe.publish(self.channel, json.dumps(payload, separators=(",", ":")))
        return message_id

    def wait_for(self, message_id: str | None, receivers: int | None) -> None:
        """Block until `receivers` listeners acknowledged `message_id`, at most ack_timeout."""
        if message_id is None:
            return
        with self._acked:
            waiter = self._waiters[message_id]
            done = receivers is None or self._acked.wait_for(
                lambda: waiter.acks >= receivers, self.ack_timeout
            )
            del self._waiters[message_id]
        if not done:
            self.core.stats.coherence_ack_timeouts += 1
            logger.warning(
                "cache invalidation acknowledged by %s of %s processes within %ss",
                waiter.acks,
                receivers,
                self.ack_timeout,
            )

    def abandon(self, message_id: str | None) -> None:
        """Forget a message whose publication failed."""
        if message_id is not None:
            with self._acked:
                self._waiters.pop(message_id, None)

    # --- listening ------------------------------------------------------------------------

    def _listener_client(self) -> Redis:
        """A client of its own with retries off: a dropped subscription must raise, not be
        silently re-established with the messages of the gap lost."""
        main = self.core.l2.django_redis.get_client(write=True)
        kwargs = dict(main.connection_pool.connection_kwargs)
        kwargs["retry"] = Retry(NoBackoff(), 0)
        pool = ConnectionPool(connection_class=main.connection_pool.connection_class, **kwargs)
        return Redis(connection_pool=pool)

    def _listen(self) -> None:
        delay = 0.05
        while True:
            client = None
            try:
                client = self._listener_client()
                self._run(client)
            except L2_ERRORS as error:
                self._lost(error)
            except Exception:  # never let the thread die: an unsubscribed L1 is unused
                logger.exception("cache coherence listener failed")
                self._lost(None)
            finally:
                if client is not None:
                    client.connection_pool.disconnect()
            time.sleep(delay)
            delay = min(delay * 2, self.core.l2.retry_interval)

    def _run(self, client: Redis) -> None:
        pubsub = client.pubsub()
        try:
            pubsub.subscribe(self.channel, self.ack_channel)
            last_heard = last_ping = time.monotonic()
            pending_confirmations = 2
            while True:
                message = pubsub.get_message(timeout=0.5)
                now = time.monotonic()
                if message is not None:
                    last_heard = now
                    kind = message["type"]
                    if kind == "message":
                        self._handle(client, message["channel"], message["data"])
                    elif kind == "subscribe":
                        pending_confirmations -= 1
                        if pending_confirmations == 0:
                            self._gained()
                    elif kind == "pong":
                        pass
                if now - last_ping >= PING_INTERVAL:
                    pubsub.ping()
                    last_ping = now
                    self.core.push_stats_if_due(client)
                if now - last_heard > SILENCE_LIMIT:
                    raise ConnectionError("cache coherence subscription went silent")
        finally:
            pubsub.close()

    def _handle(self, client: Redis, channel: bytes, data: bytes) -> None:
        if channel.decode() == self.ack_channel:
            with self._acked:
                waiter = self._waiters.get(data.decode())
                if waiter is not None:
                    waiter.acks += 1
                    self._acked.notify_all()
            return
        payload = json.loads(data)
        stats = self.core.stats
        stats.coherence_messages += 1
        if payload["o"] != self.origin:
            l1 = self.core.l1
            if payload["c"]:
                l1.clear()
            elif payload["k"]:
                l1.delete_many(payload["k"])
                stats.l1_evictions_coherence += len(payload["k"])
        message_id = payload["m"]
        if message_id is None:
            return
        if payload["o"] == self.origin:
            with self._acked:
                waiter = self._waiters.get(message_id)
                if waiter is not None:
                    waiter.acks += 1
                    self._acked.notify_all()
        else:
            client.publish(f"{self.channel}:ack:{payload['o']}", message_id)

    def _gained(self) -> None:
        was = self.subscribed
        # Empty L1 before trusting it: messages sent while we were not subscribed are lost.
        self.core.l1.clear()
        self.subscribed = True
        self.core.refresh_trust()
        if was:
            logger.info("cache coherence listener resubscribed")

    def _lost(self, error: BaseException | None) -> None:
        if self.subscribed:
            logger.warning("cache coherence listener disconnected (%s); L1 unused meanwhile", error)
        self.subscribed = False
        self.core.refresh_trust()
        self.core.l1.clear()
