"""ASGI entry point: websockets under /ws/ (Channels), and HTTP for development.

In production HTTP goes through the WSGI server (config/wsgi.py) and only /ws/ is routed
here; see docs/architecture.md, "Serving".
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.utils.module_loading import import_string  # noqa: E402

from apps.realtime.limits import WebsocketLimits  # noqa: E402
from apps.realtime.origins import SameOriginValidator  # noqa: E402
from apps.realtime.routing import websocket_urlpatterns  # noqa: E402


def _authenticated(application):
    """The app behind REALTIME["AUTHENTICATORS"] (a token's user replaces the session's)."""
    for path in reversed(settings.REALTIME["AUTHENTICATORS"]):
        application = import_string(path)(application)
    return application


# Outermost first: the Origin check costs nothing; the limits (apps/realtime/limits.py)
# count the client before the session is read from the database.
application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": SameOriginValidator(
            WebsocketLimits(AuthMiddlewareStack(_authenticated(URLRouter(websocket_urlpatterns()))))
        ),
    }
)
