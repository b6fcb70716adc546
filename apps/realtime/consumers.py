"""The base of every JSON websocket consumer: strict frames, and groups always left."""

import json
import logging

from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from apps.kernel.errors import DomainError
from apps.realtime.close_codes import INVALID_PAYLOAD, UNSUPPORTED_DATA

logger = logging.getLogger(__name__)


class InvalidFrame(Exception):
    def __init__(self, close_code: int) -> None:
        super().__init__(close_code)
        self.close_code = close_code


class JsonSocketConsumer(AsyncJsonWebsocketConsumer):
    """A consumer of JSON-object text frames that never leaves a socket behind in a group.

    Channels' JSON consumer raises on a binary frame or invalid JSON: the consumer dies
    with a traceback, the socket closes without a code (1005) and its group memberships
    stay in the channel layer until they expire. Here such a frame closes the socket with
    1003 (binary) or 1007 (not JSON, not an object, nested deeper than `max_json_depth`),
    after leaving its groups. Join groups with `join_group`; they are left on every way
    out, a crash of the consumer included. Size and rate limits apply to every socket in
    front of the consumers (`apps.realtime.limits`).

    Domain errors (apps/kernel/errors.py) need no handling in a consumer: raised from
    `connect`, the socket is accepted and closed with the error's `close_code` (4000 + its
    HTTP status: 4403, 4404...), which browsers can read, unlike a refused handshake (1006);
    raised while handling a frame, the client gets `{"type": "error", "code", "message",
    "field"}` and the socket stays open.
    """

    max_json_depth = 32
    # Group names; Channels' consumer makes it a list ([] when the class leaves it None).
    groups: list[str]

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self.leave_groups()

    async def websocket_connect(self, message) -> None:
        try:
            await super().websocket_connect(message)
        except DomainError as error:
            await self.accept()
            await self.close(code=error.close_code)

    async def join_group(self, group: str) -> None:
        await self.channel_layer.group_add(group, self.channel_name)
        # A new list: `groups` may be a class attribute shared by every instance.
        self.groups = [*self.groups, group]

    async def leave_groups(self) -> None:
        groups, self.groups = self.groups, []
        for group in groups:
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except Exception:
                # The membership expires with the layer's group_expiry; say so, once.
                logger.warning("Could not leave websocket group %s", group, exc_info=True)

    async def websocket_disconnect(self, message) -> None:
        await self.leave_groups()
        await super().websocket_disconnect(message)

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        try:
            content = self.parse_frame(text_data)
        except InvalidFrame as invalid:
            await self.leave_groups()
            await self.close(code=invalid.close_code)
            raise StopConsumer from None
        try:
            await self.receive_json(content, **kwargs)
        except DomainError as error:
            await self.send_json(
                {"type": "error", "code": error.code, "message": str(error), "field": error.field}
            )

    def parse_frame(self, text_data: str | None) -> dict:
        if text_data is None:
            raise InvalidFrame(UNSUPPORTED_DATA)
        try:
            content = json.loads(text_data)
        except (ValueError, RecursionError):
            raise InvalidFrame(INVALID_PAYLOAD) from None
        if not isinstance(content, dict) or _nests_deeper_than(content, self.max_json_depth):
            raise InvalidFrame(INVALID_PAYLOAD)
        return content


def _nests_deeper_than(value, limit: int) -> bool:
    """Whether arrays and objects nest more than `limit` levels deep (iterative: no recursion)."""
    stack = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, dict):
            current = current.values()
        elif not isinstance(current, list):
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in current)
    return False
