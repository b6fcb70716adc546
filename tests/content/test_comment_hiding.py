"""A hidden comment leaves every read surface at once, caches included, and its post's
live readers are told."""

import json
import urllib.request

import pytest
from django.test import Client
from rest_framework.test import APIClient

from apps.content.services import hide_comment
from tests.accounts.factories import make_user
from tests.content.factories import make_comment, make_post
from tests.websocket_client import open_post_socket, receive_first

pytestmark = pytest.mark.django_db(transaction=True)


def _page(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _graphql_comments(post_id: int) -> dict:
    query = "query($id: ID!) { post(id: $id) { commentCount comments { body } } }"
    response = Client().post(
        "/graphql/",
        json.dumps({"query": query, "variables": {"id": str(post_id)}}),
        content_type="application/json",
    )
    return response.json()["data"]["post"]


def _read_everywhere(post, reader) -> dict:
    api = APIClient()
    page = _page(reader).get(f"/posts/{post.slug}/").text
    feed = _page(reader).get("/").text
    return {
        "page": [body for body in ("Kind words.", "Rude words.") if body in page],
        "feed": "2 comments" in feed,
        "rest comments": [
            c["body"] for c in api.get(f"/api/posts/{post.pk}/comments/").json()["results"]
        ],
        "rest post": api.get(f"/api/posts/{post.pk}/").json()["comment_count"],
        "rest list": api.get("/api/posts/").json()["results"][0]["comment_count"],
        "graphql": _graphql_comments(post.pk),
    }


def test_a_hidden_comment_leaves_every_read_surface_and_every_cache():
    post = make_post(title="Thread", published=True)
    make_comment(post=post, body="Kind words.")
    rude = make_comment(post=post, body="Rude words.")
    reader = make_user()
    # Read once, so every cache holds the thread with both comments.
    before = _read_everywhere(post, reader)

    hide_comment(comment=rude, actor=post.author)

    after = _read_everywhere(post, reader)
    assert before == {
        "page": ["Kind words.", "Rude words."],
        "feed": True,
        "rest comments": ["Kind words.", "Rude words."],
        "rest post": 2,
        "rest list": 2,
        "graphql": {
            "commentCount": 2,
            "comments": [{"body": "Kind words."}, {"body": "Rude words."}],
        },
    }
    assert after == {
        "page": ["Kind words."],
        "feed": False,
        "rest comments": ["Kind words."],
        "rest post": 1,
        "rest list": 1,
        "graphql": {"commentCount": 1, "comments": [{"body": "Kind words."}]},
    }


def _edge_get(server, path: str):
    with urllib.request.urlopen(server.url + path, timeout=10) as response:
        return response.headers["X-Edge-Cache"], json.loads(response.read())


def test_the_edge_forgets_a_thread_whose_comment_is_hidden(wsgi_server):
    post = make_post(published=True)
    rude = make_comment(post=post, body="Rude words.")
    _edge_get(wsgi_server, f"/api/posts/{post.pk}/")
    verdict, cached = _edge_get(wsgi_server, f"/api/posts/{post.pk}/")

    hide_comment(comment=rude, actor=post.author)

    after, fresh = _edge_get(wsgi_server, f"/api/posts/{post.pk}/")
    assert (verdict, cached["comment_count"]) == ("hit", 1)
    assert (after, fresh["comment_count"]) == ("miss", 0)


def test_a_hidden_comment_is_taken_off_the_page_of_its_live_readers(celery_worker, asgi_server):
    post = make_post(published=True)
    rude = make_comment(post=post, body="Rude words.")

    with open_post_socket(asgi_server, post.pk) as socket:
        socket.send('{"type": "ping"}')
        receive_first(socket, message_type="pong", timeout=5)  # joined the post's group
        hide_comment(comment=rude, actor=post.author)

        message = receive_first(socket, message_type="comment.hidden", timeout=15)

    assert message["data"]["comment_id"] == rude.pk
    assert message["data"]["post_id"] == post.pk
    assert "body" not in message["data"]
