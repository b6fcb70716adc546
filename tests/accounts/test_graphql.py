"""Who the GraphQL API serves: the `me` query, session and token authentication, CSRF."""

import json

import pytest
from django.test import Client

from apps.accounts.services import issue_api_token, revoke_api_token
from apps.content.models import Post
from tests.accounts.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

URL = "/graphql/"
ME = "{ me { id email name displayName dateJoined } }"
CREATE_POST = """
mutation { createPost(input: {title: "From a script"}) { post { title } errors { code } } }
"""


def post_json(client: Client, query: str, **headers):
    return client.post(
        URL, json.dumps({"query": query}), content_type="application/json", **headers
    )


def test_me_is_null_for_an_anonymous_viewer():
    response = post_json(Client(), ME)

    assert response.status_code == 200
    assert response.json() == {"data": {"me": None}}


def test_me_describes_the_signed_in_user():
    user = make_user(email="ada@example.com", display_name="Ada Lovelace")
    client = Client()
    client.force_login(user)

    response = post_json(client, ME)

    assert response.json() == {
        "data": {
            "me": {
                "id": str(user.pk),
                "email": "ada@example.com",
                "name": "Ada Lovelace",
                "displayName": "Ada Lovelace",
                "dateJoined": user.date_joined.isoformat(),
            }
        }
    }


def test_authors_never_show_their_email():
    response = post_json(Client(), "{ posts { items { author { email } } } }")

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "Cannot query field 'email' on type 'Author'."


def test_token_authentication_works_without_a_csrf_token():
    user = make_user(email="bot@example.com")
    token = issue_api_token(email="bot@example.com", password=PASSWORD)
    client = Client(enforce_csrf_checks=True)

    me = post_json(client, ME, HTTP_AUTHORIZATION=f"Token {token.key}")
    created = post_json(client, CREATE_POST, HTTP_AUTHORIZATION=f"Token {token.key}")

    assert me.status_code == 200
    assert me.json()["data"]["me"]["email"] == "bot@example.com"
    assert created.json() == {
        "data": {"createPost": {"post": {"title": "From a script"}, "errors": []}}
    }
    assert Post.objects.get(author=user).title == "From a script"


def test_an_unknown_token_is_refused_with_401():
    make_user()

    response = post_json(Client(), ME, HTTP_AUTHORIZATION="Token " + "0" * 40)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json() == {"errors": [{"message": "Invalid token."}]}


def test_a_revoked_token_no_longer_works():
    user = make_user(email="gone@example.com")
    token = issue_api_token(email="gone@example.com", password=PASSWORD)
    revoke_api_token(actor=user)

    response = post_json(Client(), ME, HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 401


def test_a_session_post_without_csrf_token_is_refused_and_changes_nothing():
    user = make_user()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    response = post_json(client, CREATE_POST)

    assert response.status_code == 403
    assert response.json()["errors"][0]["message"].startswith("CSRF failed:")
    assert not Post.objects.filter(author=user).exists()


def test_a_session_post_with_the_csrf_token_goes_through():
    user = make_user()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get(URL, HTTP_ACCEPT="text/html")  # GraphiQL sets the CSRF cookie, as in a browser

    response = post_json(client, CREATE_POST, HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)

    assert response.status_code == 200
    assert response.json()["data"]["createPost"]["errors"] == []
    assert Post.objects.filter(author=user).count() == 1


def test_a_session_query_over_get_needs_no_csrf_token():
    user = make_user(email="reader@example.com")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    response = client.get(URL, {"query": "{ me { email } }"}, HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert response.json() == {"data": {"me": {"email": "reader@example.com"}}}
