"""A websocket test client for the live servers: connect as someone, collect messages."""

import json
import time

from django.conf import settings
from django.test import Client
from websockets.sync.client import ClientConnection, connect


def session_cookie_for(user) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def open_post_socket(
    server, post_id: int, *, user=None, origin: str | None = None
) -> ClientConnection:
    headers = {"Cookie": session_cookie_for(user)} if user is not None else {}
    return connect(
        f"{server.ws_url}/ws/posts/{post_id}/",
        origin=origin or server.url,
        additional_headers=headers,
        open_timeout=5,
        proxy=None,
    )


def receive_messages(socket: ClientConnection, *, until: float) -> list[dict]:
    """Every message that arrives within `until` seconds."""
    messages = []
    deadline = time.monotonic() + until
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            messages.append(json.loads(socket.recv(timeout=remaining)))
        except TimeoutError:
            break
    return messages


def receive_until(socket: ClientConnection, marker, *, timeout: float) -> list[dict]:
    """Every message up to and including the first for which `marker(message)` holds.

    Tests of "nothing else arrived" send the marker after the thing that must not arrive,
    on the same path: had it arrived, it would be among the messages before the marker.
    """
    messages = []
    deadline = time.monotonic() + timeout
    while (remaining := deadline - time.monotonic()) > 0:
        messages.append(json.loads(socket.recv(timeout=remaining)))
        if marker(messages[-1]):
            return messages
    raise TimeoutError(f"no marker message within {timeout} s; got {messages}")


def receive_first(socket: ClientConnection, *, message_type: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while (remaining := deadline - time.monotonic()) > 0:
        message = json.loads(socket.recv(timeout=remaining))
        if message["type"] == message_type:
            return message
    raise TimeoutError(f"no {message_type} message within {timeout} s")
