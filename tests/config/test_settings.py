"""Production settings: deploy checks pass, missing secrets stop the process at start, and a
production server sends its security headers and marks its cookies secure."""

import os
import re
import secrets
import subprocess
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from apps.accounts.models import User
from tests.accounts.factories import PASSWORD, make_user
from tests.live import BIN, ROOT, WsgiServer

PROD_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.prod",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
    "DJANGO_ALLOWED_HOSTS": "keel.example.com",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/keel",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "REDIS_CACHE_URL": "redis://127.0.0.1:6379/1",
    "EMAIL_URL": "smtp+tls://keel:secret@smtp.example.com:587",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    # Only what a bare shell has: the test process's own settings must not leak in. Coverage's
    # variables pass, so that a measured run measures these settings too.
    clean = {
        k: v
        for k, v in os.environ.items()
        if k in ("PATH", "HOME", "LANG") or k.startswith("COVERAGE_")
    }
    return subprocess.run(
        [str(BIN / "python"), "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_checks_pass_under_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PROD_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_deploy_checks_pass_with_hsts_subdomains_and_preload_turned_on():
    env = {
        **PROD_ENV,
        "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
        "DJANGO_SECURE_HSTS_PRELOAD": "true",
    }
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PROD_ENV.items() if k != "DJANGO_SECRET_KEY"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_its_database_and_redis():
    for missing in ("DATABASE_URL", "REDIS_URL"):
        env = {k: v for k, v in PROD_ENV.items() if k != missing}
        result = _manage("check", env=env)
        assert result.returncode != 0
        assert "Production needs DATABASE_URL and REDIS_URL" in result.stderr


def test_production_refuses_a_cache_sharing_the_brokers_redis_database():
    # The cache evicts under memory pressure; the broker's queues must never be evicted.
    for shared in (
        {"REDIS_CACHE_URL": "redis://127.0.0.1:6379/0"},
        {"REDIS_CACHE_URL": "redis://127.0.0.1:6379"},  # database 0 by default
        {"REDIS_CACHE_URL": None},  # unset: it would fall back to REDIS_URL
        {"CELERY_BROKER_URL": "redis://127.0.0.1:6379/1"},  # the broker on the cache's
    ):
        env = {k: v for k, v in (PROD_ENV | shared).items() if v is not None}
        result = _manage("check", env=env)
        assert result.returncode != 0, shared
        assert "REDIS_CACHE_URL to name a Redis database" in result.stderr

    assert _manage("check", env=PROD_ENV).returncode == 0


@pytest.fixture(scope="module")
def production_server(django_db_setup, tmp_path_factory):
    """granian WSGI under config.settings.prod on the test database, behind a proxy that
    reports HTTPS in X-Forwarded-Proto."""
    server = WsgiServer(
        log_path=tmp_path_factory.mktemp("prod-settings") / "server.log",
        env={
            "DJANGO_SETTINGS_MODULE": "config.settings.prod",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "EMAIL_URL": "smtp://127.0.0.1:1025",
        },
    ).start()
    yield server
    server.stop()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _over_https(server, path: str, *, data: dict | None = None, headers: dict | None = None):
    """(status, headers) of one request through the HTTPS proxy, redirects not followed."""
    request = urllib.request.Request(
        server.url + path,
        data=urlencode(data).encode() if data is not None else None,
        headers={"X-Forwarded-Proto": "https", **(headers or {})},
    )
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=10) as response:
            return response.status, response.headers
    except urllib.error.HTTPError as answer:
        return answer.code, answer.headers


def _cookies(headers) -> dict[str, str]:
    """Each Set-Cookie of a response: name -> its whole header, attributes included."""
    return {line.split("=", 1)[0]: line for line in headers.get_all("Set-Cookie") or []}


@pytest.mark.django_db(transaction=True)
def test_production_sends_its_security_headers_and_secure_cookies(production_server):
    # Given a member, their password stored the way production stores it (the test
    # settings hash with MD5, which production does not read)
    member = make_user(email="member@example.com")
    hasher = PBKDF2PasswordHasher()
    User.objects.filter(pk=member.pk).update(password=hasher.encode(PASSWORD, hasher.salt()))

    # When they open the sign-in page over HTTPS, then sign in with the form's CSRF token
    status, page_headers = _over_https(production_server, "/accounts/signin/")
    csrf_cookie = _cookies(page_headers)["csrftoken"]
    token = re.match(r"csrftoken=([^;]+)", csrf_cookie).group(1)
    signed_in, signed_in_headers = _over_https(
        production_server,
        "/accounts/signin/",
        data={"username": "member@example.com", "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={
            "Cookie": f"csrftoken={token}",
            "Origin": f"https://127.0.0.1:{production_server.port}",
        },
    )

    # Then the page is framed by no one, sniffed by no browser, and its referrer stays on site
    assert status == 200
    assert page_headers["X-Frame-Options"] == "DENY"
    assert page_headers["X-Content-Type-Options"] == "nosniff"
    assert page_headers["Referrer-Policy"] == "same-origin"
    assert page_headers["Strict-Transport-Security"].startswith("max-age=")
    # ...and the CSRF and session cookies travel over HTTPS only, the session out of scripts' reach
    assert "; Secure" in csrf_cookie
    assert signed_in == 302
    session_cookie = _cookies(signed_in_headers)["sessionid"]
    assert "; Secure" in session_cookie
    assert "; HttpOnly" in session_cookie
