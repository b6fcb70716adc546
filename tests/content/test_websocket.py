"""Who may open a post's websocket, checked against a live ASGI server."""

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from apps.accounts.services import create_account
from tests.accounts.factories import PASSWORD, make_user
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

    assert _close_code(asgi_server, draft.pk) == 4404
    assert _close_code(asgi_server, draft.pk, user=make_user()) == 4404


def test_missing_post_is_closed_as_not_found_and_a_foreign_origin_is_refused(asgi_server):
    post = make_post(published=True)
    assert _close_code(asgi_server, 999_999) == 4404

    with pytest.raises(InvalidStatus) as refused:
        open_post_socket(asgi_server, post.pk, origin="https://evil.example")
    assert refused.value.response.status_code == 403


def test_a_superuser_follows_no_draft_of_someone_else_as_the_page_shows_none(asgi_server, client):
    draft = make_post()
    superuser = create_account(
        email="root@example.com", password=PASSWORD, is_staff=True, is_superuser=True
    )
    client.force_login(superuser)

    # The page, the API and the socket answer alike: the draft is missing for them.
    assert client.get(f"/posts/{draft.slug}/").status_code == 404
    assert client.get(f"/api/posts/{draft.pk}/").status_code == 404
    assert _close_code(asgi_server, draft.pk, user=superuser) == 4404
