"""The user admin stores e-mails lower-case and refuses one that exists in another case."""

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from apps.accounts.services import authenticate_user
from tests.accounts.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:accounts_user_add")


@pytest.fixture
def staff_client(client):
    client.force_login(User.objects.create_superuser("root@example.com", "x" * 12))
    return client


def _change_data(user: User, **changes) -> dict:
    """What the user's change page posts back, with `changes` applied."""
    return {
        "email": user.email,
        "display_name": user.display_name,
        "is_active": "on",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "last_login_0": "",
        "last_login_1": "",
        **changes,
    }


def test_admin_adds_a_user_with_the_email_lower_cased_who_can_then_sign_in(staff_client):
    response = staff_client.post(
        ADD_URL, {"email": "New.Person@Example.COM", "password1": PASSWORD, "password2": PASSWORD}
    )

    user = User.objects.get(email="new.person@example.com")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:accounts_user_change", args=[user.pk])
    assert authenticate_user(email="NEW.PERSON@example.com", password=PASSWORD) == user


def test_admin_refuses_an_email_that_exists_in_another_case(staff_client):
    existing = make_user(email="taken@example.com")

    response = staff_client.post(
        ADD_URL, {"email": "TAKEN@Example.com", "password1": PASSWORD, "password2": PASSWORD}
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "email": ["An account with the e-mail taken@example.com already exists."]
    }
    assert "An account with the e-mail taken@example.com already exists." in response.text
    assert list(User.objects.filter(email__iexact="taken@example.com")) == [existing]
    assert authenticate_user(email="taken@example.com", password=PASSWORD) == existing


def test_admin_add_keeps_refusing_bad_passwords(staff_client):
    response = staff_client.post(
        ADD_URL, {"email": "short@example.com", "password1": "abc", "password2": "abc"}
    )

    assert response.status_code == 200
    assert "password2" in response.context["adminform"].form.errors
    assert not User.objects.filter(email="short@example.com").exists()


def test_changing_an_email_stores_it_lower_cased(staff_client):
    user = make_user(email="old@example.com", display_name="Moving")
    url = reverse("admin:accounts_user_change", args=[user.pk])

    response = staff_client.post(url, _change_data(user, email="Moved@Example.com"))

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "moved@example.com"
    assert user.display_name == "Moving"


def test_changing_an_email_to_another_users_in_another_case_is_refused(staff_client):
    make_user(email="first@example.com")
    second = make_user(email="second@example.com")
    url = reverse("admin:accounts_user_change", args=[second.pk])

    response = staff_client.post(url, _change_data(second, email="FIRST@example.com"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "email": ["An account with the e-mail first@example.com already exists."]
    }
    second.refresh_from_db()
    assert second.email == "second@example.com"


def test_saving_a_user_with_their_own_email_in_another_case_is_allowed(staff_client):
    user = make_user(email="same@example.com", display_name="Before")
    url = reverse("admin:accounts_user_change", args=[user.pk])

    response = staff_client.post(
        url, _change_data(user, email="Same@Example.com", display_name="After")
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "same@example.com"
    assert user.display_name == "After"


def test_the_database_refuses_two_emails_differing_only_in_case():
    from django.db import IntegrityError, transaction

    from apps.accounts.models import User

    User.objects.create_user("case@example.com", "x" * 12)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="CASE@example.com")


def test_admin_login_signs_staff_in_and_refuses_members(client):
    User.objects.create_superuser("root@example.com", PASSWORD)
    make_user(email="member@example.com")
    login_url = reverse("admin:login")

    member = Client().post(
        login_url, {"username": "member@example.com", "password": PASSWORD, "next": "/admin/"}
    )
    staff = client.post(
        login_url, {"username": "ROOT@example.com", "password": PASSWORD, "next": "/admin/"}
    )

    assert member.status_code == 200
    assert "Please enter the correct e-mail address and password" in member.text
    assert staff.status_code == 302
    assert staff["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_admin_password_change_checks_the_old_password_within_the_sign_in_limits(client):
    root = User.objects.create_superuser("root@example.com", PASSWORD)
    client.force_login(root)
    url = reverse("admin:password_change")
    new = "a-brand-new-passphrase"

    def change(old_password: str):
        return client.post(
            url, {"old_password": old_password, "new_password1": new, "new_password2": new}
        )

    wrong = [change("not-it") for _ in range(5)]
    right_but_too_soon = change(PASSWORD)

    assert all("Your old password was entered incorrectly." in response.text for response in wrong)
    assert right_but_too_soon.status_code == 200
    assert "Too many sign-in attempts. Try again in 1 second." in right_but_too_soon.text
    root.refresh_from_db()
    assert root.check_password(PASSWORD)


def test_admin_password_change_with_the_right_old_password_changes_it(client):
    root = User.objects.create_superuser("root@example.com", PASSWORD)
    client.force_login(root)
    new = "a-brand-new-passphrase"

    response = client.post(
        reverse("admin:password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:password_change_done")
    root.refresh_from_db()
    assert root.check_password(new)


def test_admin_gives_a_user_a_role_through_the_accounts_service(staff_client):
    from django.contrib.auth.models import Group

    from apps.accounts.services import define_role

    moderators = define_role(name="moderator", permissions=["content.hide_comment"])
    user = make_user(email="member@example.com")
    url = reverse("admin:accounts_user_change", args=[user.pk])

    response = staff_client.post(url, _change_data(user, groups=[moderators.pk]))

    assert response.status_code == 302
    assert list(user.groups.all()) == [Group.objects.get(name="moderator")]
    user = User.objects.get(pk=user.pk)  # permissions are cached per instance
    assert user.has_perm("content.hide_comment")


def test_admin_adds_an_account_that_cannot_sign_in_with_a_password(staff_client):
    response = staff_client.post(
        ADD_URL, {"email": "Robot@Example.com", "usable_password": "false"}
    )

    robot = User.objects.get(email="robot@example.com")
    assert response.status_code == 302
    assert not robot.has_usable_password()


def test_admin_deletes_an_account_through_the_service(staff_client):
    user = make_user(email="leaving@example.com")

    response = staff_client.post(
        reverse("admin:accounts_user_delete", args=[user.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()


def test_staff_without_add_user_cannot_add_an_account(client):
    from apps.accounts.services import create_account

    clerk = create_account(email="clerk@example.com", password=PASSWORD, is_staff=True)
    client.force_login(clerk)

    response = client.post(
        ADD_URL, {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD}
    )

    assert response.status_code == 403
    assert not User.objects.filter(email="new@example.com").exists()
