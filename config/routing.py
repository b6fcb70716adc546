"""Every websocket URL of the project, gathered from the apps' routing modules."""

from apps.content.routing import websocket_urlpatterns as content_websockets

websocket_urlpatterns = [*content_websockets]
