"""Every websocket URL: the routes each app declares in its AppConfig's `websocket_urls`
(apps/kernel/declarations.py), served by config/asgi.py's router."""

from apps.kernel.declarations import declared_modules


def websocket_urlpatterns() -> list:
    return [
        pattern
        for module in declared_modules("websocket_urls")
        for pattern in module.websocket_urlpatterns
    ]
