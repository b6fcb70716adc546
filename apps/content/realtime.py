"""Where content events go on the channel layer: one group per post."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


def post_group(post_id: int) -> str:
    return f"post.{post_id}"


def broadcast_to_post(post_id: int, message_type: str, data: dict) -> None:
    """Send `data` to every websocket connected to the post (at most once, per Channels)."""
    layer = get_channel_layer()
    async_to_sync(layer.group_send)(
        post_group(post_id), {"type": "post.event", "event": message_type, "data": data}
    )
