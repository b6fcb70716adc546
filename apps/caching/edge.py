"""The edge cache: public responses served from the cache before Django's handler runs.

A WSGI wrapper around Django (config/wsgi.py). Views opt in with
`@edge_cached(ttl=..., tags=[...], params=(...))`, which marks a response for the edge with
the CDN headers `Surrogate-Control: max-age=N` and `Surrogate-Key: <tags>`, and with
`Surrogate-Params: <names>`, the query parameters the view reads, only when it is public by
construction: a GET of an anonymous request that sets no cookie. The wrapper stores such
responses in the two-level cache under their tags, and answers later anonymous GETs for
the same key without entering Django at all. Any write to a model in the tags invalidates
the entries on commit (the same tag versions as the query cache), so a cached page never
outlives the data it shows: a page is stored under the tag versions read before it was
rendered, so a write committed while it renders leaves it stale at once (but for a path's
very first fill, which learns the tags from the response).

The key is the scheme (as Django reads it, through `SECURE_PROXY_SSL_HEADER`), host, path,
the declared query parameters alone (apps/caching/query_params.py) and, only for a view
whose response says `Vary: Accept`, the Accept header. The wrapper runs before Django, so it
learns what a path's view declared from the first response it stores for that path: that
*route* (tags, parameters, whether it varies on Accept) is kept in the cache, one entry per
path, beside the pages. Once a path's route is known, a request's query is cut down to the
declared parameters before Django sees it, so what the view renders is the same for every
query that keys alike, and `?utm_source=1`, `2`, `3`... are all answered by one entry.
Before a route is known, a response is stored only if its query was already canonical.

Where Django would redirect to HTTPS (`SECURE_SSL_REDIRECT`, a plain-HTTP request, a path
not in `SECURE_REDIRECT_EXEMPT`), the wrapper neither answers nor stores: Django redirects.

Never one user's response for another: a request carrying credentials (an Authorization
header or the session cookie) bypasses the edge both ways, and only responses the view
marked, with no Set-Cookie, are stored. The Surrogate-* headers are removed before a
response leaves, and every response says `X-Edge-Cache: hit`, `miss` or `bypass`.
"""

import functools
import re
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from django.conf import settings
from django.core.handlers.wsgi import get_path_info, get_script_name
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port

from apps.caching.default import cache
from apps.caching.invalidation import model_tag
from apps.caching.query_params import canonical_query

SURROGATE_CONTROL = "Surrogate-Control"
SURROGATE_KEY = "Surrogate-Key"
SURROGATE_PARAMS = "Surrogate-Params"
_STRIPPED = {SURROGATE_CONTROL.lower(), SURROGATE_KEY.lower(), SURROGATE_PARAMS.lower()}
# Routes known to this process. Bounded: it grows with the number of distinct public paths
# served, and is emptied when it passes this.
_MAX_KNOWN_ROUTES = 50_000


class Route(NamedTuple):
    """What the view of one path declared: how its responses are tagged and keyed."""

    tags: tuple[str, ...]
    params: tuple[str, ...]
    vary_accept: bool


def edge_cached(*, ttl: int, tags: Iterable[type[models.Model] | str], params: Iterable[str] = ()):
    """Let the edge cache keep this view's anonymous GET responses for `ttl` seconds.

    `params`: the query parameters the view reads; the edge ignores every other one.
    """
    tag_names = surrogate_keys(tags)
    param_names = tuple(params)

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            response = view(request, *args, **kwargs)
            mark_for_edge(request, response, ttl=ttl, tags=tag_names, params=param_names)
            return response

        return wrapper

    return decorate


def mark_for_edge(request, response, *, ttl: int, tags: str, params: Iterable[str] = ()) -> None:
    """Let the edge keep `response` if it is public by construction (see the module doc)."""
    if _is_public(request, response):
        response[SURROGATE_CONTROL] = f"max-age={ttl}"
        response[SURROGATE_KEY] = tags
        response[SURROGATE_PARAMS] = " ".join(sorted(params))


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


def is_canonical_host(host: str, server_port: str) -> bool:
    """Whether a Host header is in the one form a cache key may hold.

    Django accepts an allowed host in any letter case and with any port, and each spelling
    would key its own copy of every page (the links in a page repeat the host, so spellings
    cannot share one). Only lower case, with no port or the server's own, is stored; other
    spellings are answered, uncached. Proxies pass the host as nginx's `$host` does.
    """
    if host != host.lower():
        return False
    _domain, port = split_domain_port(host)
    return port in ("", server_port)


class EdgeCache:
    """WSGI middleware serving stored public responses; see the module docstring."""

    def __init__(self, application: Callable) -> None:
        self.application = application
        # The session cookie is a credential; the messages cookie carries a message meant
        # for this visitor's next page.
        self.personal_cookies = (f"{settings.SESSION_COOKIE_NAME}=", "messages=")
        self.routes: dict[str, Route] = {}
        # Django's own rules for the scheme and the HTTPS redirect (SecurityMiddleware).
        self.proxy_ssl_header = settings.SECURE_PROXY_SSL_HEADER
        self.ssl_redirect = settings.SECURE_SSL_REDIRECT
        self.redirect_exempt = [re.compile(pattern) for pattern in settings.SECURE_REDIRECT_EXEMPT]

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        if method not in ("GET", "HEAD") or self._carries_credentials(environ):
            return self._pass(environ, start_response, "bypass")
        scheme = self._scheme(environ)
        if scheme != "https" and self.ssl_redirect and not self._redirect_exempt(environ):
            # Django answers with its redirect to HTTPS; nothing is served or stored here.
            return self._pass(environ, start_response, "bypass")
        path = environ.get("PATH_INFO", "")
        query = environ.get("QUERY_STRING", "")
        route = self._route(path)
        if route is not None:
            canonical = canonical_query(query, route.params) if query else ""
            if canonical != query:
                # The view sees only what it reads, so what it renders fits every query
                # that keys alike and can be stored for them all.
                environ["QUERY_STRING"] = canonical
            entry = cache.tags(*route.tags).get(self._key(scheme, environ, route))
            if entry is not None:
                status, headers, body = entry
                start_response(status, [*headers, ("X-Edge-Cache", "hit")])
                return [b""] if method == "HEAD" else [body]
        if method == "HEAD":
            return self._pass(environ, start_response, "miss")
        return self._fill(environ, start_response, scheme, path, query, route)

    def _carries_credentials(self, environ: dict[str, Any]) -> bool:
        if "HTTP_AUTHORIZATION" in environ:
            return True
        cookies = environ.get("HTTP_COOKIE", "")
        return any(name in cookies for name in self.personal_cookies)

    def _scheme(self, environ: dict[str, Any]) -> str:
        """The scheme as Django's `HttpRequest.scheme` reads it."""
        if self.proxy_ssl_header:
            header, secure_value = self.proxy_ssl_header
            value = environ.get(header)
            if value is not None:
                return "https" if value.split(",", 1)[0].strip() == secure_value else "http"
        return environ.get("wsgi.url_scheme", "http")

    def _redirect_exempt(self, environ: dict[str, Any]) -> bool:
        # request.path, as SecurityMiddleware matches it.
        path_info = get_path_info(environ) or "/"
        path = "{}/{}".format(get_script_name(environ).rstrip("/"), path_info.replace("/", "", 1))
        path = path.lstrip("/")
        return any(pattern.search(path) for pattern in self.redirect_exempt)

    def _route(self, path: str) -> Route | None:
        route = self.routes.get(path)
        if route is None:
            # Learnt by another process: kept in the cache.
            stored = cache.get("edge:route|" + path)
            if stored is not None:
                route = Route(*stored)
                self._remember_route(path, route)
        return route

    @staticmethod
    def _key(scheme: str, environ: dict[str, Any], route: Route) -> str:
        return "edge:{}://{}{}?{}|{}".format(
            scheme,
            environ.get("HTTP_HOST", ""),
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
            environ.get("HTTP_ACCEPT", "") if route.vary_accept else "",
        )

    def _pass(self, environ, start_response, verdict: str) -> Iterable[bytes]:
        def start(status, headers, exc_info=None):
            headers = [(k, v) for k, v in headers if k.lower() not in _STRIPPED]
            return start_response(status, [*headers, ("X-Edge-Cache", verdict)], exc_info)

        return self.application(environ, start)

    def _fill(
        self, environ, start_response, scheme: str, path: str, query: str, known: Route | None
    ) -> Iterable[bytes]:
        captured: dict[str, Any] = {}
        # The tag versions before Django reads the data: a write committed while the page
        # renders then leaves the stored page stale at once. A path's first fill learns its
        # tags from the response, so it can only read them afterwards.
        as_of = cache.tags(*known.tags).snapshot() if known is not None else None

        def start(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            kept = [(k, v) for k, v in headers if k.lower() not in _STRIPPED]
            return start_response(status, [*kept, ("X-Edge-Cache", "miss")], exc_info)

        result = self.application(environ, start)
        headers = {k.lower(): v for k, v in captured.get("headers", [])}
        control = headers.get(SURROGATE_CONTROL.lower(), "")
        vary = {name.strip().lower() for name in headers.get("vary", "").split(",")}
        if not control.startswith("max-age=") or "set-cookie" in headers or "*" in vary:
            return result
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        ttl = int(control.removeprefix("max-age="))
        route = Route(
            tuple(headers.get(SURROGATE_KEY.lower(), "").split()),
            tuple(headers.get(SURROGATE_PARAMS.lower(), "").split()),
            "accept" in vary,
        )
        # Written with every fill, so it lives as long as the pages it keys.
        cache.set("edge:route|" + path, tuple(route), ttl)
        self._remember_route(path, route)
        # Stored only if Django saw the canonical query: a view's links may repeat the
        # parameters it was given, and those must not reach other queries.
        if environ.get("QUERY_STRING", "") == canonical_query(query, route.params) and (
            is_canonical_host(environ.get("HTTP_HOST", ""), environ.get("SERVER_PORT", ""))
        ):
            kept = [(k, v) for k, v in captured["headers"] if k.lower() not in _STRIPPED]
            entry = (captured["status"], kept, body)
            if known is None or known.tags != route.tags:
                as_of = None
            cache.tags(*route.tags).set(self._key(scheme, environ, route), entry, ttl, as_of=as_of)
        return [body]

    def _remember_route(self, path: str, route: Route) -> None:
        if len(self.routes) >= _MAX_KNOWN_ROUTES:
            self.routes.clear()
        self.routes[path] = route
