"""seed_demo creates a superuser: never with a published password on a server with DEBUG off."""

import re

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from apps.accounts.models import User

PUBLISHED_PASSWORD = "keel-demo-password"


@pytest.mark.django_db
def test_seed_demo_refuses_to_run_with_debug_off():
    # Given production-like settings (the test settings run with DEBUG off)
    # When an operator runs seed_demo without saying they mean it
    with pytest.raises(CommandError, match="--allow-without-debug"):
        call_command("seed_demo")

    # Then no account was created, least of all a superuser
    assert not User.objects.exists()


@pytest.mark.django_db
def test_seed_demo_told_to_run_without_debug_prints_a_random_password_once(capsys):
    # When it is told to run anyway
    call_command("seed_demo", allow_without_debug=True)
    first = capsys.readouterr().out
    call_command("seed_demo", allow_without_debug=True)
    second = capsys.readouterr().out

    # Then the accounts got a fresh random password, shown by the first run only
    shown = re.search(r"their password \(shown once\): (\S+)", first)
    assert shown is not None
    password = shown.group(1)
    assert len(password) >= 20
    assert PUBLISHED_PASSWORD not in first
    assert password not in second
    assert "not shown again" in second
    admin = User.objects.get(email="admin@keel.localhost")
    assert admin.is_superuser
    assert authenticate(username="admin@keel.localhost", password=password) == admin
    assert authenticate(username="admin@keel.localhost", password=PUBLISHED_PASSWORD) is None


@pytest.mark.django_db
def test_each_run_on_a_fresh_database_draws_a_new_password(capsys):
    call_command("seed_demo", allow_without_debug=True)
    first = re.search(r"shown once\): (\S+)", capsys.readouterr().out).group(1)
    User.objects.all().delete()
    call_command("seed_demo", allow_without_debug=True)
    second = re.search(r"shown once\): (\S+)", capsys.readouterr().out).group(1)

    assert first != second
