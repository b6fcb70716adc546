"""Tokens over REST: Bearer authentication, scopes, expiry, revocation, each user's own."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.tokens.models import PersonalAccessToken, TokenUse
from apps.tokens.services import revoke_token
from tests.accounts.factories import make_user
from tests.api.rest_client import PROBLEM
from tests.tokens.factories import bearer_client, make_token

pytestmark = pytest.mark.django_db


def test_a_bearer_token_authenticates_rest_requests():
    user = make_user()
    client = bearer_client(make_token(user).key)

    assert client.get("/api/me/").json()["email"] == user.email
    created = client.post("/api/posts/", {"title": "By token"}, format="json")
    assert created.status_code == 201


def test_a_read_only_token_reads_but_changes_nothing():
    user = make_user()
    client = bearer_client(make_token(user, scopes=["read"]).key)

    assert client.get("/api/posts/").status_code == 200
    refused = client.post("/api/posts/", {"title": "By token"}, format="json")

    assert refused.status_code == 403
    assert refused["Content-Type"] == PROBLEM
    assert "write" in refused.json()["detail"]
    assert client.delete("/api/auth/token/").status_code == 403
    assert PersonalAccessToken.objects.get(user=user).revoked_at is None


@pytest.mark.parametrize("how", ["expired", "revoked", "unknown"])
def test_expired_revoked_and_unknown_tokens_get_a_401_bearer_challenge(how):
    user = make_user()
    created = make_token(user)
    key = created.key
    if how == "expired":
        PersonalAccessToken.objects.filter(pk=created.token.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
    elif how == "revoked":
        revoke_token(actor=user, token_id=created.token.pk)
    else:
        key = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")

    response = bearer_client(key).get("/api/posts/")

    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response["WWW-Authenticate"] == "Bearer"


def test_the_endpoints_list_create_and_revoke_ones_own_tokens_only():
    owner, other = make_user(), make_user()
    theirs = make_token(other, name="theirs")
    client = APIClient()
    client.force_authenticate(owner)

    created = client.post(
        "/api/tokens/", {"name": "deploys", "scopes": ["read"]}, format="json"
    ).json()
    listed = client.get("/api/tokens/").json()

    assert created["token"].startswith(created["prefix"] + "_")
    assert [token["name"] for token in listed] == ["deploys"]
    assert "token" not in listed[0]
    assert "secret_hash" not in listed[0]
    assert client.delete(f"/api/tokens/{theirs.token.pk}/").status_code == 404
    assert bearer_client(theirs.key).get("/api/me/").status_code == 200
    assert client.delete(f"/api/tokens/{created['id']}/").status_code == 204
    assert bearer_client(created["token"]).get("/api/me/").status_code == 401


def test_creating_a_token_refuses_unknown_scopes():
    client = APIClient()
    client.force_authenticate(make_user())

    response = client.post("/api/tokens/", {"name": "x", "scopes": ["admin"]}, format="json")

    assert response.status_code == 422
    assert not PersonalAccessToken.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_warm_lookup_costs_no_query_and_use_is_recorded_once_a_minute(
    django_assert_num_queries,
):
    user = make_user()
    created = make_token(user)
    client = bearer_client(created.key)
    assert client.get("/api/me/").status_code == 200
    first_use = TokenUse.objects.get(token_id=created.token.pk).last_used_at

    with django_assert_num_queries(0):  # the token and its user come from the cache
        assert client.get("/api/me/").status_code == 200

    assert TokenUse.objects.get(token_id=created.token.pk).last_used_at == first_use
    revoke_token(actor=user, token_id=created.token.pk)
    assert client.get("/api/me/").status_code == 401
