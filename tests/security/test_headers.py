"""Security headers: the Content-Security-Policy on every response, no nonce on edge-cached
pages, and HSTS's includeSubDomains and preload only when the operator opts in."""

import json
import os
import re
import secrets
import subprocess
import urllib.request

import pytest

from tests.content.factories import make_comment, make_post
from tests.live import BIN, ROOT, subprocess_env

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; "
    "form-action 'self'"
)
GRAPHIQL_POLICY = (
    "default-src 'self'; script-src 'self' https://cdn.jsdelivr.net; "
    "style-src 'self' https://cdn.jsdelivr.net; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'; "
    "font-src 'self' data:"
)
ONE_YEAR = 60 * 60 * 24 * 365
# A <script> element with a body, a <style> element, a style attribute, an on* handler.
INLINE_CODE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>\s*\S|<style[\s>]|\sstyle=|\son[a-z]+=|javascript:", re.I
)

# Prints the headers of one request made inside Django (test client), under the settings
# and environment the subprocess was given.
_HEADERS_OF = """
import json, sys
import django
django.setup()
from django.test import Client
response = Client().get(sys.argv[1], secure=True, HTTP_HOST=sys.argv[2])
print(json.dumps(dict(response.headers)))
"""


def _headers_under(settings_module: str, path: str, host: str, **env: str) -> dict[str, str]:
    # Only what a bare shell has, plus the test database and Redis: the settings under test
    # must come from the environment given here alone. Coverage's variables pass, so that a
    # measured run measures these settings too.
    base = subprocess_env()
    clean = {
        k: v
        for k, v in os.environ.items()
        if k in ("PATH", "HOME", "LANG") or k.startswith("COVERAGE_")
    }
    clean |= {k: base[k] for k in ("DATABASE_URL", "REDIS_URL", "REDIS_CACHE_URL")}
    result = subprocess.run(
        [str(BIN / "python"), "-c", _HEADERS_OF, path, host],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": settings_module, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _prod_headers(path: str = "/no-such-page/", **env: str) -> dict[str, str]:
    return _headers_under(
        "config.settings.prod",
        path,
        "keel.example.com",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="keel.example.com",
        EMAIL_URL="smtp+tls://keel:secret@smtp.example.com:587",
        **env,
    )


@pytest.mark.django_db
def test_pages_and_the_api_carry_the_content_security_policy(client, admin_client):
    # Given a published post
    post = make_post(title="Policy", published=True)

    # When pages, the REST API, its docs, the admin and an error page are requested
    responses = {
        path: client.get(path)
        for path in (
            "/",
            f"/posts/{post.slug}/",
            "/accounts/signin/",
            "/accounts/signup/",
            "/api/posts/",
            "/api/docs/",
            "/admin/login/",
            "/no-such-page/",
        )
    }
    responses["/admin/content/post/"] = admin_client.get("/admin/content/post/")
    responses["/ops/cache/"] = admin_client.get("/ops/cache/")

    # Then every one carries the site's policy, enforced
    assert {path: r.get("Content-Security-Policy") for path, r in responses.items()} == {
        path: POLICY for path in responses
    }
    assert [
        path for path, r in responses.items() if "Content-Security-Policy-Report-Only" in r
    ] == []


@pytest.mark.django_db
def test_the_public_pages_hold_no_inline_script_style_or_handler(client):
    # Given a published post with a comment
    post = make_post(title="Inline?", tags=["csp"], published=True)
    make_comment(post=post, body="Hello")

    # When an anonymous reader loads the feed, the post, the sign-in and sign-up pages
    bodies = {
        path: client.get(path).content.decode()
        for path in (
            "/",
            "/?tag=csp",
            f"/posts/{post.slug}/",
            "/accounts/signin/",
            "/accounts/signup/",
        )
    }

    # Then no page holds code the policy would block, nor a nonce
    assert {path: INLINE_CODE.findall(body) for path, body in bodies.items()} == {
        path: [] for path in bodies
    }
    assert [path for path, body in bodies.items() if "nonce" in body.lower()] == []


@pytest.mark.django_db
def test_the_api_docs_load_swagger_ui_from_static_files_and_a_script_url(client):
    # When the REST API docs page is requested
    page = client.get("/api/docs/")

    # Then it holds no inline script or style: its init script is a URL of its own
    body = page.content.decode()
    assert INLINE_CODE.findall(body) == []
    script_url = re.search(r'<script src="(/api/docs/\?[^"]*script=[^"]*)"', body).group(1)
    script = client.get(script_url.replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


@pytest.mark.django_db
def test_the_graphiql_page_allows_its_cdn_and_holds_no_inline_code(client):
    # When a browser asks the GraphQL endpoint for its page
    page = client.get("/graphql/", HTTP_ACCEPT="text/html")

    # Then GraphiQL's page may load from its CDN only, and holds no inline script or style
    assert page.status_code == 200
    assert page["Content-Security-Policy"] == GRAPHIQL_POLICY
    assert INLINE_CODE.findall(page.content.decode()) == []


@pytest.mark.django_db(transaction=True)
def test_edge_cached_pages_carry_the_policy_without_a_nonce(wsgi_server):
    # Given a published post, its page and the feed stored by the edge cache
    post = make_post(title="Cached for all", published=True)
    paths = ("/", f"/posts/{post.slug}/")
    for path in paths:
        urllib.request.urlopen(wsgi_server.url + path, timeout=10).close()

    # When anonymous readers get them from the edge
    served = {}
    for path in paths:
        with urllib.request.urlopen(wsgi_server.url + path, timeout=10) as response:
            served[path] = (
                response.headers["X-Edge-Cache"],
                response.headers["Content-Security-Policy"],
                "nonce" in response.read().decode().lower(),
            )

    # Then each carries the site's policy, with no nonce in the header or the body
    assert served == {path: ("hit", POLICY, False) for path in paths}


def test_the_policy_can_be_report_only():
    # When the report-only switch is on
    headers = _headers_under(
        "config.settings.test", "/no-such-page/", "localhost", DJANGO_CSP_REPORT_ONLY="true"
    )

    # Then browsers are told to report, not to block
    assert headers.get("Content-Security-Policy-Report-Only") == POLICY
    assert "Content-Security-Policy" not in headers


def test_hsts_leaves_out_subdomains_and_preload_by_default_in_production():
    # When production serves a request over HTTPS with no HSTS setting given
    headers = _prod_headers()

    # Then HSTS covers this host for a year, and neither its subdomains nor the preload list
    assert headers["Strict-Transport-Security"] == f"max-age={ONE_YEAR}"


def test_hsts_includes_subdomains_and_preload_when_the_operator_opts_in():
    # When the operator turns each on
    both = _prod_headers(
        DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS="true", DJANGO_SECURE_HSTS_PRELOAD="true"
    )
    subdomains = _prod_headers(DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS="true")

    # Then HSTS says so
    assert both["Strict-Transport-Security"] == f"max-age={ONE_YEAR}; includeSubDomains; preload"
    assert subdomains["Strict-Transport-Security"] == f"max-age={ONE_YEAR}; includeSubDomains"
