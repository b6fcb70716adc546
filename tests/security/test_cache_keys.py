"""Cache keys that cannot be confused or flooded: scheme, HTTPS redirect, query strings, tokens.

The edge cache and the query cache are tried as an attacker would, through live WSGI
servers (the edge runs in front of Django there), two of them under the production
settings behind a proxy that reports the scheme in `X-Forwarded-Proto`.
"""

import base64
import json
import secrets
import urllib.error
import urllib.request
from urllib.parse import urlencode, urlparse

import pytest
import redis
from django.conf import settings
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.tokens.services import create_token, revoke_token
from tests.accounts.factories import make_user
from tests.content.factories import make_post
from tests.live import WsgiServer, embedded_env, shell_json
from tests.websocket_client import session_cookie_for

pytestmark = pytest.mark.django_db(transaction=True)


def _token_for(user):
    return create_token(actor=user, name="test", scopes=["read"])


def production_server(*, ssl_redirect: bool, log_path) -> WsgiServer:
    """granian WSGI under config.settings.prod, on the test database and Redis."""
    return WsgiServer(
        log_path=log_path,
        env={
            "DJANGO_SETTINGS_MODULE": "config.settings.prod",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "EMAIL_URL": "smtp://127.0.0.1:1025",
            "DJANGO_SECURE_SSL_REDIRECT": "true" if ssl_redirect else "false",
        },
    ).start()


@pytest.fixture(scope="module")
def proxied_server(django_db_setup, tmp_path_factory):
    """Production settings behind a proxy, HTTPS redirect off (the laptop setting)."""
    server = production_server(
        ssl_redirect=False, log_path=tmp_path_factory.mktemp("prod") / "server.log"
    )
    yield server
    server.stop()


@pytest.fixture(scope="module")
def https_server(django_db_setup, tmp_path_factory):
    """Production settings as deployed: plain HTTP is redirected to HTTPS (not /healthz)."""
    server = production_server(
        ssl_redirect=True, log_path=tmp_path_factory.mktemp("prod-tls") / "server.log"
    )
    yield server
    server.stop()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def fetch(server, path: str, headers=None):
    """(status, headers, body) of one GET, redirects not followed."""
    request = urllib.request.Request(server.url + path, headers=headers or {})
    try:
        with _opener.open(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def links(body: str) -> list[str]:
    """The schemes of a REST page's links: each post's page, then the next page."""
    page = json.loads(body)
    return [urlparse(post["url"]).scheme for post in page["results"]] + [
        urlparse(page["next"]).scheme
    ]


HTTPS = {"X-Forwarded-Proto": "https"}


def test_each_scheme_gets_its_own_links_from_the_edge(proxied_server):
    make_post(title="One", published=True)
    make_post(title="Two", published=True)

    status, secure_headers, secure_body = fetch(proxied_server, "/api/posts/?page_size=1", HTTPS)
    status_again, plain_headers, plain_body = fetch(proxied_server, "/api/posts/?page_size=1")

    assert (status, secure_headers["X-Edge-Cache"]) == (200, "miss")
    assert links(secure_body) == ["https", "https"]
    # Not the page stored for the https request: its own, with http links.
    assert (status_again, plain_headers["X-Edge-Cache"]) == (200, "miss")
    assert links(plain_body) == ["http", "http"]
    assert links(fetch(proxied_server, "/api/posts/?page_size=1", HTTPS)[2]) == ["https"] * 2


def test_each_scheme_gets_its_own_links_from_the_query_cache(proxied_server):
    make_post(title="One", published=True)
    make_post(title="Two", published=True)
    token = _token_for(make_user())
    auth = {"Authorization": f"Bearer {token.key}"}

    secure = fetch(proxied_server, "/api/posts/?page_size=1", auth | HTTPS)
    plain = fetch(proxied_server, "/api/posts/?page_size=1", auth)

    assert (secure[0], secure[1]["X-Edge-Cache"]) == (200, "bypass")
    assert links(secure[2]) == ["https", "https"]
    assert links(plain[2]) == ["http", "http"]


def test_plain_http_is_redirected_even_where_the_edge_holds_the_page(https_server):
    make_post(title="Behind TLS", published=True)
    assert fetch(https_server, "/api/posts/", HTTPS)[1]["X-Edge-Cache"] == "miss"
    assert fetch(https_server, "/api/posts/", HTTPS)[1]["X-Edge-Cache"] == "hit"

    for headers in ({}, {"X-Forwarded-Proto": "http"}):
        status, response_headers, body = fetch(https_server, "/api/posts/", headers)
        assert status == 301
        assert response_headers["Location"] == f"https://{https_server.url[7:]}/api/posts/"
        assert "Behind TLS" not in body

    # SECURE_REDIRECT_EXEMPT still holds: the health check answers on plain HTTP.
    assert fetch(https_server, "/healthz")[0] == 200


def _cache_keys() -> set[bytes]:
    client = redis.Redis.from_url(settings.REDIS_CACHE_URL)
    # The fleet's statistics and the warming's sample of hot entries (one key each) appear
    # in their own time, whatever the requests.
    return {
        key
        for key in client.scan_iter(f"{settings.KEY_PREFIX}*")
        if b"stats" not in key and not key.endswith(b"warming:hot")
    }


def test_new_query_strings_make_no_new_cache_entries(wsgi_server):
    post = make_post(title="Flooded", published=True, tags=["news"])
    token = _token_for(make_user())
    as_reader = {"Cookie": session_cookie_for(make_user())}
    as_client = {"Authorization": f"Bearer {token.key}"}
    paths = ["/", f"/posts/{post.slug}/", "/api/posts/", f"/api/posts/{post.pk}/"]
    for path in paths:
        for headers in ({}, as_reader, as_client):
            assert fetch(wsgi_server, path, headers)[0] == 200
    keys_after_one_visit = _cache_keys()

    for n in range(50):
        for path in paths:
            for headers in ({}, as_reader, as_client):
                status, _headers, body = fetch(wsgi_server, f"{path}?utm_source={n}", headers)
                assert (status, "Flooded" in body) == (200, True)
        # Page numbers past the end, page sizes read as another, other Accept headers,
        # padded post ids.
        assert fetch(wsgi_server, f"/?page={n + 2}")[0] == 200
        for headers in ({}, as_client):
            assert fetch(wsgi_server, f"/api/posts/?page_size=0{n + 1}", headers)[0] == 200
        assert fetch(wsgi_server, "/api/posts/", {"Accept": f"application/json, x/{n}"})[0] == 200
        assert fetch(wsgi_server, f"/api/posts/{'0' * (n + 1)}{post.pk}/")[0] == 200

    assert _cache_keys() == keys_after_one_visit
    assert fetch(wsgi_server, "/?utm_source=again")[1]["X-Edge-Cache"] == "hit"


def test_tags_and_cursors_nobody_made_make_no_new_cache_entries(wsgi_server):
    # Given a tagged post, read once through every cached door
    make_post(title="Tagged", published=True, tags=["news"])
    token = _token_for(make_user())
    as_reader = {"Cookie": session_cookie_for(make_user())}
    as_client = {"Authorization": f"Bearer {token.key}"}
    for path in ("/?tag=news", "/api/posts/?tag=news"):
        for headers in ({}, as_reader, as_client):
            status, _headers, body = fetch(wsgi_server, path, headers)
            assert (status, "Tagged" in body) == (200, True)
    keys_after_one_visit = _cache_keys()

    # When clients try tag after tag that no post carries, and cursors of their own making
    for n in range(30):
        for headers in ({}, as_reader, as_client):
            status, _headers, body = fetch(wsgi_server, f"/?tag=nosuch{n}", headers)
            assert (status, "Tagged" in body) == (200, False)
            status, _headers, body = fetch(wsgi_server, f"/api/posts/?tag=nosuch{n}", headers)
            assert (status, json.loads(body)["results"]) == (200, [])
        position = urlencode({"p": f"2026-01-01T00:00:00+00:00,{n}"})
        forged = base64.b64encode(position.encode()).decode()
        query = urlencode({"cursor": forged})
        for headers in ({}, as_client):
            assert fetch(wsgi_server, f"/api/posts/?{query}", headers)[0] == 404

    # Then the cache holds what it held after the first visit, and nothing more
    assert _cache_keys() == keys_after_one_visit


def test_spellings_of_the_host_make_no_new_cache_entries(wsgi_server):
    # Given a post read once, anonymously and with a token
    make_post(title="Hosted", published=True)
    token = _token_for(make_user())
    as_client = {"Authorization": f"Bearer {token.key}"}
    for headers in ({}, as_client):
        assert fetch(wsgi_server, "/api/posts/", headers)[0] == 200
    keys_after_one_visit = _cache_keys()

    # When the Host header names the same allowed host in other cases and with other ports
    spellings = [f"127.0.0.1:{port}" for port in range(1, 21)]
    spellings += [f"LocalHost:{wsgi_server.port}", f"LOCALHOST:{wsgi_server.port}"]
    for host in spellings:
        for headers in ({}, as_client):
            status, _headers, body = fetch(wsgi_server, "/api/posts/", headers | {"Host": host})
            # Then each is answered, with links to the host it named...
            assert (status, f"//{host}/posts/hosted/" in body) == (200, True)

    # ...and none was stored
    assert _cache_keys() == keys_after_one_visit


def test_cached_token_lookups_hold_the_user_id_not_the_token_nor_the_password_hash():
    user = make_user(email="holder@example.com")
    token = _token_for(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.key}")
    assert client.get("/api/posts/").status_code == 200
    assert client.get("/api/posts/").status_code == 200

    store = redis.Redis.from_url(settings.REDIS_CACHE_URL)
    token_keys = list(store.scan_iter(f"{settings.KEY_PREFIX}*tokens:pat:*"))
    user_keys = list(store.scan_iter(f"{settings.KEY_PREFIX}*tokens:user:*"))
    token_entry, user_entry = store.get(token_keys[0]), store.get(user_keys[0])

    # The token's lookup keeps which user it belongs to, nothing of the user or the token
    assert (len(token_keys), len(user_keys)) == (1, 1)
    assert user_keys[0].endswith(f":{user.pk}".encode())
    for entry in (token_entry, user_entry):
        assert token.key.encode() not in entry
        assert user.password.encode() not in entry
        assert user.password.split("$")[-1].encode() not in entry
    assert b"holder@example.com" not in token_entry
    # Deactivating the user and revoking the token still take effect at once.
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert client.get("/api/posts/").status_code == 401
    User.objects.filter(pk=user.pk).update(is_active=True)
    assert client.get("/api/posts/").status_code == 200
    revoke_token(actor=user, token_id=token.token.pk)
    assert client.get("/api/posts/").status_code == 401


TAG_A_POST_ON_SQLITE = """
import json
from django.test import Client
from django.core.management import call_command
from apps.accounts.models import User
from apps.tokens.services import create_token, revoke_token
from apps.content.services import create_post, update_post

call_command("migrate", verbosity=0)
ann = User.objects.create_user(email="ann@example.com", password="x-long-password-1")
create_post(actor=ann, title="Other", body="b", tags=["known"], publish_now=True)
post = create_post(actor=ann, title="Tagged", body="b", tags=["alpha"], publish_now=True)
client = Client(HTTP_HOST="127.0.0.1")
reads = [client.get(f"/api/posts/{post.pk}/").json()["tags"]]
update_post(post=post, actor=ann, tags=["alpha", "known"])  # a tag that exists
reads.append(client.get(f"/api/posts/{post.pk}/").json()["tags"])
update_post(post=post, actor=ann, tags=["alpha", "known", "fresh"])  # a new tag
reads.append(client.get(f"/api/posts/{post.pk}/").json()["tags"])
print(json.dumps(reads))
"""


def test_tagging_a_post_on_sqlite_invalidates_its_cached_reads(tmp_path):
    # On the embedded defaults, as `make run` starts: SQLite, the in-process cache.
    reads = shell_json(TAG_A_POST_ON_SQLITE, embedded_env(tmp_path))
    assert reads == [["alpha"], ["alpha", "known"], ["alpha", "fresh", "known"]]
