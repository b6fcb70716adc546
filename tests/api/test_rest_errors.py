"""Every REST error is an RFC 9457 problem, with the status its cause deserves."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.test import APIClient

from apps.api.problems import problem_exception_handler
from apps.content.models import Post
from tests.accounts.factories import make_user
from tests.api.rest_client import PROBLEM, token_client
from tests.content.factories import make_post

pytestmark = pytest.mark.django_db


def test_missing_post_is_a_404_problem():
    response = APIClient().get("/api/posts/999999/")

    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.json() == {
        "type": "urn:keel:problem:post_not_found",
        "title": "Post not found",
        "status": 404,
        "detail": "No such post.",
        "code": "post_not_found",
    }


def test_anonymous_write_is_a_401_problem_with_a_token_challenge():
    response = APIClient().post("/api/posts/", {"title": "Hello"}, format="json")

    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json() == {
        "type": "about:blank",
        "title": "Unauthorized",
        "status": 401,
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
    }


def test_unknown_token_is_a_401_problem():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = client.get("/api/posts/")

    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response.json()["detail"] == "Invalid token."
    assert response.json()["code"] == "authentication_failed"


def test_editing_someone_elses_post_is_a_403_problem():
    post = make_post(published=True)
    client = token_client(make_user())

    response = client.patch(f"/api/posts/{post.pk}/", {"title": "Mine now"}, format="json")

    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    assert response.json() == {
        "type": "urn:keel:problem:not_post_author",
        "title": "Not the author of the post",
        "status": 403,
        "detail": "Only the author of a post may change it.",
        "code": "not_post_author",
    }


def test_put_is_a_405_problem():
    post = make_post(published=True)
    client = token_client(post.author)

    response = client.put(f"/api/posts/{post.pk}/", {"title": "Replaced"}, format="json")

    assert response.status_code == 405
    assert response["Content-Type"] == PROBLEM
    assert response.json()["detail"] == 'Method "PUT" not allowed.'
    assert response.json()["code"] == "method_not_allowed"
    assert "PUT" not in response["Allow"]


def test_malformed_json_is_a_400_problem_and_saves_nothing():
    author = make_user()
    client = token_client(author)

    response = client.post(
        "/api/posts/", data='{"title": "Unclosed', content_type="application/json"
    )

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json()["title"] == "Bad Request"
    assert response.json()["code"] == "parse_error"
    assert response.json()["detail"] == "The body is not valid JSON."
    assert not Post.objects.filter(author=author).exists()


def test_a_json_body_in_another_declared_charset_is_read():
    client = token_client(make_user())
    body = '{"title": "Café crème"}'.encode("latin-1")

    response = client.post(
        "/api/posts/", data=body, content_type="application/json; charset=latin-1"
    )

    assert response.status_code == 201
    assert response.json()["title"] == "Café crème"


def test_a_body_that_is_not_utf_8_is_a_400_problem():
    client = token_client(make_user())

    response = client.post(
        "/api/posts/", data=b'{"title": "\xff"}', content_type="application/json"
    )

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "parse_error"
    assert response.json()["detail"] == "The body is not UTF-8."


def test_a_form_body_is_a_415_problem_naming_json():
    client = token_client(make_user())

    response = client.post("/api/posts/", data="title=Hello", content_type="text/plain")

    assert response.status_code == 415
    assert response["Content-Type"] == PROBLEM
    assert response["Accept-Post"] == "application/json"
    assert response.json()["detail"] == (
        'Unsupported media type "text/plain" in request. Send the body as application/json.'
    )
    assert response.json()["code"] == "unsupported_media_type"


def test_invalid_input_lists_every_field_with_its_code():
    client = token_client(make_user())

    response = client.post("/api/posts/", {"body": 7, "tags": "django"}, format="json")

    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert response.json() == {
        "type": "urn:keel:problem:invalid",
        "title": "Invalid input",
        "status": 422,
        "detail": "The request has 2 invalid values; see errors.",
        "code": "invalid",
        "errors": [
            {"field": "title", "message": "This field is required.", "code": "required"},
            {
                "field": "tags",
                "message": 'Expected a list of items but got type "str".',
                "code": "not_a_list",
            },
        ],
    }


def test_an_invalid_item_of_a_list_is_named_by_its_index():
    client = token_client(make_user())

    response = client.post(
        "/api/posts/", {"title": "Tagged", "tags": ["ok", {"a": 1}]}, format="json"
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "tags.1", "message": "Not a valid string.", "code": "invalid"}
    ]


def test_a_broken_content_rule_is_a_422_problem_on_its_field():
    client = token_client(make_user())

    response = client.post("/api/posts/", {"title": "   "}, format="json")

    assert response.status_code == 422
    assert response.json() == {
        "type": "urn:keel:problem:invalid_content",
        "title": "Invalid content",
        "status": 422,
        "detail": "A title is required.",
        "code": "invalid_content",
        "errors": [
            {"field": "title", "message": "A title is required.", "code": "invalid_content"}
        ],
    }


def test_a_bad_cursor_is_a_404_problem():
    response = APIClient().get("/api/posts/", {"cursor": "garbage"})

    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.json()["detail"] == "Invalid cursor"


def test_an_unknown_api_address_is_a_404_problem():
    response = APIClient().get("/api/no-such-thing/")

    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.json()["status"] == 404


def test_django_errors_keep_their_status():
    not_found = problem_exception_handler(Http404("No Post matches the given query."), {})
    forbidden = problem_exception_handler(PermissionDenied(), {})

    assert (not_found.status_code, not_found.data["code"]) == (404, "not_found")
    assert not_found.data["detail"] == "Not found."
    assert (forbidden.status_code, forbidden.data["code"]) == (403, "permission_denied")
    assert forbidden.content_type == PROBLEM


def test_an_unexpected_error_is_left_to_the_500_handler():
    assert problem_exception_handler(RuntimeError("boom"), {}) is None
    assert problem_exception_handler(exceptions.Throttled(wait=3), {}).status_code == 429
