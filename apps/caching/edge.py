"""The edge cache: public responses served from the cache before Django's handler runs.

A WSGI wrapper around Django (config/wsgi.py). Views opt in with `@edge_cached(ttl, tags)`,
which marks a response for the edge with the CDN headers `Surrogate-Control: max-age=N` and
`Surrogate-Key: <tags>` only when it is public by construction: a GET of an anonymous
request that sets no cookie. The wrapper stores such responses, keyed by host, path, query
and Accept header (the negotiated representation), under their tags in the two-level
cache, and answers later anonymous GETs for the same key without entering Django at all.
Any write to a model in the tags invalidates the entries on commit (the same tag versions
as the query cache), so a cached page never outlives the data it shows.

Never one user's response for another: a request carrying credentials (an Authorization
header or the session cookie) bypasses the edge both ways, and only responses the view
marked, with no Set-Cookie, are stored. The Surrogate-* headers are removed before a
response leaves, and every response says `X-Edge-Cache: hit`, `miss` or `bypass`.
"""

import functools
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.http import HttpRequest, HttpResponse

from apps.caching.invalidation import model_tag

SURROGATE_CONTROL = "Surrogate-Control"
SURROGATE_KEY = "Surrogate-Key"
_STRIPPED = {SURROGATE_CONTROL.lower(), SURROGATE_KEY.lower()}
# The tags of each stored key, so a lookup knows which tag versions to check (also stored in
# the cache beside the entry, for the other processes). Bounded: it grows with the number of
# distinct public URLs served, and is emptied when it passes this.
_MAX_KNOWN_KEYS = 50_000


def edge_cached(*, ttl: int, tags: Iterable[type[models.Model] | str]):
    """Let the edge cache keep this view's anonymous GET responses for `ttl` seconds."""
    tag_names = surrogate_keys(tags)

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            response = view(request, *args, **kwargs)
            mark_for_edge(request, response, ttl=ttl, tags=tag_names)
            return response

        return wrapper

    return decorate


def mark_for_edge(request, response, *, ttl: int, tags: str) -> None:
    """Let the edge keep `response` if it is public by construction (see the module doc)."""
    if _is_public(request, response):
        response[SURROGATE_CONTROL] = f"max-age={ttl}"
        response[SURROGATE_KEY] = tags


def surrogate_keys(tags: Iterable[type[models.Model] | str]) -> str:
    return " ".join(tag if isinstance(tag, str) else model_tag(tag) for tag in tags)


def _is_public(request: HttpRequest, response: HttpResponse) -> bool:
    user = getattr(request, "user", None)
    return (
        request.method in ("GET", "HEAD")
        and response.status_code == 200
        and not response.cookies
        and not getattr(response, "streaming", False)
        and "HTTP_AUTHORIZATION" not in request.META
        and not (user is not None and user.is_authenticated)
    )


class EdgeCache:
    """WSGI middleware serving stored public responses; see the module docstring."""

    def __init__(self, application: Callable) -> None:
        self.application = application
        # The session cookie is a credential; the messages cookie carries a message meant
        # for this visitor's next page.
        self.personal_cookies = (f"{settings.SESSION_COOKIE_NAME}=", "messages=")
        self.known_tags: dict[str, tuple[str, ...]] = {}

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        if method not in ("GET", "HEAD") or self._carries_credentials(environ):
            return self._pass(environ, start_response, "bypass")
        key = self._key(environ)
        tags = self.known_tags.get(key)
        if tags is None:
            # Stored by another process: its tags are kept beside it.
            tags = cache.get(key + "|tags")
            if tags is not None:
                self._remember_tags(key, tags)
        if tags is not None:
            entry = cache.tags(*tags).get(key)
            if entry is not None:
                status, headers, body = entry
                start_response(status, [*headers, ("X-Edge-Cache", "hit")])
                return [b""] if method == "HEAD" else [body]
        if method == "HEAD":
            return self._pass(environ, start_response, "miss")
        return self._fill(environ, start_response, key)

    def _carries_credentials(self, environ: dict[str, Any]) -> bool:
        if "HTTP_AUTHORIZATION" in environ:
            return True
        cookies = environ.get("HTTP_COOKIE", "")
        return any(name in cookies for name in self.personal_cookies)

    @staticmethod
    def _key(environ: dict[str, Any]) -> str:
        return "edge:{}|{}|{}?{}|{}".format(
            environ.get("wsgi.url_scheme", "http"),
            environ.get("HTTP_HOST", ""),
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
            environ.get("HTTP_ACCEPT", ""),
        )

    def _pass(self, environ, start_response, verdict: str) -> Iterable[bytes]:
        def start(status, headers, exc_info=None):
            headers = [(k, v) for k, v in headers if k.lower() not in _STRIPPED]
            return start_response(status, [*headers, ("X-Edge-Cache", verdict)], exc_info)

        return self.application(environ, start)

    def _fill(self, environ, start_response, key: str) -> Iterable[bytes]:
        captured: dict[str, Any] = {}

        def start(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            kept = [(k, v) for k, v in headers if k.lower() not in _STRIPPED]
            return start_response(status, [*kept, ("X-Edge-Cache", "miss")], exc_info)

        result = self.application(environ, start)
        headers = {k.lower(): v for k, v in captured.get("headers", [])}
        control = headers.get(SURROGATE_CONTROL.lower(), "")
        if not control.startswith("max-age=") or "set-cookie" in headers:
            return result
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        ttl = int(control.removeprefix("max-age="))
        tags = tuple(headers.get(SURROGATE_KEY.lower(), "").split())
        kept = [(k, v) for k, v in captured["headers"] if k.lower() not in _STRIPPED]
        cache.tags(*tags).set(key, (captured["status"], kept, body), ttl)
        cache.set(key + "|tags", tags, ttl)
        self._remember_tags(key, tags)
        return [body]

    def _remember_tags(self, key: str, tags: tuple[str, ...]) -> None:
        if len(self.known_tags) >= _MAX_KNOWN_KEYS:
            self.known_tags.clear()
        self.known_tags[key] = tags
