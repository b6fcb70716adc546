"""Sign-up verification, password reset and policy, account settings and the session cap,
with the e-mails read from a real local SMTP server (the `smtp_mailbox` fixture)."""

import itertools

import pytest
from django.test import Client
from rest_framework.test import APIClient

from apps.accounts import services
from apps.accounts.models import User, UserSession
from tests.accounts.factories import PASSWORD, make_user
from tests.api.rest_client import token_client

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-fresh-and-long-passphrase-9"
RESET_SENT = services.PASSWORD_RESET_SENT


def _signed_in_email(client: Client) -> str | None:
    user = client.get("/").wsgi_request.user
    return user.email if user.is_authenticated else None


def _sign_in(email: str, password: str = PASSWORD, client: Client | None = None) -> Client:
    client = client or Client()
    client.post("/accounts/signin/", {"username": email, "password": password})
    return client


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- sign-up and verification -----------------------------------------------------------------


def test_sign_up_mails_a_verification_link_and_signing_in_waits_for_it(smtp_mailbox):
    client = Client()
    client.post(
        "/accounts/signup/",
        {"email": "ada@example.com", "password": PASSWORD, "password_again": PASSWORD},
    )
    [message] = smtp_mailbox.to("ada@example.com")
    assert message["Subject"] == "Verify your e-mail address for Keel"

    refused = client.post(
        "/accounts/signin/", {"username": "ada@example.com", "password": PASSWORD}
    )
    assert "Verify your e-mail address first" in refused.text
    assert _signed_in_email(client) is None

    followed = client.get(smtp_mailbox.link(message, "/accounts/verify/"), follow=True)
    assert "Your e-mail address is verified" in followed.text
    _sign_in("ada@example.com", client=client)
    assert _signed_in_email(client) == "ada@example.com"


def test_an_unverified_account_with_a_wrong_password_answers_like_an_unknown_address():
    services.sign_up(email="new@example.com", password=PASSWORD, client_address="10.0.0.1")

    unverified = Client().post(
        "/accounts/signin/", {"username": "new@example.com", "password": "wrong-password-1"}
    )
    unknown = Client().post(
        "/accounts/signin/", {"username": "nobody@example.com", "password": "wrong-password-1"}
    )

    assert unverified.status_code == unknown.status_code == 200
    assert "The e-mail address or password is incorrect." in unverified.text
    assert unverified.text.replace("new@example.com", "X") == unknown.text.replace(
        "nobody@example.com", "X"
    ).replace(_csrf(unknown), _csrf(unverified))


def _csrf(response) -> str:
    return str(response.context["csrf_token"])


def test_a_tampered_or_expired_verification_link_verifies_nothing(smtp_mailbox, settings):
    services.sign_up(email="ann@example.com", password=PASSWORD, client_address="10.0.0.1")
    [message] = smtp_mailbox.to("ann@example.com")
    link = smtp_mailbox.link(message, "/accounts/verify/")
    token = link.split("/")[-2]
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")

    bad = APIClient().post("/api/auth/verify/", {"token": tampered}, format="json")
    settings.ACCOUNTS = {**settings.ACCOUNTS, "EMAIL_VERIFICATION_MAX_AGE": -1}
    expired = APIClient().post("/api/auth/verify/", {"token": token}, format="json")

    assert bad.status_code == expired.status_code == 400
    assert bad.json()["code"] == expired.json()["code"] == "invalid_link"
    assert not User.objects.get(email="ann@example.com").email_verified


def test_a_new_verification_link_is_sent_only_to_unverified_accounts_with_one_answer(
    smtp_mailbox,
):
    services.sign_up(email="waiting@example.com", password=PASSWORD, client_address="10.0.0.1")
    make_user(email="verified@example.com")
    smtp_mailbox.messages.clear()

    answers = [
        APIClient().post("/api/auth/verify/resend/", {"email": address}, format="json")
        for address in ("waiting@example.com", "verified@example.com", "nobody@example.com")
    ]

    assert {(a.status_code, a.content) for a in answers} == {
        (202, b'{"detail":"' + services.VERIFICATION_SENT.encode() + b'"}')
    }
    assert [m["To"] for m in smtp_mailbox.messages] == ["waiting@example.com"]


# --- password reset ---------------------------------------------------------------------------


def test_reset_by_e_mail_sets_the_password_once_and_signs_out_every_session(smtp_mailbox):
    bo = make_user(email="bo@example.com")
    elsewhere = _sign_in("bo@example.com")
    api_client = token_client(bo)
    assert _signed_in_email(elsewhere) == "bo@example.com"
    assert api_client.get("/api/me/").status_code == 200

    asked = Client().post("/accounts/password/reset/", {"email": "bo@example.com"}, follow=True)
    assert RESET_SENT in asked.text
    [message] = smtp_mailbox.to("bo@example.com")
    link = smtp_mailbox.link(message, "/accounts/password/reset/")
    browser = Client()
    assert browser.get(link).status_code == 200
    done = browser.post(
        link, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}, follow=True
    )

    assert "Your password is changed" in done.text
    assert _signed_in_email(elsewhere) is None
    assert api_client.get("/api/me/").status_code == 401
    assert _signed_in_email(_sign_in("bo@example.com")) is None
    assert _signed_in_email(_sign_in("bo@example.com", NEW_PASSWORD)) == "bo@example.com"
    reused = browser.get(link, follow=True)
    assert "This link is invalid or has expired" in reused.text
    again = browser.post(link, {"password": "yet-another-pass-77", "password_again": "x"})
    assert again.status_code == 302
    assert User.objects.get(email="bo@example.com").check_password(NEW_PASSWORD)


def test_reset_answers_are_identical_for_known_and_unknown_addresses(smtp_mailbox):
    make_user(email="known@example.com")

    api = [
        APIClient().post("/api/auth/password/reset/", {"email": address}, format="json")
        for address in ("known@example.com", "unknown@example.com")
    ]
    web = [
        Client().post("/accounts/password/reset/", {"email": address})
        for address in ("known@example.com", "unknown@example.com")
    ]

    assert api[0].status_code == api[1].status_code == 202
    assert api[0].content == api[1].content
    assert api[0].json() == {"detail": RESET_SENT}
    assert web[0].status_code == web[1].status_code == 302
    assert web[0]["Location"] == web[1]["Location"]
    assert [m["To"] for m in smtp_mailbox.messages] == ["known@example.com"] * 2


def test_an_expired_reset_link_or_one_for_another_user_sets_nothing(smtp_mailbox, settings):
    make_user(email="cy@example.com")
    make_user(email="di@example.com")
    for address in ("cy@example.com", "di@example.com"):
        services.request_password_reset(email=address, client_address="10.0.0.2", site="http://t")
    cy_link = smtp_mailbox.link(smtp_mailbox.to("cy@example.com")[0], "/accounts/password/")
    di_link = smtp_mailbox.link(smtp_mailbox.to("di@example.com")[0], "/accounts/password/")
    cy_uid = cy_link.strip("/").split("/")[-2]
    di_uid, di_token = di_link.strip("/").split("/")[-2:]

    crossed = APIClient().post(
        "/api/auth/password/reset/confirm/",
        {"uid": cy_uid, "token": di_token, "password": NEW_PASSWORD},
        format="json",
    )
    settings.PASSWORD_RESET_TIMEOUT = -1
    expired = APIClient().post(
        "/api/auth/password/reset/confirm/",
        {"uid": di_uid, "token": di_token, "password": NEW_PASSWORD},
        format="json",
    )

    assert crossed.status_code == expired.status_code == 400
    assert crossed.json()["code"] == expired.json()["code"] == "invalid_link"
    assert not User.objects.filter(email="cy@example.com")[0].check_password(NEW_PASSWORD)
    assert not User.objects.filter(email="di@example.com")[0].check_password(NEW_PASSWORD)


def test_reset_requests_are_limited_per_address_alike_for_known_and_unknown(settings):
    settings.ACCOUNTS = {**settings.ACCOUNTS, "PASSWORD_RESET_LIMIT": (2, 3600)}
    make_user(email="known@example.com")

    def ask(email: str, address: str):
        return APIClient(REMOTE_ADDR=address).post(
            "/api/auth/password/reset/", {"email": email}, format="json"
        )

    assert [ask("known@example.com", "10.1.1.1").status_code for _ in range(3)] == [202, 202, 429]
    unknown = [ask("unknown@example.com", "10.2.2.2") for _ in range(3)]
    assert [r.status_code for r in unknown] == [202, 202, 429]
    assert unknown[2].json()["code"] == "too_many_reset_requests"


def test_a_flood_of_reset_requests_does_not_stop_the_owners_own(smtp_mailbox, settings):
    settings.ACCOUNTS = {**settings.ACCOUNTS, "PASSWORD_RESET_ACCOUNT_LIMIT": (1, 3600)}
    make_user(email="owner@example.com")
    _sign_in("owner@example.com", client=Client(REMOTE_ADDR="10.9.9.9"))

    for address in ("10.1.0.1", "10.1.0.2", "10.1.0.3"):
        answer = APIClient(REMOTE_ADDR=address).post(
            "/api/auth/password/reset/", {"email": "owner@example.com"}, format="json"
        )
        assert answer.status_code == 202
    assert len(smtp_mailbox.to("owner@example.com")) == 1  # the others were not sent
    own = APIClient(REMOTE_ADDR="10.9.9.9").post(
        "/api/auth/password/reset/", {"email": "owner@example.com"}, format="json"
    )

    assert own.status_code == 202
    assert len(smtp_mailbox.to("owner@example.com")) == 2


# --- password policy --------------------------------------------------------------------------


def _password_codes(response) -> set[str]:
    return {e["code"] for e in response.json().get("errors", []) if e["field"] == "password"}


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("short-1", "password_too_short"),
        ("Password123!", "password_breached"),
        ("abbie.example.net", "password_too_similar"),
    ],
)
def test_sign_up_refuses_weak_breached_and_personal_passwords(password, code):
    response = APIClient().post(
        "/api/auth/signup/", {"email": "abbie@example.net", "password": password}, format="json"
    )

    assert response.status_code == 422
    assert code in _password_codes(response)


def test_the_last_five_passwords_cannot_be_chosen_again():
    user = make_user(email="eve@example.com")
    passwords = [PASSWORD] + [f"rotating-passphrase-{n}" for n in range(1, 6)]
    client = APIClient()
    client.force_authenticate(user)

    def change(current: str, new: str):
        return client.post(
            "/api/me/password/", {"current_password": current, "password": new}, format="json"
        )

    for current, new in itertools.pairwise(passwords):
        assert change(current, new).status_code == 204
    reused = change(passwords[-1], passwords[2])
    sixth_back = change(passwords[-1], passwords[0])

    assert reused.status_code == 422
    assert _password_codes(reused) == {"password_reused"}
    assert sixth_back.status_code == 204


# --- sessions ---------------------------------------------------------------------------------


def test_signing_in_beyond_the_session_cap_ends_the_oldest_session(settings):
    settings.ACCOUNTS = {**settings.ACCOUNTS, "MAX_SESSIONS": 2}
    make_user(email="fay@example.com")

    first, second, third = (_sign_in("fay@example.com") for _ in range(3))

    assert _signed_in_email(first) is None
    assert _signed_in_email(second) == "fay@example.com"
    assert _signed_in_email(third) == "fay@example.com"


# --- account settings -------------------------------------------------------------------------


def test_settings_change_the_display_name():
    make_user(email="gus@example.com", display_name="Gus")
    client = _sign_in("gus@example.com")

    client.post("/accounts/settings/", {"form": "profile", "display_name": "Augustus"})

    assert User.objects.get(email="gus@example.com").display_name == "Augustus"


def test_an_e_mail_change_waits_for_the_new_address_and_tells_the_old(
    smtp_mailbox, capture_published_events
):
    user = make_user(email="old@example.com")
    client = _sign_in("old@example.com")

    asked = client.post(
        "/accounts/settings/",
        {"form": "email", "email": "new@example.org", "password": PASSWORD},
        follow=True,
    )
    assert "We have sent a link to the new address" in asked.text
    assert User.objects.get(pk=user.pk).email == "old@example.com"
    [message] = smtp_mailbox.to("new@example.org")
    client.get(smtp_mailbox.link(message, "/accounts/email/confirm/"))

    assert User.objects.get(pk=user.pk).email == "new@example.org"
    [notice] = smtp_mailbox.to("old@example.com")
    assert notice["Subject"] == "Your Keel e-mail address was changed"
    assert [(e.event_type, e.payload["new_email"]) for e in capture_published_events()] == [
        ("account.email_changed", "new@example.org")
    ]
    reused = client.get(smtp_mailbox.link(message, "/accounts/email/confirm/"), follow=True)
    assert "This link is invalid or has expired" in reused.text


def test_a_password_change_keeps_this_session_and_ends_the_others(capture_published_events):
    make_user(email="hal@example.com")
    other = _sign_in("hal@example.com")
    client = _sign_in("hal@example.com")

    client.post(
        "/accounts/settings/",
        {
            "form": "password",
            "current_password": PASSWORD,
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
    )

    assert _signed_in_email(client) == "hal@example.com"
    assert _signed_in_email(other) is None
    assert [e.event_type for e in capture_published_events()] == ["account.password_changed"]


def test_a_wrong_current_password_changes_nothing():
    make_user(email="ida@example.com")
    client = _sign_in("ida@example.com")

    response = client.post(
        "/accounts/settings/",
        {
            "form": "password",
            "current_password": "not-the-password",
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
    )

    assert "The password is incorrect." in response.text
    assert User.objects.get(email="ida@example.com").check_password(PASSWORD)


def test_a_reset_publishes_its_event(smtp_mailbox, capture_published_events):
    make_user(email="jo@example.com")
    services.request_password_reset(email="jo@example.com", client_address="10.0.0.3")
    link = smtp_mailbox.link(smtp_mailbox.to("jo@example.com")[0], "/accounts/password/")
    uid, token = link.strip("/").split("/")[-2:]

    services.reset_password(uid=uid, token=token, new_password=NEW_PASSWORD)

    assert [e.event_type for e in capture_published_events()] == ["account.password_reset"]


# --- CSRF -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/accounts/password/reset/", {"email": "kim@example.com"}),
        ("/accounts/verify/resend/", {"email": "kim@example.com"}),
        ("/accounts/settings/", {"form": "profile", "display_name": "Changed"}),
    ],
)
def test_the_new_forms_refuse_a_post_without_a_csrf_token(path, data):
    make_user(email="kim@example.com", display_name="Kim")
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(email="kim@example.com"))

    response = client.post(path, data)

    assert response.status_code == 403
    assert User.objects.get(email="kim@example.com").display_name == "Kim"


# --- every door applies the policy; answers that could enumerate accounts ---------------------


@pytest.mark.parametrize(
    ("password", "code"), [("Password123!", "password_breached"), (PASSWORD, "password_reused")]
)
def test_the_admin_set_password_form_applies_the_same_policy(client, password, code):
    root = User.objects.create_superuser("root@example.com", "root-passphrase-long-1")
    member = make_user(email="lou@example.com")
    client.force_login(root)

    response = client.post(
        f"/admin/accounts/user/{member.pk}/password/",
        {"password1": password, "password2": password},
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert code in {error.code for field in form.errors.as_data().values() for error in field}
    assert User.objects.get(pk=member.pk).check_password(PASSWORD)


def test_sign_up_and_sign_in_answer_alike_for_known_and_unknown_addresses():
    make_user(email="taken@example.com")

    sign_ups = [
        APIClient(REMOTE_ADDR=f"10.3.0.{n}").post(
            "/api/auth/signup/", {"email": address, "password": NEW_PASSWORD}, format="json"
        )
        for n, address in enumerate(("taken@example.com", "fresh@example.com"))
    ]
    sign_ins = [
        APIClient().post(
            "/api/auth/token/", {"email": address, "password": "wrong-password-9"}, format="json"
        )
        for address in ("taken@example.com", "nobody@example.com")
    ]

    assert sign_ups[0].status_code == sign_ups[1].status_code == 202
    assert sign_ups[0].content == sign_ups[1].content
    assert sign_ins[0].status_code == sign_ins[1].status_code
    assert sign_ins[0].content == sign_ins[1].content


def test_the_openapi_docs_describe_the_new_endpoints():
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()

    operations = {
        (path, method): schema["paths"][path][method]
        for path, method in [
            ("/api/auth/verify/", "post"),
            ("/api/auth/verify/resend/", "post"),
            ("/api/auth/password/reset/", "post"),
            ("/api/auth/password/reset/confirm/", "post"),
            ("/api/auth/email/confirm/", "post"),
            ("/api/me/", "patch"),
            ("/api/me/password/", "post"),
            ("/api/me/email/", "post"),
        ]
    }
    assert all(operation.get("summary") for operation in operations.values())
    assert "same body" in operations[("/api/auth/password/reset/", "post")]["description"]


def test_the_reset_form_refuses_a_post_without_a_csrf_token(smtp_mailbox):
    make_user(email="max@example.com")
    services.request_password_reset(email="max@example.com", client_address="10.0.0.4")
    link = smtp_mailbox.link(smtp_mailbox.to("max@example.com")[0], "/accounts/password/")

    response = Client(enforce_csrf_checks=True).post(
        link, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    )

    assert response.status_code == 403
    assert User.objects.get(email="max@example.com").check_password(PASSWORD)


def test_staff_end_a_users_session_from_the_admin(client):
    make_user(email="ned@example.com")
    member = _sign_in("ned@example.com")
    client.force_login(User.objects.create_superuser("root@example.com", "root-passphrase-long-1"))
    session = UserSession.objects.get(user__email="ned@example.com")

    client.post(f"/admin/accounts/usersession/{session.pk}/delete/", {"post": "yes"})

    assert _signed_in_email(member) is None
    assert not UserSession.objects.filter(user__email="ned@example.com").exists()
