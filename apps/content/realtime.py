"""Where content events go on the channel layer: one group per post."""

from apps.realtime.sending import send_to_group


def post_group(post_id: int) -> str:
    return f"post.{post_id}"


def broadcast_to_post(post_id: int, message_type: str, data: dict) -> None:
    """Send `data` to every websocket connected to the post (at most once, per Channels)."""
    send_to_group(post_group(post_id), {"type": "post.event", "event": message_type, "data": data})
