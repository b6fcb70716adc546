"""The /tokens/ page and the admin: the secret shown once, each user's own tokens only."""

import pytest
from django.test import Client

from apps.accounts.services import create_account
from apps.tokens.models import PersonalAccessToken
from tests.accounts.factories import PASSWORD, make_user
from tests.tokens.factories import make_token

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_shows_a_new_token_once_then_only_its_prefix():
    user = make_user()
    client = signed_in(user)

    created = client.post("/tokens/", {"name": "laptop", "scopes": ["read"]})
    token = PersonalAccessToken.objects.get(user=user)
    shown = created.content.decode()
    key = shown.split("data-token>", 1)[1].split("<", 1)[0]
    later = client.get("/tokens/").content.decode()

    assert created.status_code == 200
    assert created["Cache-Control"] == "no-store"
    assert key.startswith(token.prefix + "_")
    assert token.prefix in later
    assert key not in later
    assert Client().get("/tokens/").status_code == 302  # sign in first


def test_the_page_refuses_bad_input_next_to_the_field():
    client = signed_in(make_user())

    response = client.post(
        "/tokens/", {"name": "x", "scopes": ["read"], "expires_at": "2001-01-01"}
    )

    assert "within" in response.content.decode()
    assert not PersonalAccessToken.objects.exists()


def test_the_page_lists_and_revokes_ones_own_tokens_only():
    owner, other = make_user(), make_user()
    theirs = make_token(other, name="their-token")
    client = signed_in(owner)

    assert "their-token" not in client.get("/tokens/").content.decode()
    assert client.post(f"/tokens/{theirs.token.pk}/revoke/").status_code == 404
    assert PersonalAccessToken.objects.get(pk=theirs.token.pk).revoked_at is None
    mine = make_token(owner, name="mine")
    assert client.post(f"/tokens/{mine.token.pk}/revoke/").status_code == 302
    assert PersonalAccessToken.objects.get(pk=mine.token.pk).revoked_at is not None


def test_the_admin_lists_and_revokes_tokens_without_showing_secrets(capture_published_events):
    created = make_token(make_user(), name="ci")
    admin = signed_in(
        create_account(
            email="root@example.com", password=PASSWORD, is_staff=True, is_superuser=True
        )
    )
    listed = admin.get("/admin/tokens/personalaccesstoken/").content.decode()
    detail = admin.get(f"/admin/tokens/personalaccesstoken/{created.token.pk}/change/")

    revoked = admin.post(
        "/admin/tokens/personalaccesstoken/",
        {"action": "revoke", "_selected_action": [created.token.pk]},
    )

    assert created.token.prefix in listed
    for page in (listed, detail.content.decode()):
        assert created.key not in page
        assert created.token.secret_hash not in page
    assert revoked.status_code == 302
    assert PersonalAccessToken.objects.get(pk=created.token.pk).revoked_at is not None
    assert capture_published_events()[-1].event_type == "token.revoked"
    # A member who is not staff sees no admin at all.
    assert signed_in(make_user()).get("/admin/tokens/personalaccesstoken/").status_code == 302


def test_the_admin_deletes_an_account_that_has_tokens():
    user = make_user()
    make_token(user)
    admin = signed_in(
        create_account(
            email="root@example.com", password=PASSWORD, is_staff=True, is_superuser=True
        )
    )

    response = admin.post(f"/admin/accounts/user/{user.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not PersonalAccessToken.objects.exists()


def test_every_page_of_a_signed_in_user_links_to_their_tokens():
    page = signed_in(make_user()).get("/").content.decode()

    assert 'href="/tokens/"' in page
    assert 'href="/tokens/"' not in Client().get("/").content.decode()
