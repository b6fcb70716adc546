"""The API's read caches: per viewer in the query cache, public ones at the edge."""

import json
import urllib.request

import pytest
from rest_framework.test import APIClient

from apps.accounts.services import issue_api_token
from apps.content.services import publish_post
from tests.accounts.factories import PASSWORD, make_user
from tests.api.rest_client import token_client
from tests.content.factories import make_post

pytestmark = pytest.mark.django_db(transaction=True)


def titles(response) -> list[str]:
    return [post["title"] for post in response.json()["results"]]


def test_a_repeated_list_costs_no_query_at_all(django_assert_num_queries):
    me = make_user()
    make_post(author=me, title="Mine", published=True)
    client = token_client(me)
    first = client.get("/api/posts/")

    with django_assert_num_queries(0):  # the token and the page both come from the cache
        second = client.get("/api/posts/")

    assert second.json() == first.json()


def test_a_write_shows_at_once_in_the_cached_list():
    me = make_user()
    client = token_client(me)
    assert titles(client.get("/api/posts/")) == []

    draft = client.post("/api/posts/", {"title": "Fresh"}, format="json").json()
    assert titles(client.get("/api/posts/")) == ["Fresh"]
    client.post(f"/api/posts/{draft['id']}/publish/")

    assert client.get(f"/api/posts/{draft['id']}/").json()["status"] == "published"
    assert titles(APIClient().get("/api/posts/")) == ["Fresh"]


def test_one_viewers_cached_page_is_never_served_to_another():
    author = make_user()
    make_post(author=author, title="Author's draft")
    make_post(title="Public", published=True)

    as_author = titles(token_client(author).get("/api/posts/"))
    as_other = titles(token_client(make_user()).get("/api/posts/"))
    anonymous = titles(APIClient().get("/api/posts/"))

    assert as_author == ["Public", "Author's draft"]
    assert as_other == ["Public"]
    assert anonymous == ["Public"]


def _get(server, path: str, headers=None):
    request = urllib.request.Request(server.url + path, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.headers["X-Edge-Cache"], json.loads(response.read())


def test_anonymous_api_reads_are_served_by_the_edge_and_follow_writes(wsgi_server):
    post = make_post(title="Edge API", published=True)
    assert _get(wsgi_server, "/api/posts/")[0] == "miss"
    verdict, body = _get(wsgi_server, "/api/posts/")
    assert verdict == "hit"
    assert [p["title"] for p in body["results"]] == ["Edge API"]
    assert _get(wsgi_server, f"/api/posts/{post.pk}/")[0] == "miss"
    assert _get(wsgi_server, f"/api/posts/{post.pk}/")[0] == "hit"

    draft = make_post(title="Second")
    publish_post(post=draft, actor=draft.author)

    verdict, body = _get(wsgi_server, "/api/posts/")
    assert verdict == "miss"
    assert [p["title"] for p in body["results"]] == ["Second", "Edge API"]


def test_token_reads_bypass_the_edge_and_see_their_own_drafts(wsgi_server):
    author = make_user()
    make_post(author=author, title="Only mine")
    _get(wsgi_server, "/api/posts/")
    token = issue_api_token(email=author.email, password=PASSWORD).key

    verdict, body = _get(wsgi_server, "/api/posts/", {"Authorization": f"Token {token}"})
    anonymous_verdict, anonymous = _get(wsgi_server, "/api/posts/")

    assert verdict == "bypass"
    assert [p["title"] for p in body["results"]] == ["Only mine"]
    assert anonymous_verdict == "hit"
    assert anonymous["results"] == []
