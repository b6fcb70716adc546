"""Sending to a channel-layer group from synchronous code (Celery tasks, services).

`async_to_sync(layer.group_send)` runs each call in a new event loop, and channels-redis
keeps its connection pools per event loop (closing a loop's pool with the loop): every
send from the worker opened, and then closed, a Redis connection of its own. Here sends to
a Redis layer run on one event loop per process, kept in a daemon thread, so its pool and
connections are reused from send to send. The layer's own group_send still does the work
(its message format, capacity checks and expiry), rather than a copy of it over a
synchronous Redis client that would drift from channels-redis's internals.

The database layer is still called through async_to_sync: it writes the message in the
caller's transaction (it must commit with it), which only the caller's thread can see.
"""

import asyncio
import os
import threading

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels_redis.core import RedisChannelLayer

# A send waits at most this long (the pool's wait and Redis's replies are bounded too).
SEND_TIMEOUT = 30.0


class _SenderLoop:
    """An event loop running forever in a daemon thread of this process."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.loop = asyncio.new_event_loop()
        threading.Thread(
            target=self.loop.run_forever, name="channel-layer-sender", daemon=True
        ).start()

    def run(self, coroutine) -> None:
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        try:
            future.result(SEND_TIMEOUT)
        except TimeoutError:
            future.cancel()
            raise


_sender: _SenderLoop | None = None
_sender_lock = threading.Lock()


def _sender_loop() -> _SenderLoop:
    global _sender
    with _sender_lock:
        # A forked child (Celery's prefork pool) inherits the object but not the thread.
        if _sender is None or _sender.pid != os.getpid():
            _sender = _SenderLoop()
        return _sender


def send_to_group(group: str, message: dict) -> None:
    """Send `message` to every channel in `group` (at most once, per Channels)."""
    layer = get_channel_layer()
    if isinstance(layer, RedisChannelLayer):
        _sender_loop().run(layer.group_send(group, message))
    else:
        async_to_sync(layer.group_send)(group, message)
