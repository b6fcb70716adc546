"""Who may open a post's websocket, checked against a live ASGI server."""

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.accounts.factories import make_user
from tests.content.factories import make_post
from tests.websocket_client import open_post_socket, receive_first

pytestmark = pytest.mark.django_db(transaction=True)


def _close_code(server, post_id, **kwargs) -> int:
    """The code the server closes the socket with, right after the handshake."""
    with open_post_socket(server, post_id, **kwargs) as socket, pytest.raises(ConnectionClosed):
        socket.recv(timeout=5)
    return socket.close_code


def test_anyone_may_follow_a_published_post(asgi_server):
    post = make_post(published=True)
    with open_post_socket(asgi_server, post.pk) as socket:
        socket.send('{"type": "ping"}')
        assert receive_first(socket, message_type="pong", timeout=5) == {"type": "pong"}


def test_a_draft_is_followed_by_its_author_only(asgi_server):
    draft = make_post()
    with open_post_socket(asgi_server, draft.pk, user=draft.author) as socket:
        socket.send('{"type": "ping"}')
        assert receive_first(socket, message_type="pong", timeout=5) == {"type": "pong"}

    assert _close_code(asgi_server, draft.pk) == 4403
    assert _close_code(asgi_server, draft.pk, user=make_user()) == 4403


def test_missing_post_is_closed_as_forbidden_and_a_foreign_origin_is_refused(asgi_server):
    post = make_post(published=True)
    assert _close_code(asgi_server, 999_999) == 4403

    with pytest.raises(InvalidStatus) as refused:
        open_post_socket(asgi_server, post.pk, origin="https://evil.example")
    assert refused.value.response.status_code == 403
