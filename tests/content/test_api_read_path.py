"""The lean REST read path: presenters, counted queries and orjson show what DRF showed."""

import json

import pytest
from django.test import RequestFactory
from rest_framework.test import APIClient

from apps.content import selectors
from apps.content.api.serializers import PostSerializer
from tests.accounts.factories import make_user
from tests.api.rest_client import PROBLEM, token_client
from tests.content.factories import make_comment, make_post

pytestmark = pytest.mark.django_db


def serialized(post_id: int, viewer) -> dict:
    """What DRF's PostSerializer, which the OpenAPI schema describes, makes of a post."""
    post = selectors.post_for_viewer(viewer, pk=post_id)
    request = RequestFactory().get("/api/posts/")
    return json.loads(json.dumps(PostSerializer(post, context={"request": request}).data))


def test_list_and_detail_show_exactly_what_the_schema_serializer_shows():
    named = make_user(display_name="Ann")
    unnamed = make_user(email="bo.smith@example.com")
    tagged = make_post(author=named, title="Tagged", tags=["zeta", "alpha", "mid"], published=True)
    make_comment(post=tagged)
    make_comment(post=tagged)
    bare = make_post(author=unnamed, title="Bare", body="", published=True)
    draft = make_post(author=named, title="Draft", tags=["wip"])
    client = token_client(named)

    listed = client.get("/api/posts/").json()["results"]
    details = [client.get(f"/api/posts/{post.pk}/").json() for post in (draft, bare, tagged)]

    expected = [serialized(post.pk, named) for post in (draft, bare, tagged)]
    assert listed == expected
    assert details == expected
    assert [post["author"]["name"] for post in listed] == ["Ann", "bo.smith", "Ann"]
    assert [post["tags"] for post in listed] == [["wip"], [], ["alpha", "mid", "zeta"]]
    assert [post["comment_count"] for post in listed] == [0, 0, 2]


def test_comment_counts_stay_exact_when_filtering_by_tag():
    post = make_post(title="Counted", tags=["django", "web"], published=True)
    other = make_post(title="Other", tags=["django"], published=True)
    for _ in range(3):
        make_comment(post=post)
    make_comment(post=other)

    response = APIClient().get("/api/posts/", {"tag": "django"})

    assert [(p["title"], p["comment_count"]) for p in response.json()["results"]] == [
        ("Other", 1),
        ("Counted", 3),
    ]


def test_detail_costs_one_query_and_two_more_for_a_new_token(django_assert_num_queries):
    post = make_post(tags=["a", "b"], published=True)
    make_comment(post=post)
    anonymous, with_token = APIClient(), token_client(make_user())

    # The post with its author, comment count and tag names.
    with django_assert_num_queries(1):
        first = anonymous.get(f"/api/posts/{post.pk}/")
    # Plus the token lookup and the token's use (written at most once a minute).
    with django_assert_num_queries(3):
        second = with_token.get(f"/api/posts/{post.pk}/")

    assert first.json() == second.json()
    assert (first.json()["tags"], first.json()["comment_count"]) == (["a", "b"], 1)


def test_an_empty_page_costs_one_query(django_assert_num_queries):
    make_post(title="Untagged", published=True)

    with django_assert_num_queries(1):
        response = APIClient().get("/api/posts/", {"tag": "nothing-here"})

    assert response.json() == {"next": None, "previous": None, "results": []}


def test_json_is_compact_utf8_with_js_line_separators_escaped():
    post = make_post(title="Café ünïcode", body="one\u2028two\u2029three", published=True)

    response = APIClient().get(f"/api/posts/{post.pk}/")

    assert response["Content-Type"] == "application/json"
    assert '"title":"Café ünïcode"'.encode() in response.content
    assert b'"body":"one\\u2028two\\u2029three"' in response.content
    assert response.json()["body"] == "one\u2028two\u2029three"


@pytest.mark.django_db(transaction=True)
def test_a_cached_read_answers_the_same_bytes_and_an_indented_one_is_still_indented(
    django_assert_num_queries,
):
    post = make_post(title="Cached café", body="one\u2028two", tags=["x"], published=True)
    client = token_client(make_user())
    path = f"/api/posts/{post.pk}/"

    computed = client.get(path)
    indented = client.get(path, HTTP_ACCEPT="application/json; indent=2")
    with django_assert_num_queries(0):
        cached = client.get(path)
        indented_again = client.get(path, HTTP_ACCEPT="application/json; indent=2")

    assert cached.content == computed.content
    assert b'"body":"one\\u2028two"' in cached.content
    assert indented.content.startswith(b'{\n  "id": ')
    assert indented_again.content == indented.content
    assert json.loads(indented.content) == computed.json()


def test_indented_json_is_still_served_when_asked_for():
    post = make_post(title="Pretty", published=True)

    response = APIClient().get(f"/api/posts/{post.pk}/", HTTP_ACCEPT="application/json; indent=2")

    assert response.content.startswith(b'{\n  "id": ')
    assert response.json()["title"] == "Pretty"


def test_problems_keep_their_content_type_and_body():
    draft = make_post(title="Hidden")

    response = APIClient().get(f"/api/posts/{draft.pk}/")

    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.content == (
        b'{"type":"urn:keel:problem:post_not_found","title":"Post not found","status":404,'
        b'"detail":"No such post.","code":"post_not_found"}'
    )
