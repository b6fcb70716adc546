"""Password attempt limits hold on every surface that checks a password."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from apps.accounts.errors import AccountError
from apps.accounts.services import authenticate_user
from tests.accounts.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def _token_attempt(client, email: str, password: str, **extra):
    return client.post(
        "/api/auth/token/", {"email": email, "password": password}, format="json", **extra
    )


def _limits(settings, **changes) -> None:
    settings.ACCOUNTS = {
        **settings.ACCOUNTS,
        "SIGN_IN_LIMITS": {**settings.ACCOUNTS["SIGN_IN_LIMITS"], **changes},
    }


def _attempt_after_the_wait(client, email: str, password: str) -> int:
    """Make an attempt, first sleeping out the Retry-After of any refusal (a few at most)."""
    for _ in range(5):
        response = _token_attempt(client, email, password)
        if response.status_code != 429:
            break
        time.sleep(float(response["Retry-After"]))
    return response.status_code


def test_after_five_failures_the_next_attempt_waits_even_with_the_right_password():
    user = make_user()
    client = APIClient()
    failures = [_token_attempt(client, user.email, "wrong").status_code for _ in range(5)]

    response = _token_attempt(client, user.email, PASSWORD)

    assert failures == [400] * 5
    assert response.status_code == 429
    assert response["Content-Type"] == PROBLEM
    assert response["Retry-After"] == "1"
    assert response.json() == {
        "type": "urn:keel:problem:too_many_attempts",
        "title": "Too many attempts",
        "status": 429,
        "detail": "Too many sign-in attempts. Try again in 1 second.",
        "code": "too_many_attempts",
    }


def test_each_further_failure_doubles_the_wait():
    user = make_user()
    client = APIClient()
    for _ in range(5):
        _token_attempt(client, user.email, "wrong")

    sixth = _attempt_after_the_wait(client, user.email, "wrong")
    after_sixth = _token_attempt(client, user.email, PASSWORD)
    seventh = _attempt_after_the_wait(client, user.email, "wrong")
    after_seventh = _token_attempt(client, user.email, PASSWORD)

    assert (sixth, seventh) == (400, 400)
    assert after_sixth.status_code == 429
    assert after_sixth["Retry-After"] == "2"
    assert after_seventh["Retry-After"] == "4"


def test_the_wait_stops_growing_at_the_maximum_delay(settings):
    _limits(settings, free_failures=1, first_delay=1, max_delay=1)
    user = make_user()
    client = APIClient()
    _token_attempt(client, user.email, "wrong")

    waits = []
    for _ in range(3):
        assert _attempt_after_the_wait(client, user.email, "wrong") == 400
        waits.append(_token_attempt(client, user.email, "wrong")["Retry-After"])

    assert waits == ["1", "1", "1"]


def test_the_right_password_after_the_wait_signs_in_and_clears_the_failures():
    user = make_user()
    client = APIClient()
    for _ in range(5):
        _token_attempt(client, user.email, "wrong")

    signed_in = _attempt_after_the_wait(client, user.email, PASSWORD)
    later = [_token_attempt(client, user.email, "wrong").status_code for _ in range(5)]

    assert signed_in == 200
    assert later == [400] * 5
    assert _token_attempt(client, user.email, "wrong").status_code == 429


def test_failures_through_the_api_also_delay_the_web_sign_in_page():
    user = make_user()
    for _ in range(5):
        _token_attempt(APIClient(), user.email, "wrong")

    response = Client().post("/accounts/signin/", {"username": user.email, "password": PASSWORD})

    assert response.status_code == 200  # the form again, with the reason
    assert "Too many sign-in attempts. Try again in 1 second." in response.text
    assert "_auth_user_id" not in response.wsgi_request.session


def test_session_sign_in_answers_429_with_retry_after_too():
    user = make_user()
    browser = APIClient()
    for _ in range(5):
        browser.post(
            "/api/auth/session/", {"email": user.email, "password": "wrong"}, format="json"
        )

    response = browser.post(
        "/api/auth/session/", {"email": user.email, "password": PASSWORD}, format="json"
    )

    assert response.status_code == 429
    assert response["Retry-After"] == "1"
    assert response.json()["code"] == "too_many_attempts"
    assert browser.get("/api/me/").status_code == 401


def test_an_unknown_address_is_delayed_like_an_account():
    client = APIClient()
    failures = [_token_attempt(client, "nobody@example.com", "guess").status_code for _ in range(5)]

    response = _token_attempt(client, "NOBODY@example.com", "guess")

    assert failures == [400] * 5
    assert response.status_code == 429
    assert response["Retry-After"] == "1"


def test_the_address_limit_cannot_be_spent_twice_across_a_window_boundary(settings):
    # Given a limit of 5 attempts per 2 seconds, spent just before a window begins
    _limits(settings, per_address=(5, 2))
    client = APIClient()
    time.sleep(2 - time.time() % 2 + 0.01)  # the start of a window
    time.sleep(1.5)  # ...and most of it gone
    spent = [_token_attempt(client, f"n{n}@example.com", "guess").status_code for n in range(5)]

    # When the next window has just begun
    time.sleep(2 - time.time() % 2 + 0.05)
    refused = _token_attempt(client, "again@example.com", "guess")

    # Then the attempts of the last 2 seconds still count: no second allowance at once
    assert spent == [400] * 5
    assert refused.status_code == 429


def test_one_address_guessing_many_accounts_is_stopped_after_twenty_attempts():
    client = APIClient()
    statuses = [
        _token_attempt(client, f"nobody{n}@example.com", "guess").status_code for n in range(20)
    ]
    refused = _token_attempt(client, "another@example.com", "guess")

    assert statuses == [400] * 20
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60


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


def test_an_ipv4_mapped_ipv6_address_counts_as_the_ipv4_address():
    client = APIClient()
    for n in range(10):
        _token_attempt(client, f"nobody{n}@example.com", "guess", REMOTE_ADDR="192.0.2.1")
    statuses = [
        _token_attempt(
            client, f"other{n}@example.com", "guess", REMOTE_ADDR="::ffff:192.0.2.1"
        ).status_code
        for n in range(11)
    ]

    assert statuses == [400] * 10 + [429]


def test_ipv6_clients_cannot_dodge_the_delay_on_one_account_within_their_64_block():
    owner = make_user(email="owner@example.com")
    client = APIClient()

    guesses = [
        _token_attempt(
            client, owner.email, "guess", REMOTE_ADDR=f"2001:db8:1:2::{n + 1:x}"
        ).status_code
        for n in range(6)
    ]

    assert guesses == [400] * 5 + [429]


@pytest.mark.django_db(transaction=True)
def test_concurrent_guesses_cannot_slip_past_the_delay():
    owner = make_user(email="owner@example.com")
    start = threading.Barrier(16)

    def guess(n: int) -> str:
        start.wait()
        try:
            authenticate_user(email=owner.email, password=f"guess{n}", client_address="203.0.113.9")
        except AccountError as error:
            return error.code
        finally:
            connection.close()
        return "signed_in"

    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(pool.map(guess, range(16)))

    assert sorted(outcomes) == ["invalid_credentials"] * 5 + ["too_many_attempts"] * 11
