"""Tokens on GraphQL: Bearer authentication, and mutations need the `write` scope."""

import pytest
from django.test import Client

from apps.content.models import Post
from apps.tokens.services import revoke_token
from tests.accounts.factories import make_user
from tests.accounts.test_graphql import CREATE_POST, ME, post_json
from tests.content.factories import make_post
from tests.tokens.factories import make_token

pytestmark = pytest.mark.django_db


def test_a_bearer_token_authenticates_graphql_without_csrf():
    user = make_user()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {make_token(user).key}"}
    client = Client(enforce_csrf_checks=True)

    assert post_json(client, ME, **auth).json()["data"]["me"]["email"] == user.email
    created = post_json(client, CREATE_POST, **auth).json()

    assert created["data"]["createPost"]["errors"] == []
    assert Post.objects.filter(author=user).count() == 1


def test_a_read_only_token_queries_but_runs_no_mutation():
    user = make_user()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {make_token(user, scopes=['read']).key}"}

    me = post_json(Client(), ME, **auth).json()
    refused = post_json(Client(), CREATE_POST, **auth).json()

    assert me["data"]["me"]["email"] == user.email
    assert refused["data"]["createPost"] is None
    assert refused["errors"][0]["extensions"]["code"] == "token_scope_missing"
    assert not Post.objects.exists()


def test_a_revoked_token_gets_a_bearer_challenge():
    user = make_user()
    created = make_token(user)
    revoke_token(actor=user, token_id=created.token.pk)

    response = post_json(Client(), ME, HTTP_AUTHORIZATION=f"Bearer {created.key}")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_read_only_token_is_told_it_may_not_change_its_own_post():
    post = make_post(published=True)
    query = f'{{ post(id: "{post.pk}") {{ viewerCanChange }} }}'

    def viewer_can_change(scopes):
        auth = {"HTTP_AUTHORIZATION": f"Bearer {make_token(post.author, scopes=scopes).key}"}
        return post_json(Client(), query, **auth).json()["data"]["post"]["viewerCanChange"]

    assert viewer_can_change(["read", "write"]) is True
    assert viewer_can_change(["read"]) is False
