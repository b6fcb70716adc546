"""Websockets: `Authorization: Bearer <token>` on the handshake authenticates the socket.

For clients that can set headers (scripts, services). Browsers cannot set headers on a
websocket; their pages use the session cookie, as before. Declared in
settings.REALTIME["AUTHENTICATORS"] and wired by config/asgi.py inside the session
middleware, so a token overrides the session's user.
"""

from channels.db import database_sync_to_async

from apps.realtime.handshake import header
from apps.tokens.authentication import InvalidToken, authenticate_token


class BearerTokenMiddleware:
    def __init__(self, application) -> None:
        self.application = application

    async def __call__(self, scope, receive, send):
        value = header(scope, "authorization") or ""
        keyword, _, key = value.partition(" ")
        if scope["type"] == "websocket" and keyword.lower() in ("bearer", "token") and key:
            try:
                user, _token = await database_sync_to_async(authenticate_token)(key.strip())
            except InvalidToken:
                await receive()  # the websocket.connect event
                await send({"type": "websocket.close"})  # before accept: HTTP 403
                return None
            scope = dict(scope, user=user)
        return await self.application(scope, receive, send)
