"""Sign-up, API tokens, browser sessions and the current user over REST."""

import re

import pytest
from django.core import mail
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.content.models import Post
from apps.tokens.models import PersonalAccessToken
from tests.accounts.factories import PASSWORD, make_user
from tests.api.rest_client import PROBLEM, token_client

pytestmark = pytest.mark.django_db


SIGN_UP_RECEIVED = {
    "detail": "Thanks. We have sent a message about your sign-up: check your e-mail."
}


def test_sign_up_creates_an_unverified_account_that_signs_in_once_its_link_is_followed():
    response = APIClient().post(
        "/api/auth/signup/",
        {"email": "Ann@Example.com", "password": PASSWORD, "display_name": "Ann Lee"},
        format="json",
    )

    user = User.objects.get(email="ann@example.com")
    assert response.status_code == 202
    assert response.json() == SIGN_UP_RECEIVED
    assert user.display_name == "Ann Lee"
    assert user.check_password(PASSWORD)
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["ann@example.com"], "Verify your e-mail address for Keel")
    ]
    before = APIClient().post(
        "/api/auth/token/", {"email": "ann@example.com", "password": PASSWORD}, format="json"
    )
    assert before.status_code == 403
    assert before.json()["code"] == "email_not_verified"
    link = re.search(r"http://testserver/accounts/verify/([^/\s]+)/", mail.outbox[0].body)
    assert link is not None
    verified = APIClient().post("/api/auth/verify/", {"token": link.group(1)}, format="json")
    assert verified.status_code == 200
    token = APIClient().post(
        "/api/auth/token/", {"email": "ann@example.com", "password": PASSWORD}, format="json"
    )
    assert token.status_code == 200


def test_sign_up_with_a_weak_password_lists_the_validators_complaints():
    response = APIClient().post(
        "/api/auth/signup/", {"email": "ann@example.com", "password": "abc"}, format="json"
    )

    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert response.json()["errors"] == [
        {
            "field": "password",
            "message": "This password is too short. It must contain at least 10 characters.",
            "code": "password_too_short",
        },
        {
            "field": "password",
            "message": "This password is too common.",
            "code": "password_too_common",
        },
        {
            "field": "password",
            "message": "This password appears in known data breaches; choose another.",
            "code": "password_breached",
        },
    ]
    assert not User.objects.filter(email="ann@example.com").exists()


def test_sign_up_with_a_taken_email_answers_the_same_and_tells_the_owner():
    make_user(email="ann@example.com")

    response = APIClient().post(
        "/api/auth/signup/",
        {"email": "ANN@example.com", "password": "another-password-42"},
        format="json",
    )

    assert response.status_code == 202
    assert response.json() == SIGN_UP_RECEIVED
    assert User.objects.filter(email__iexact="ann@example.com").count() == 1
    assert User.objects.get(email="ann@example.com").check_password(PASSWORD)
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["ann@example.com"], "Someone tried to sign up to Keel with your address")
    ]


@pytest.mark.parametrize("character", ["\x01", "\x1b", "\x7f"])
def test_sign_up_refuses_control_characters_in_the_display_name(character):
    response = APIClient().post(
        "/api/auth/signup/",
        {"email": "ann@example.com", "password": PASSWORD, "display_name": f"Ann{character}"},
        format="json",
    )

    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert response.json()["errors"] == [
        {
            "field": "display_name",
            "message": "The display name may not contain control characters.",
            "code": "invalid_display_name",
        }
    ]
    assert not User.objects.exists()
    assert mail.outbox == []


def test_sign_up_with_a_malformed_email_is_refused():
    response = APIClient().post(
        "/api/auth/signup/", {"email": "not-an-email", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "email", "message": "Enter a valid email address.", "code": "invalid"}
    ]
    assert User.objects.count() == 0


def test_each_token_request_issues_a_new_personal_access_token():
    user = make_user(email="ann@example.com")
    client = APIClient()
    credentials = {"email": "ann@example.com", "password": PASSWORD}

    first = client.post("/api/auth/token/", credentials, format="json")
    second = client.post("/api/auth/token/", credentials, format="json")

    assert first.status_code == 200
    assert first.json()["token"].startswith("keel_pat_")
    assert second.json() != first.json()
    stored = PersonalAccessToken.objects.filter(user=user)
    assert stored.count() == 2
    assert first.json()["token"] not in {token.secret_hash for token in stored}


def test_token_for_a_wrong_password_is_a_400_problem():
    make_user(email="ann@example.com")

    response = APIClient().post(
        "/api/auth/token/", {"email": "ann@example.com", "password": "wrong"}, format="json"
    )

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json() == {
        "type": "urn:keel:problem:invalid_credentials",
        "title": "Invalid credentials",
        "status": 400,
        "detail": "The e-mail or password is incorrect.",
        "code": "invalid_credentials",
    }
    assert not PersonalAccessToken.objects.exists()


def test_revoking_the_token_makes_it_stop_working():
    user = make_user()
    client = token_client(user)

    revoked = client.delete("/api/auth/token/")
    after = client.get("/api/me/")

    assert revoked.status_code == 204
    assert after.status_code == 401
    assert after.json()["detail"] == "Invalid token."
    assert not PersonalAccessToken.objects.filter(user=user, revoked_at=None).exists()


def test_revoking_a_token_needs_one():
    response = APIClient().delete("/api/auth/token/")

    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM


def test_me_shows_the_current_user():
    user = make_user(email="bo@example.com")

    response = token_client(user).get("/api/me/")

    assert response.status_code == 200
    assert response.json() == {
        "id": user.pk,
        "email": "bo@example.com",
        "display_name": "",
        "name": "bo",
    }


def test_me_is_a_401_problem_when_anonymous():
    response = APIClient().get("/api/me/")

    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "not_authenticated"


def test_browser_session_sign_in_with_csrf_then_sign_out():
    user = make_user(email="cy@example.com", display_name="Cy")
    browser = APIClient(enforce_csrf_checks=True)

    before = browser.get("/api/auth/session/")
    csrf = browser.cookies["csrftoken"].value
    signed_in = browser.post(
        "/api/auth/session/",
        {"email": "cy@example.com", "password": PASSWORD},
        format="json",
        HTTP_X_CSRFTOKEN=csrf,
    )
    me = browser.get("/api/me/")
    session = browser.get("/api/auth/session/")
    signed_out = browser.delete(
        "/api/auth/session/", HTTP_X_CSRFTOKEN=browser.cookies["csrftoken"].value
    )
    after = browser.get("/api/me/")

    assert before.json() == {"user": None}
    assert signed_in.status_code == 200
    assert signed_in.json()["id"] == user.pk
    assert me.json()["email"] == "cy@example.com"
    assert session.json()["user"]["name"] == "Cy"
    assert signed_out.status_code == 204
    assert after.status_code == 401


def test_session_sign_in_without_the_csrf_token_is_refused():
    make_user(email="cy@example.com")
    browser = APIClient(enforce_csrf_checks=True)
    browser.get("/api/auth/session/")

    response = browser.post(
        "/api/auth/session/", {"email": "cy@example.com", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    assert response.json()["detail"] == "CSRF Failed: CSRF token missing."
    assert browser.get("/api/me/").status_code == 401


def test_session_writes_need_the_csrf_token_too():
    make_user(email="cy@example.com")
    browser = APIClient(enforce_csrf_checks=True)
    browser.get("/api/auth/session/")
    browser.post(
        "/api/auth/session/",
        {"email": "cy@example.com", "password": PASSWORD},
        format="json",
        HTTP_X_CSRFTOKEN=browser.cookies["csrftoken"].value,
    )

    response = browser.post("/api/posts/", {"title": "Forged"}, format="json")

    assert response.status_code == 403
    assert response.json()["detail"] == "CSRF Failed: CSRF token missing."
    assert not Post.objects.exists()


def test_session_sign_in_with_a_wrong_password_is_a_400_problem():
    make_user(email="cy@example.com")
    browser = APIClient()

    response = browser.post(
        "/api/auth/session/", {"email": "cy@example.com", "password": "nope"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"
    assert browser.get("/api/me/").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_a_revoked_token_stops_working_at_once_though_lookups_are_cached(
    django_assert_num_queries,
):
    me = make_user()
    client = token_client(me)
    assert client.get("/api/me/").status_code == 200
    with django_assert_num_queries(0):  # the token and its user come from the cache
        assert client.get("/api/me/").status_code == 200

    assert client.delete("/api/auth/token/").status_code == 204

    response = client.get("/api/me/")
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid token."


@pytest.mark.django_db(transaction=True)
def test_a_deactivated_user_is_refused_though_their_token_was_cached():
    me = make_user()
    client = token_client(me)
    assert client.get("/api/me/").status_code == 200

    me.is_active = False
    me.save(update_fields=["is_active"])

    assert client.get("/api/me/").status_code == 401
