"""Subscribers of content events: they push each event to the post's websocket clients."""

from apps.content.realtime import broadcast_to_post
from apps.events.registry import EventEnvelope, subscriber


@subscriber("comment.created", name="content.broadcast_comment")
def broadcast_comment(event: EventEnvelope) -> None:
    payload = event.payload
    broadcast_to_post(
        payload["post_id"],
        "comment.created",
        {"event_id": event.id, **payload},
    )


@subscriber("post.published", name="content.broadcast_publication")
def broadcast_publication(event: EventEnvelope) -> None:
    payload = event.payload
    broadcast_to_post(payload["post_id"], "post.published", {"event_id": event.id, **payload})


@subscriber("comment.hidden", name="content.broadcast_comment_hidden")
def broadcast_comment_hidden(event: EventEnvelope) -> None:
    # Readers of the post drop the comment from the page (static/js/live-comments.js).
    payload = event.payload
    broadcast_to_post(payload["post_id"], "comment.hidden", {"event_id": event.id, **payload})


@subscriber("comment.deleted", name="content.broadcast_comment_deleted")
def broadcast_comment_deleted(event: EventEnvelope) -> None:
    payload = event.payload
    broadcast_to_post(payload["post_id"], "comment.deleted", {"event_id": event.id, **payload})
