from django.urls import path

from apps.content.consumers import PostEventsConsumer

websocket_urlpatterns = [
    path("ws/posts/<int:post_id>/", PostEventsConsumer.as_asgi()),
]
