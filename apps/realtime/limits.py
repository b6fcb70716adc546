"""Limits every websocket gets, whatever its consumer: per client, per socket, per message.

`WebsocketLimits` wraps the websocket application (config/asgi.py), so each consumer of
each app is covered without opting in:

- a client (address as `apps.realtime.handshake.client_address` reads it) may have at most
  REALTIME["MAX_CONNECTIONS_PER_CLIENT"] sockets open across all server processes; one
  more is refused at the handshake (HTTP 403);
- a message larger than REALTIME["MAX_MESSAGE_BYTES"] closes its socket with 1009;
- a socket may send REALTIME["MESSAGE_BURST"] messages at once and
  REALTIME["MESSAGES_PER_SECOND"] on average (a token bucket); beyond, it is closed with
  1008 (policy violation).

On a violation the consumer first hears a disconnect, so it leaves its groups, and the
client gets the close code after that.
"""

import logging
import time

from channels.layers import get_channel_layer
from django.conf import settings

from apps.realtime.client_connections import client_connections
from apps.realtime.close_codes import MESSAGE_TOO_BIG, POLICY_VIOLATION
from apps.realtime.handshake import client_address

logger = logging.getLogger(__name__)


class WebsocketLimits:
    """ASGI middleware applying the connection cap and the message size and rate limits."""

    def __init__(self, application) -> None:
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            return await self.application(scope, receive, send)
        limits = settings.REALTIME
        counter = client_connections(get_channel_layer())
        address = client_address(scope)
        try:
            slot = await counter.acquire(address, limits["MAX_CONNECTIONS_PER_CLIENT"])
        except Exception:
            # Counting failed (Redis unreachable): serve the socket uncounted rather than
            # refuse every client; the layer itself reports the outage.
            logger.warning("Could not count the websockets of %s", address, exc_info=True)
            slot = None
        else:
            if slot is None:
                logger.info("Websocket refused: %s has too many open", address)
                await receive()  # the websocket.connect event
                await send({"type": "websocket.close"})  # before accept: HTTP 403
                return None
        guard = SocketGuard(
            receive,
            send,
            max_bytes=limits["MAX_MESSAGE_BYTES"],
            rate=limits["MESSAGES_PER_SECOND"],
            burst=limits["MESSAGE_BURST"],
        )
        try:
            return await self.application(scope, guard.receive, guard.send)
        finally:
            await guard.close_after_violation()
            if slot is not None:
                try:
                    await counter.release(slot)
                except Exception:  # the entry expires without heartbeats
                    logger.warning("Could not uncount a websocket of %s", address, exc_info=True)


class SocketGuard:
    """One socket's receive and send, checked against the size and rate limits."""

    def __init__(self, receive, send, *, max_bytes: int, rate: float, burst: int) -> None:
        self._receive = receive
        self._send = send
        self.max_bytes = max_bytes
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self.refilled_at = time.monotonic()
        self.violation: int | None = None
        self.closed = False

    async def receive(self) -> dict:
        if self.violation is not None:
            # The application asks again after its disconnect: close now, then wait for the
            # server's own disconnect event.
            await self.close_after_violation()
            return await self._receive()
        message = await self._receive()
        if message["type"] == "websocket.receive":
            self.violation = self._violation(message)
            if self.violation is not None:
                return {"type": "websocket.disconnect", "code": self.violation}
        return message

    async def send(self, message: dict) -> None:
        if self.violation is not None:
            return  # the socket is closing with the violation's code
        if message["type"] == "websocket.close":
            self.closed = True
        await self._send(message)

    async def close_after_violation(self) -> None:
        if self.violation is None or self.closed:
            return
        self.closed = True
        try:
            await self._send({"type": "websocket.close", "code": self.violation})
        except Exception:  # the client is gone already
            logger.debug("Websocket gone before its close", exc_info=True)

    def _violation(self, message: dict) -> int | None:
        if _size(message) > self.max_bytes:
            return MESSAGE_TOO_BIG
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.refilled_at) * self.rate)
        self.refilled_at = now
        if self.tokens < 1:
            return POLICY_VIOLATION
        self.tokens -= 1
        return None


def _size(message: dict) -> int:
    if (text := message.get("text")) is not None:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(message.get("bytes") or b"")
