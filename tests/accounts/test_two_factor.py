"""Two-factor authentication: TOTP codes (checked by pyotp, an independent implementation),
single-use recovery codes, their limits, races and events."""

import base64
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pyotp
import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from apps.accounts import services
from apps.accounts.errors import AccountError
from apps.accounts.models import User
from apps.accounts.selectors import totp_device
from tests.accounts.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def _authenticator(device) -> pyotp.TOTP:
    """What an authenticator app holds after scanning the device's key."""
    return pyotp.TOTP(base64.b32encode(device.bin_key).decode(), interval=device.step)


def _enrol(user: User) -> tuple[pyotp.TOTP, list[str]]:
    device = services.start_totp_enrolment(actor=user)
    app = _authenticator(device)
    codes = services.confirm_totp(actor=user, code=app.now())
    return app, codes


def _earlier_code(app: pyotp.TOTP, steps: int) -> str:
    return app.at(time.time() - steps * app.interval)


def _error_code(call) -> str:
    try:
        call()
    except AccountError as error:
        return error.code
    return "ok"


def test_enrolment_confirmed_with_an_authenticator_code_issues_ten_recovery_codes(
    capture_published_events,
):
    user = make_user()

    _, codes = _enrol(user)

    assert len(codes) == len(set(codes)) == 10
    # 24 base32 characters (120 bits), in groups of four.
    assert all(len(code.replace("-", "")) == 24 and code.count("-") == 5 for code in codes)
    assert user.recovery_codes.count() == 10
    assert not user.recovery_codes.filter(digest__in=codes).exists()  # stored hashed only
    assert [e.event_type for e in capture_published_events()] == ["account.factor_added"]


def test_a_wrong_code_does_not_confirm_the_enrolment():
    user = make_user()
    services.start_totp_enrolment(actor=user)

    app = pyotp.TOTP("A" * 32)  # another key than the device's
    assert _error_code(lambda: services.confirm_totp(actor=user, code=app.now())) in {
        "invalid_factor_code"
    }
    assert _error_code(lambda: services.confirm_totp(actor=user, code="12ab56")) == (
        "invalid_factor_code"
    )


def test_a_sign_in_needs_the_current_code_and_each_code_works_once():
    user = make_user()
    app, _ = _enrol(user)
    pending = services.pending_sign_in(user)
    code = app.now()

    # The enrolment used the current step's code: the same code cannot be used again.
    assert _error_code(lambda: services.complete_sign_in(pending=pending, code=code)) == (
        "invalid_factor_code"
    )
    next_code = app.at(time.time() + app.interval)  # the next step, within the window
    assert services.complete_sign_in(pending=pending, code=next_code) == user
    assert _error_code(lambda: services.complete_sign_in(pending=pending, code=next_code)) == (
        "invalid_factor_code"
    )


def test_codes_outside_one_step_of_drift_are_refused():
    user = make_user()
    device = services.start_totp_enrolment(actor=user)
    app = _authenticator(device)
    services.confirm_totp(actor=user, code=_earlier_code(app, 1))  # one step old passes
    pending = services.pending_sign_in(user)

    assert _error_code(
        lambda: services.complete_sign_in(pending=pending, code=_earlier_code(app, 3))
    ) == ("invalid_factor_code")
    assert _error_code(
        lambda: services.complete_sign_in(
            pending=pending, code=app.at(time.time() + 3 * app.interval)
        )
    ) == ("invalid_factor_code")


def test_a_tampered_or_stale_pending_sign_in_is_refused():
    user = make_user()
    app, _ = _enrol(user)
    pending = services.pending_sign_in(user)

    assert _error_code(lambda: services.complete_sign_in(pending=pending + "x", code="1")) == (
        "sign_in_step_expired"
    )
    services.change_password(
        actor=user, current_password=PASSWORD, new_password="an0ther-long-pass"
    )
    code = app.at(time.time() + app.interval)
    assert _error_code(lambda: services.complete_sign_in(pending=pending, code=code)) == (
        "sign_in_step_expired"
    )


def test_a_recovery_code_works_once_and_tells_the_user_by_email(
    smtp_mailbox, capture_published_events
):
    user = make_user(email="ada@example.com")
    _, codes = _enrol(user)
    pending = services.pending_sign_in(user)

    assert services.complete_sign_in(pending=pending, code=codes[0].lower()) == user
    assert _error_code(lambda: services.complete_sign_in(pending=pending, code=codes[0])) == (
        "invalid_factor_code"
    )
    [mail] = smtp_mailbox.to("ada@example.com")
    assert "recovery code was just used" in smtp_mailbox.body(mail)
    assert "9 unused" in smtp_mailbox.body(mail).replace("\n", " ")
    used = [e for e in capture_published_events() if e.event_type == "account.recovery_code_used"]
    assert [e.payload["remaining"] for e in used] == [9]


def test_regenerated_recovery_codes_replace_the_old_ones():
    user = make_user()
    _, old = _enrol(user)

    new = services.regenerate_recovery_codes(actor=user, password=PASSWORD)

    pending = services.pending_sign_in(user)
    assert _error_code(lambda: services.complete_sign_in(pending=pending, code=old[1])) == (
        "invalid_factor_code"
    )
    assert services.complete_sign_in(pending=pending, code=new[1]) == user


def test_disabling_asks_for_the_password_and_removes_the_factor(capture_published_events):
    user = make_user()
    _enrol(user)

    assert _error_code(lambda: services.disable_totp(actor=user, password="wrong")) == (
        "invalid_credentials"
    )
    services.disable_totp(actor=user, password=PASSWORD)

    assert user.recovery_codes.count() == 0
    assert [e.event_type for e in capture_published_events()] == [
        "account.factor_added",
        "account.factor_removed",
    ]


def test_wrong_codes_are_limited_like_passwords():
    user = make_user()
    _enrol(user)
    pending = services.pending_sign_in(user)

    outcomes = [
        _error_code(
            lambda: services.complete_sign_in(
                pending=pending, code="ABCD-EFGH", client_address="203.0.113.9"
            )
        )
        for _ in range(6)
    ]

    assert outcomes == ["invalid_factor_code"] * 5 + ["too_many_attempts"]


def _race(call) -> list[str]:
    start = threading.Barrier(20)

    def attempt(n: int) -> str:
        start.wait()
        try:
            return _error_code(lambda: call(n))
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=20) as pool:
        return sorted(pool.map(attempt, range(20)))


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_uses_of_one_recovery_code_let_exactly_one_through(smtp_mailbox):
    user = make_user(email="race@example.com")
    _, codes = _enrol(user)
    pending = services.pending_sign_in(user)

    # Each thread from its own address, so the limiter lets every one reach the database.
    outcomes = _race(
        lambda n: services.complete_sign_in(
            pending=pending, code=codes[0], client_address=f"203.0.113.{n}"
        )
    )

    assert outcomes == ["invalid_factor_code"] * 19 + ["ok"]
    assert len(smtp_mailbox.to("race@example.com")) == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_uses_of_one_totp_code_let_exactly_one_through():
    user = make_user()
    app, _ = _enrol(user)
    pending = services.pending_sign_in(user)
    code = app.at(time.time() + app.interval)  # a step the enrolment did not use

    outcomes = _race(
        lambda n: services.complete_sign_in(
            pending=pending, code=code, client_address=f"198.51.100.{n}"
        )
    )

    assert outcomes == ["invalid_factor_code"] * 19 + ["ok"]


# --- the surfaces ------------------------------------------------------------------------------


def _next_code(app: pyotp.TOTP) -> str:
    """A code the enrolment did not use (the next step, within the window)."""
    return app.at(time.time() + app.interval)


def test_the_sign_in_page_asks_for_a_code_before_signing_in():
    user = make_user(email="web@example.com")
    app, _ = _enrol(user)
    browser = Client()

    first = browser.post(
        "/accounts/signin/", {"username": user.email, "password": PASSWORD, "next": "/me/"}
    )

    assert first.status_code == 302
    assert first["Location"].startswith("/accounts/signin/code/")
    assert "_auth_user_id" not in browser.session  # not signed in before the factor
    page = browser.get(first["Location"])
    assert b"authenticator app" in page.content
    wrong = browser.post("/accounts/signin/code/", {"code": "12ab56"})
    assert b"incorrect" in wrong.content
    done = browser.post("/accounts/signin/code/", {"code": _next_code(app), "next": "/me/"})
    assert done.status_code == 302
    assert done["Location"] == "/me/"
    assert browser.session["_auth_user_id"] == str(user.pk)


def test_the_code_page_without_a_password_step_sends_back_to_sign_in():
    response = Client().post("/accounts/signin/code/", {"code": "123456"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/signin/")


def test_the_admin_login_asks_for_a_code_too():
    admin = services.create_account(
        email="boss@example.com", password=PASSWORD, is_staff=True, is_superuser=True
    )
    app, _ = _enrol(admin)
    browser = Client()

    first = browser.post(
        "/admin/login/", {"username": admin.email, "password": PASSWORD, "next": "/admin/"}
    )

    assert first.status_code == 302
    assert first["Location"].startswith("/accounts/signin/code/")
    assert browser.get("/admin/").status_code == 302  # still signed out
    done = browser.post(first["Location"], {"code": _next_code(app)})
    assert done.status_code == 302
    assert done["Location"] == "/admin/"
    assert browser.get("/admin/").status_code == 200


def test_the_security_page_sets_up_totp_with_an_inline_qr_code_and_turns_it_off():
    user = make_user()
    browser = Client()
    browser.force_login(user)

    started = browser.post("/accounts/security/", {"action": "start"})
    assert b"<svg" in started.content
    assert b"<script" not in started.content
    app = _authenticator(totp_device(user, confirmed=False))
    confirmed = browser.post("/accounts/security/", {"action": "confirm", "code": app.now()})
    assert confirmed.content.count(b"<li><code>") == 10
    assert b"is <strong>on</strong>" in confirmed.content

    refused = browser.post("/accounts/security/", {"action": "disable", "password": "wrong"})
    assert b"The password is incorrect." in refused.content
    off = browser.post(
        "/accounts/security/", {"action": "disable", "password": PASSWORD}, follow=True
    )
    assert b"is <strong>off</strong>" in off.content


def test_rest_enrolment_session_sign_in_and_recovery_codes():
    user = make_user(email="rest@example.com")
    api = APIClient()
    api.force_authenticate(user)

    started = api.post("/api/me/totp/")
    assert started.status_code == 201
    app = pyotp.TOTP(started.json()["key"])
    assert started.json()["otpauth_uri"].startswith("otpauth://totp/")
    confirmed = api.post("/api/me/totp/confirm/", {"code": app.now()}, format="json")
    assert confirmed.status_code == 200
    assert len(confirmed.json()["recovery_codes"]) == 10
    again = api.post("/api/me/recovery-codes/", {"password": PASSWORD}, format="json")
    assert again.status_code == 200
    assert again.json() != confirmed.json()

    browser = APIClient()
    first = browser.post(
        "/api/auth/session/", {"email": user.email, "password": PASSWORD}, format="json"
    )
    assert first.status_code == 202
    assert first.json()["second_factor_required"] is True
    assert browser.get("/api/me/").status_code in {401, 403}
    wrong = browser.post("/api/auth/session/code/", {"code": "000-bad"}, format="json")
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "invalid_factor_code"
    done = browser.post(
        "/api/auth/session/code/", {"code": again.json()["recovery_codes"][0]}, format="json"
    )
    assert done.status_code == 200
    assert done.json()["email"] == user.email
    assert browser.get("/api/me/").status_code == 200

    token = APIClient().post(
        "/api/auth/token/", {"email": user.email, "password": PASSWORD}, format="json"
    )
    assert token.status_code == 401
    assert token.json()["code"] == "second_factor_required"

    off = api.post("/api/me/totp/disable/", {"password": PASSWORD}, format="json")
    assert off.status_code == 204
    assert (
        api.post("/api/me/totp/disable/", {"password": PASSWORD}, format="json").json()["code"]
        == "two_factor_not_enabled"
    )
