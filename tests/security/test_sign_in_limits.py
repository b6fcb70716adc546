"""Every door that checks a password is limited, without letting an attacker lock the owner out.

Addresses come from REMOTE_ADDR (no proxy is trusted under the test settings): 198.51.100.x
is the owner, 203.0.113.x and 2001:db8::/32 are attackers.
"""

import time

import pytest
import redis
from django.conf import settings
from django.core import mail
from django.core.cache import caches
from django.test import Client
from rest_framework.test import APIClient

from apps.accounts.attempts import DEVICE_COOKIE
from apps.accounts.models import User
from tests.accounts.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

OWNER_ADDRESS = "198.51.100.7"
ATTACKER_ADDRESS = "203.0.113.9"


def _token(email: str, password: str, address: str) -> int:
    """POST /api/auth/token/ from `address`; its status code."""
    return (
        APIClient()
        .post(
            "/api/auth/token/",
            {"email": email, "password": password},
            format="json",
            REMOTE_ADDR=address,
        )
        .status_code
    )


def _sign_up(email: str, address: str = "192.0.2.10", password: str = "new-passphrase-77"):
    return APIClient().post(
        "/api/auth/signup/",
        {"email": email, "password": password},
        format="json",
        REMOTE_ADDR=address,
    )


def test_admin_login_is_limited_like_every_sign_in():
    User.objects.create_superuser("root@example.com", PASSWORD)
    browser = Client(REMOTE_ADDR=ATTACKER_ADDRESS)
    form = {"username": "root@example.com", "next": "/admin/"}

    wrong = [browser.post("/admin/login/", {**form, "password": f"guess{n}"}) for n in range(5)]
    right = browser.post("/admin/login/", {**form, "password": PASSWORD})

    assert [response.status_code for response in wrong] == [200] * 5
    assert right.status_code == 200
    assert "Too many sign-in attempts. Try again in 1 second." in right.text
    assert browser.get("/admin/").status_code == 302  # still signed out
    # The admin's failures count where the API's do: it is one limiter.
    assert _token("root@example.com", PASSWORD, ATTACKER_ADDRESS) == 429


def test_a_look_alike_address_counts_against_the_same_account():
    make_user(email="grace@keel.localhost")
    look_alike = "grace@keel.localho\u017ft"  # long s: PostgreSQL's UPPER() makes it "S"
    assert _token(look_alike, PASSWORD, OWNER_ADDRESS) == 200  # it reaches Grace's account

    plain = [_token("grace@keel.localhost", "guess", ATTACKER_ADDRESS) for _ in range(5)]
    disguised = _token(look_alike, "guess", ATTACKER_ADDRESS)

    assert plain == [400] * 5
    assert disguised == 429


def test_the_owner_signs_in_from_their_address_while_another_address_hammers():
    owner = make_user(email="owner@example.com")

    hammering = [_token(owner.email, f"guess{n}", ATTACKER_ADDRESS) for n in range(30)]
    owner_signs_in = _token(owner.email, PASSWORD, OWNER_ADDRESS)

    assert owner_signs_in == 200
    assert hammering == [400] * 5 + [429] * 25


def test_a_crowd_of_addresses_cannot_lock_the_owner_out_of_their_usual_address():
    owner = make_user(email="owner@example.com")
    assert _token(owner.email, PASSWORD, OWNER_ADDRESS) == 200  # the owner's usual address

    crowd = [
        _token(owner.email, f"guess{n}", f"203.0.113.{host}")
        for host in range(1, 41)
        for n in range(5)
    ]
    newcomer = _token(owner.email, PASSWORD, "192.0.2.200")
    owner_signs_in = _token(owner.email, PASSWORD, OWNER_ADDRESS)

    assert owner_signs_in == 200
    assert crowd.count(400) == 90  # the rest were refused untried
    assert crowd.count(429) == 110
    assert newcomer == 429


def test_at_most_100_consecutive_failures_are_ever_tried_on_an_account():
    owner = make_user(email="owner@example.com")
    usual = ["198.51.100.1", "198.51.100.2", "198.51.100.3"]
    for address in usual:
        assert _token(owner.email, PASSWORD, address) == 200

    crowd = [
        _token(owner.email, f"guess{n}", f"203.0.113.{host}")
        for host in range(1, 31)
        for n in range(5)
    ]
    from_usual = [_token(owner.email, f"typo{n}", address) for address in usual for n in range(5)]

    assert crowd.count(400) + from_usual.count(400) == 100
    assert crowd.count(400) == 90
    assert from_usual == [400] * 10 + [429] * 5
    assert _token(owner.email, PASSWORD, "198.51.100.4") == 429


def test_ipv6_clients_are_counted_by_their_64_block():
    client_block = "2001:db8:1:2"
    guesses = [
        _token(f"nobody{n}@example.com", "guess", f"{client_block}::{n + 1:x}") for n in range(20)
    ]

    same_block = _token("another@example.com", "guess", f"{client_block}:ffff:ffff:ffff:ffff")
    other_block = _token("another@example.com", "guess", "2001:db8:1:3::1")

    assert guesses == [400] * 20
    assert same_block == 429
    assert other_block == 400


def test_sign_up_answers_the_same_for_a_new_and_a_taken_address_and_tells_the_owner():
    make_user(email="taken@example.com")

    new = _sign_up("new@example.com")
    taken = _sign_up("Taken@Example.com")
    web_new = Client().post(
        "/accounts/signup/",
        {"email": "new2@example.com", "password": PASSWORD, "password_again": PASSWORD},
    )
    web_taken = Client().post(
        "/accounts/signup/",
        {"email": "taken@example.com", "password": PASSWORD, "password_again": PASSWORD},
    )

    assert (taken.status_code, taken.json()) == (new.status_code, new.json())
    assert "taken" not in taken.text
    assert (web_taken.status_code, web_taken["Location"]) == (
        web_new.status_code,
        web_new["Location"],
    )
    assert User.objects.filter(email__iexact="taken@example.com").count() == 1
    owner_mail = [message for message in mail.outbox if message.to == ["taken@example.com"]]
    # One e-mail for the two tries: at most one a day (tested below).
    assert [message.subject for message in owner_mail] == [
        "Someone tried to sign up to Keel with your address"
    ]


def test_sign_up_is_throttled_per_client_address():
    accepted = [_sign_up(f"new{n}@example.com", address="192.0.2.10") for n in range(10)]

    refused = _sign_up("one-more@example.com", address="192.0.2.10")
    created_when_refused = User.objects.filter(email="one-more@example.com").exists()
    elsewhere = _sign_up("one-more@example.com", address="192.0.2.11")

    assert refused.status_code == 429
    assert [response.status_code for response in accepted] == [202] * 10
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["code"] == "too_many_sign_ups"
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert not created_when_refused
    assert elsewhere.status_code == 202
    assert User.objects.filter(email="one-more@example.com").exists()


def test_web_sign_up_is_throttled_per_client_address():
    browser = Client(REMOTE_ADDR="192.0.2.20")
    for n in range(10):
        browser.post(
            "/accounts/signup/",
            {"email": f"web{n}@example.com", "password": PASSWORD, "password_again": PASSWORD},
        )

    refused = browser.post(
        "/accounts/signup/",
        {"email": "web-more@example.com", "password": PASSWORD, "password_again": PASSWORD},
    )

    assert refused.status_code == 200
    assert "Too many sign-ups from your address. Try again in" in refused.text
    assert not User.objects.filter(email="web-more@example.com").exists()


def test_token_issue_is_throttled_even_with_the_right_password():
    owner = make_user(email="script@example.com")

    issued = [_token(owner.email, PASSWORD, f"2001:db8:5:6::{n + 1:x}") for n in range(20)]
    refused = _token(owner.email, PASSWORD, "2001:db8:5:6::ffff")

    assert issued == [200] * 20
    assert refused == 429


def test_refused_attempts_do_not_prolong_an_account_lockout(settings):
    settings.ACCOUNTS = {
        **settings.ACCOUNTS,
        "SIGN_IN_LIMITS": {
            **settings.ACCOUNTS["SIGN_IN_LIMITS"],
            "max_failures": 3,
            "known_address_reserve": 0,
            "cool_off": 3,
        },
    }
    owner = make_user(email="owner@example.com")
    counted = [_token(owner.email, "guess", f"203.0.113.{host}") for host in range(1, 4)]
    last_counted_failure = time.monotonic()

    # Refused attempts go on for most of the cool-off, each from a fresh address...
    refused = []
    for host in range(10, 100):
        if time.monotonic() - last_counted_failure > 2.5:
            break
        refused.append(_token(owner.email, "guess", f"203.0.113.{host}"))
        time.sleep(0.25)
    # ...then stop; once the cool-off has run from the last counted failure, the owner is back.
    time.sleep(max(0.0, last_counted_failure + 3.5 - time.monotonic()))
    owner_signs_in = _token(owner.email, PASSWORD, OWNER_ADDRESS)

    assert counted == [400] * 3
    assert len(refused) >= 5
    assert set(refused) == {429}
    assert owner_signs_in == 200


def _keys(redis_url: str, pattern: str) -> list[str]:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        return sorted(client.scan_iter(match=pattern))
    finally:
        client.close()


def test_the_limits_live_in_the_redis_that_never_evicts_not_in_the_cache():
    owner = make_user(email="owner@example.com")
    assert _token(owner.email, "guess", ATTACKER_ADDRESS) == 400
    assert _sign_up("owner@example.com").status_code == 202

    in_broker_redis = _keys(settings.REDIS_URL, "*:limits:*")
    in_cache_redis = _keys(settings.REDIS_CACHE_URL, "*")

    prefix = f"{settings.KEY_PREFIX}:limits:1:"
    assert sorted({key.removeprefix(prefix).split(":")[1] for key in in_broker_redis}) == [
        "address",
        "failures",
        "notice",
        "pair",
    ]
    assert all(key.startswith(prefix) for key in in_broker_redis)
    assert not [key for key in in_cache_redis if "signin" in key or "signup" in key]


def test_clearing_the_limits_spares_the_rest_of_the_broker_redis():
    broker = redis.Redis.from_url(settings.REDIS_URL)
    foreign = f"{settings.KEY_PREFIX}:not-a-limit"
    broker.set(foreign, "queued", ex=60)
    assert _token("nobody@example.com", "guess", ATTACKER_ADDRESS) == 400

    caches["limits"].clear()

    assert _keys(settings.REDIS_URL, "*:limits:*") == []
    assert broker.get(foreign) == b"queued"
    broker.delete(foreign)
    broker.close()


def test_the_owner_gets_one_sign_up_notice_however_many_addresses_try():
    make_user(email="victim@example.com")

    answers = [
        _sign_up("victim@example.com", address=address).json()
        for address in ("192.0.2.30", "198.18.0.1", "2001:db8:9::1")
    ]
    new = _sign_up("fresh@example.com", address="192.0.2.31").json()

    notices = [message for message in mail.outbox if message.to == ["victim@example.com"]]
    assert answers == [new] * 3
    assert [message.subject for message in notices] == [
        "Someone tried to sign up to Keel with your address"
    ]


def _crowd_uses_up_the_unknown_addresses_share(email: str) -> list[int]:
    return [
        _token(email, f"guess{n}", f"203.0.113.{host}") for host in range(1, 41) for n in range(5)
    ]


def _web_sign_in(browser: Client, email: str, address: str):
    return browser.post(
        "/accounts/signin/", {"username": email, "password": PASSWORD}, REMOTE_ADDR=address
    )


def test_the_owners_browser_is_not_locked_out_on_a_new_network():
    # Given the owner signed in once with this browser, and signed out
    owner = make_user(email="owner@example.com")
    browser = Client()
    first = _web_sign_in(browser, owner.email, OWNER_ADDRESS)
    assert first.status_code == 302
    assert first.cookies[DEVICE_COOKIE]["httponly"]
    browser.post("/accounts/signout/")

    # When a crowd of addresses uses up every failure unknown addresses may try
    crowd = _crowd_uses_up_the_unknown_addresses_share(owner.email)
    # ...a stranger's browser on a new address is refused, the right password too
    stranger = _web_sign_in(Client(), owner.email, "192.0.2.200")
    # ...while the owner's browser, now on a network it never used, signs in
    again = _web_sign_in(browser, owner.email, "192.0.2.201")

    assert crowd.count(400) == 90
    assert stranger.status_code == 200
    assert "Too many sign-in attempts" in stranger.text
    assert again.status_code == 302


def test_a_device_cookie_counts_only_for_its_own_account():
    # Given a browser that signed in to one account
    mine = make_user(email="mine@example.com")
    theirs = make_user(email="theirs@example.com")
    browser = Client()
    assert _web_sign_in(browser, mine.email, OWNER_ADDRESS).status_code == 302
    browser.post("/accounts/signout/")
    assert _crowd_uses_up_the_unknown_addresses_share(theirs.email).count(400) == 90

    # When it tries the other account from a new address, or carries a forged cookie
    browser_tries = _web_sign_in(browser, theirs.email, "192.0.2.201")
    forged = Client()
    forged.cookies[DEVICE_COOKIE] = f"user:{theirs.pk}:forged:signature"
    forged_tries = _web_sign_in(forged, theirs.email, "192.0.2.202")

    # Then neither counts as the owner's
    assert "Too many sign-in attempts" in browser_tries.text
    assert "Too many sign-in attempts" in forged_tries.text


def test_every_browser_sign_in_door_gives_the_device_cookie():
    owner = User.objects.create_superuser("owner@example.com", PASSWORD)

    web = _web_sign_in(Client(), owner.email, OWNER_ADDRESS)
    rest = APIClient().post(
        "/api/auth/session/", {"email": owner.email, "password": PASSWORD}, format="json"
    )
    admin = Client().post(
        "/admin/login/?next=/admin/", {"username": owner.email, "password": PASSWORD}
    )

    assert (web.status_code, rest.status_code, admin.status_code) == (302, 200, 302)
    for response in (web, rest, admin):
        assert response.cookies[DEVICE_COOKIE].value.startswith(f"user:{owner.pk}:")
