"""The sign-up, sign-in and sign-out pages."""

import re

import pytest
from django.core import mail
from django.test import Client

from apps.accounts.models import User
from tests.accounts.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def _signed_in_email(client: Client) -> str | None:
    user = client.get("/").wsgi_request.user
    return user.email if user.is_authenticated else None


RECEIVED = "Thanks. We have sent a message about your sign-up: check your e-mail."


def test_sign_up_creates_the_account_and_sends_the_user_to_sign_in(client):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "Ada@Example.com",
            "display_name": "Ada",
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
        follow=True,
    )

    assert response.redirect_chain == [("/accounts/signin/", 302)]
    assert RECEIVED in response.text
    user = User.objects.get(email="ada@example.com")
    assert user.display_name == "Ada"
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["ada@example.com"], "Verify your e-mail address for Keel")
    ]
    assert _signed_in_email(client) is None
    refused = client.post(
        "/accounts/signin/", {"username": "ada@example.com", "password": PASSWORD}
    )
    assert "Verify your e-mail address first" in refused.text
    assert _signed_in_email(client) is None
    link = re.search(r"http://testserver(/accounts/verify/\S+/)", mail.outbox[0].body)
    assert link is not None
    client.get(link.group(1))
    client.post("/accounts/signin/", {"username": "ada@example.com", "password": PASSWORD})
    assert _signed_in_email(client) == "ada@example.com"


def test_sign_up_with_a_taken_email_answers_the_same_and_tells_the_owner(client):
    make_user(email="taken@example.com")

    response = client.post(
        "/accounts/signup/",
        {
            "email": "taken@example.com",
            "display_name": "Second Taker",
            "password": PASSWORD + "2",
            "password_again": PASSWORD + "2",
        },
        follow=True,
    )

    assert response.redirect_chain == [("/accounts/signin/", 302)]
    assert RECEIVED in response.text
    assert "already exists" not in response.text
    assert User.objects.filter(email="taken@example.com").count() == 1
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["taken@example.com"], "Someone tried to sign up to Keel with your address")
    ]
    assert _signed_in_email(client) is None


def test_sign_up_refuses_control_characters_in_the_display_name(client):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "bell@example.com",
            "display_name": "Bell\x07",
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
    )

    assert response.status_code == 200
    assert "The display name may not contain control characters." in response.text
    assert 'value="bell@example.com"' in response.text
    assert not User.objects.exists()


def test_sign_up_refuses_a_weak_or_mismatched_password(client):
    weak = client.post(
        "/accounts/signup/",
        {"email": "weak@example.com", "password": "12345678", "password_again": "12345678"},
    )
    mismatched = client.post(
        "/accounts/signup/",
        {"email": "typo@example.com", "password": PASSWORD, "password_again": PASSWORD + "x"},
    )

    assert "This password is too common." in weak.text
    assert 'value="weak@example.com"' in weak.text
    assert "The two passwords differ." in mismatched.text
    assert not User.objects.filter(email__in=["weak@example.com", "typo@example.com"]).exists()


def test_sign_in_then_sign_out(client):
    make_user(email="reader@example.com", display_name="Reader")

    signed_in = client.post(
        "/accounts/signin/",
        {"username": "reader@example.com", "password": PASSWORD},
        follow=True,
    )
    assert signed_in.redirect_chain == [("/", 302)]
    assert "Reader" in signed_in.text
    assert "Sign out" in signed_in.text

    signed_out = client.post("/accounts/signout/", follow=True)
    assert signed_out.redirect_chain == [("/", 302)]
    assert "You are signed out." in signed_out.text
    assert _signed_in_email(client) is None


def test_sign_in_with_a_wrong_password_is_refused_and_keeps_the_email(client):
    make_user(email="reader@example.com")

    response = client.post(
        "/accounts/signin/", {"username": "reader@example.com", "password": "not-the-password"}
    )

    assert response.status_code == 200
    assert "The e-mail address or password is incorrect." in response.text
    assert 'value="reader@example.com"' in response.text
    assert _signed_in_email(client) is None


def test_sign_out_by_get_is_refused_and_keeps_the_session(client):
    user = make_user()
    client.force_login(user)

    response = client.get("/accounts/signout/")

    assert response.status_code == 405
    assert _signed_in_email(client) == user.email


def test_sign_in_follows_a_next_on_this_site(client):
    make_user(email="writer@example.com")

    response = client.post(
        "/accounts/signin/?next=/drafts/",
        {"username": "writer@example.com", "password": PASSWORD, "next": "/drafts/"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/drafts/"


@pytest.mark.parametrize("next_url", ["https://evil.example.com/", "//evil.example.com/x"])
def test_sign_in_ignores_a_next_to_another_site(client, next_url):
    make_user(email="writer@example.com")

    response = client.post(
        "/accounts/signin/",
        {"username": "writer@example.com", "password": PASSWORD, "next": next_url},
    )

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_sign_up_ignores_a_next_to_another_site(client):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "new@example.com",
            "password": PASSWORD,
            "password_again": PASSWORD,
            "next": "https://evil.example.com/",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/signin/"


def test_sign_up_passes_a_next_on_this_site_on_to_the_sign_in_page(client):
    response = client.post(
        "/accounts/signup/?next=/drafts/",
        {"email": "new@example.com", "password": PASSWORD, "password_again": PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/signin/?next=%2Fdrafts%2F"


def test_the_header_shows_sign_in_links_to_visitors_and_the_name_to_members(client):
    visitor_page = client.get("/")
    client.force_login(make_user(display_name="Grace"))
    member_page = client.get("/")

    assert 'href="/accounts/signin/"' in visitor_page.text
    assert 'href="/accounts/signup/"' in visitor_page.text
    assert 'href="/posts/new/"' not in visitor_page.text
    assert "Grace" in member_page.text
    assert 'href="/posts/new/"' in member_page.text
    assert 'href="/drafts/"' in member_page.text
    assert 'href="/admin/"' not in member_page.text


def test_staff_see_the_admin_link(client):
    # Staff accounts are made by operators (createsuperuser), not through sign-up.
    client.force_login(User.objects.create_user("ops@example.com", PASSWORD, is_staff=True))

    assert 'href="/admin/"' in client.get("/").text
