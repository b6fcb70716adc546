"""Password attempt limits hold on every surface that checks a password."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.accounts.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def _token_attempt(client, email: str, password: str, **extra):
    return client.post(
        "/api/auth/token/", {"email": email, "password": password}, format="json", **extra
    )


def test_eleventh_attempt_on_one_account_is_refused_even_with_the_right_password():
    user = make_user()
    client = APIClient()
    failures = [_token_attempt(client, user.email, "wrong").status_code for _ in range(10)]

    response = _token_attempt(client, user.email, PASSWORD)

    assert failures == [400] * 10
    assert response.status_code == 429
    assert response["Content-Type"] == PROBLEM
    retry_after = int(response["Retry-After"])
    assert 0 < retry_after <= 300
    assert response.json()["code"] == "too_many_attempts"
    assert response.json()["detail"] == (
        f"Too many sign-in attempts. Try again in {retry_after} seconds."
    )


def test_failures_through_the_api_also_lock_the_web_sign_in_page():
    user = make_user()
    for _ in range(10):
        _token_attempt(APIClient(), user.email, "wrong")

    response = Client().post("/accounts/signin/", {"username": user.email, "password": PASSWORD})

    assert response.status_code == 200  # the form again, with the reason
    assert "Too many sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in response.wsgi_request.session


def test_one_address_guessing_many_accounts_is_stopped_after_twenty_attempts():
    client = APIClient()
    statuses = [
        _token_attempt(client, f"nobody{n}@example.com", "guess").status_code for n in range(20)
    ]
    assert statuses == [400] * 20
    assert _token_attempt(client, "another@example.com", "guess").status_code == 429


def test_a_forged_forwarded_for_header_does_not_reset_the_limit():
    client = APIClient()
    statuses = [
        _token_attempt(
            client, f"nobody{n}@example.com", "guess", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}"
        ).status_code
        for n in range(21)
    ]
    assert statuses[-1] == 429


def test_behind_one_trusted_proxy_clients_are_told_apart_by_the_address_it_appended(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    client = APIClient()

    def attempt(n: int, forwarded: str) -> int:
        return _token_attempt(
            client, f"nobody{n}@example.com", "guess", HTTP_X_FORWARDED_FOR=forwarded
        ).status_code

    # One client forging a different first address each time is still one client.
    first = [attempt(n, f"10.0.0.{n}, 203.0.113.7") for n in range(21)]
    # Another client behind the same proxy has attempts of its own.
    second = attempt(99, "198.51.100.9")

    assert first[-1] == 429
    assert second == 400


def test_a_successful_sign_in_clears_the_account_failures():
    user = make_user()
    client = APIClient()
    for _ in range(9):
        _token_attempt(client, user.email, "wrong")
    assert _token_attempt(client, user.email, PASSWORD).status_code == 200

    later = [_token_attempt(client, user.email, "wrong").status_code for _ in range(9)]

    assert later == [400] * 9
