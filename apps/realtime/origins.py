"""The Origin check of websocket handshakes: scheme, host and port, not the host alone.

A browser sends its page's origin with every websocket handshake, and sends the site's
cookies whatever that origin is; a page elsewhere could otherwise open a socket as the
signed-in user (cross-site websocket hijacking). Channels' AllowedHostsOriginValidator
compares only the origin's host with ALLOWED_HOSTS, so http:// pages, or another port of
the same host, passed for an https:// site. `SameOriginValidator` accepts an origin only
when it equals the handshake's own origin (scheme, host and port) or is listed in
CSRF_TRUSTED_ORIGINS, like Django's CSRF check for HTTP.

A handshake without an Origin header is accepted: browsers always send one on websocket
handshakes, so a request without it does not come from a web page, and a non-browser
client could send any Origin it liked anyway. (Channels refuses it unless "*" is allowed.)
"""

from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.utils.http import is_same_domain

from apps.realtime.handshake import header, origin_parts, request_scheme


class SameOriginValidator:
    """ASGI middleware: websocket handshakes from a foreign origin are refused (HTTP 403)."""

    def __init__(self, application) -> None:
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not origin_allowed(scope):
            await receive()  # the websocket.connect event
            await send({"type": "websocket.close"})  # before accept: the server answers 403
            return None
        return await self.application(scope, receive, send)


def origin_allowed(scope) -> bool:
    origin = header(scope, "origin")
    if origin is None:
        return True
    host = header(scope, "host") or ""
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, _allowed_hosts()):
        return False
    claimed = origin_parts(origin)
    if claimed is None:  # "null" (sandboxed frames, file:) and anything malformed
        return False
    if claimed == origin_parts(f"{request_scheme(scope)}://{host}"):
        return True
    return any(_trusted(claimed, pattern) for pattern in settings.CSRF_TRUSTED_ORIGINS)


def _allowed_hosts() -> list[str]:
    # What Django's HttpRequest.get_host() allows, its DEBUG fallback included.
    if settings.DEBUG and not settings.ALLOWED_HOSTS:
        return [".localhost", "127.0.0.1", "[::1]"]
    return settings.ALLOWED_HOSTS


def _trusted(claimed: tuple[str, str, int], pattern: str) -> bool:
    """Whether an origin matches a CSRF_TRUSTED_ORIGINS entry (`https://*.example.com` too)."""
    if "://*." in pattern:
        base = origin_parts(pattern.replace("://*.", "://", 1))
        return (
            base is not None
            and claimed[0] == base[0]
            and claimed[2] == base[2]
            and is_same_domain(claimed[1], "." + base[1])
        )
    return claimed == origin_parts(pattern)
