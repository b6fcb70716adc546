"""The edge cache, through a live WSGI server: fast for the public, never a leak."""

import urllib.error
import urllib.request

import pytest

from apps.content.services import publish_post
from tests.accounts.factories import make_user
from tests.content.factories import make_post
from tests.live import wait_until
from tests.websocket_client import session_cookie_for

pytestmark = pytest.mark.django_db(transaction=True)


def fetch(server, path: str, *, user=None, method: str = "GET", headers=None):
    """(status, X-Edge-Cache, body) of one request, as `user` when given."""
    request = urllib.request.Request(server.url + path, method=method, headers=headers or {})
    if user is not None:
        request.add_header("Cookie", session_cookie_for(user))
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers["X-Edge-Cache"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["X-Edge-Cache"], error.read().decode()


def test_the_public_feed_is_served_from_the_edge_on_the_second_visit(wsgi_server):
    make_post(title="Edge news", published=True)

    first = fetch(wsgi_server, "/")
    second = fetch(wsgi_server, "/")

    assert (first[0], first[1]) == (200, "miss")
    assert (second[0], second[1]) == (200, "hit")
    assert second[2] == first[2]
    assert "Edge news" in second[2]


def test_a_write_invalidates_the_stored_page_at_once(wsgi_server):
    make_post(title="Before", published=True)
    fetch(wsgi_server, "/")
    assert fetch(wsgi_server, "/")[1] == "hit"

    draft = make_post(title="Hot off the press")
    publish_post(post=draft, actor=draft.author)

    status, verdict, body = fetch(wsgi_server, "/")
    assert (status, verdict) == (200, "miss")
    assert "Hot off the press" in body


def test_a_signed_in_page_is_never_stored_nor_served_to_others(wsgi_server):
    author = make_user(display_name="Secretive Sam")
    draft = make_post(author=author, title="Secret draft of Sam")

    own = fetch(wsgi_server, f"/posts/{draft.slug}/", user=author)
    own_feed = fetch(wsgi_server, "/", user=author)
    anonymous_draft = fetch(wsgi_server, f"/posts/{draft.slug}/")
    stranger_draft = fetch(wsgi_server, f"/posts/{draft.slug}/", user=make_user())
    anonymous_feed = fetch(wsgi_server, "/")
    anonymous_feed_again = fetch(wsgi_server, "/")

    assert (own[0], own[1]) == (200, "bypass")
    assert "Secret draft of Sam" in own[2]
    assert own_feed[1] == "bypass"
    assert "Secretive Sam" in own_feed[2]  # the signed-in header names the author
    assert (anonymous_draft[0], stranger_draft[0]) == (404, 404)
    for _status, _verdict, body in (anonymous_draft, stranger_draft, anonymous_feed):
        assert "Secret draft of Sam" not in body
    assert "Secretive Sam" not in anonymous_feed[2]
    assert "Secretive Sam" not in anonymous_feed_again[2]


def test_a_draft_published_later_appears_to_the_public_only_then(wsgi_server):
    draft = make_post(title="Embargoed")
    public_path = "/"
    assert "Embargoed" not in fetch(wsgi_server, public_path)[2]
    assert fetch(wsgi_server, public_path)[1] == "hit"

    publish_post(post=draft, actor=draft.author)

    assert wait_until(lambda: "Embargoed" in fetch(wsgi_server, public_path)[2], timeout=5)


def test_responses_that_set_cookies_or_did_not_opt_in_are_not_stored(wsgi_server):
    # The sign-in page sets the CSRF cookie; the health check never opted in.
    for path in ("/accounts/signin/", "/healthz"):
        assert fetch(wsgi_server, path)[1] == "miss"
        assert fetch(wsgi_server, path)[1] == "miss"


def test_head_is_answered_from_a_stored_get(wsgi_server):
    make_post(title="Headline", published=True)
    fetch(wsgi_server, "/")
    status, verdict, body = fetch(wsgi_server, "/", method="HEAD")
    assert (status, verdict, body) == (200, "hit", "")


def test_token_requests_bypass_the_edge(wsgi_server):
    make_post(title="API post", published=True)
    _status, verdict, _ = fetch(wsgi_server, "/", headers={"Authorization": "Token nonsense"})
    assert verdict == "bypass"


def test_a_page_stored_by_one_server_process_is_served_by_another(wsgi_server, tmp_path):
    from tests.live import WsgiServer

    make_post(title="Shared", published=True)
    # Behind one address, as in production: both processes see the same Host.
    same_host = {"Host": "localhost"}
    assert fetch(wsgi_server, "/", headers=same_host)[1] == "miss"
    other = WsgiServer(log_path=tmp_path / "other.log").start()
    try:
        status, verdict, body = fetch(other, "/", headers=same_host)
    finally:
        other.stop()

    assert (status, verdict) == (200, "hit")
    assert "Shared" in body
