"""Tokens on websockets: `Authorization: Bearer` on the handshake, against a live ASGI server."""

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from apps.tokens.services import revoke_token
from tests.accounts.factories import make_user
from tests.content.factories import make_post
from tests.tokens.factories import make_token
from tests.websocket_client import receive_first

pytestmark = pytest.mark.django_db(transaction=True)


def _open(server, post_id: int, key: str):
    return connect(
        f"{server.ws_url}/ws/posts/{post_id}/",
        origin=server.url,
        additional_headers={"Authorization": f"Bearer {key}"},
        open_timeout=5,
        proxy=None,
    )


def test_a_bearer_token_follows_its_users_draft_and_no_one_elses(asgi_server):
    draft = make_post()
    author_key = make_token(draft.author, scopes=["read"]).key
    other_key = make_token(make_user(), scopes=["read"]).key

    with _open(asgi_server, draft.pk, author_key) as socket:
        socket.send('{"type": "ping"}')
        assert receive_first(socket, message_type="pong", timeout=5) == {"type": "pong"}

    with _open(asgi_server, draft.pk, other_key) as socket, pytest.raises(ConnectionClosed):
        socket.recv(timeout=5)
    assert socket.close_code == 4404


def test_a_revoked_token_is_refused_at_the_handshake(asgi_server):
    post = make_post(published=True)
    created = make_token(make_user())
    revoke_token(actor=created.token.user, token_id=created.token.pk)

    with pytest.raises(InvalidStatus) as refused:
        _open(asgi_server, post.pk, created.key)

    assert refused.value.response.status_code == 403
