"""What a websocket handshake's ASGI scope says about the client: headers, address, origin."""

from urllib.parse import urlsplit

from django.conf import settings

from apps.operations.client_address import address_group, forwarded_client

DEFAULT_PORTS = {"http": 80, "https": 443}


def header(scope, name: str) -> str | None:
    """The value of a request header (several occurrences joined by commas), or None."""
    wanted = name.lower().encode("latin-1")
    values = [value.decode("latin-1") for key, value in scope.get("headers", []) if key == wanted]
    return ", ".join(values) if values else None


def client_address(scope) -> str:
    """The handshake's client as connection limits count it: by the rule HTTP limits use
    (apps/operations/client_address.py), IPv6 by its /64."""
    peer = (scope.get("client") or (None,))[0]
    return address_group(forwarded_client(peer, header(scope, "x-forwarded-for")))


def request_scheme(scope) -> str:
    """http or https, as Django's `request.scheme` would say for this handshake.

    ws/wss map to http/https; behind a TLS-terminating proxy, SECURE_PROXY_SSL_HEADER
    (when set) decides, as it does for HTTP requests.
    """
    if settings.SECURE_PROXY_SSL_HEADER:
        meta_name, secure_value = settings.SECURE_PROXY_SSL_HEADER
        value = header(scope, meta_name.removeprefix("HTTP_").replace("_", "-"))
        if value is not None:
            return "https" if value.split(",", 1)[0].strip() == secure_value else "http"
    return "https" if scope.get("scheme") == "wss" else "http"


def origin_parts(origin: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an origin such as `https://keel.example:8443`, or None."""
    try:
        parts = urlsplit(origin)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname or parts.path not in ("", "/"):
        return None
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme]
