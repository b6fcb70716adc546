"""Websocket consumers of the content app."""

from channels.db import database_sync_to_async

from apps.content import selectors
from apps.content.realtime import post_group
from apps.kernel.permissions import require_perm
from apps.realtime.consumers import JsonSocketConsumer


def _check_may_follow(user, post_id: int) -> None:
    """Raise PostNotFound unless `user` may read the post: found as the post page finds it
    (drafts of others stay missing, for superusers too), then asked as every surface asks
    (apps/content/rules.py)."""
    post = selectors.post_for_viewer(user, pk=post_id, with_tags=False)
    require_perm(user, "content.view_post", post)


class PostEventsConsumer(JsonSocketConsumer):
    """Streams a post's comments as they come and go (and its publication) to whoever may
    read the post.

    Messages: {"type": "comment.created" | "comment.hidden" | "comment.deleted" |
    "post.published", "data": {...}}. Delivery is at-most-once (Channels): a client re-reads
    the post's comments (page or API) whenever its socket opens, to fill any gap. Someone
    who may not read the post, or a post that does not exist, is closed with 4404 (the
    post's not-found error, as the page and the API answer 404).
    Frames that are not JSON objects, and the size, rate and connection limits, close the
    socket as `JsonSocketConsumer` and `apps.realtime.limits` describe.
    """

    async def connect(self) -> None:
        self.post_id = int(self.scope["url_route"]["kwargs"]["post_id"])
        user = self.scope.get("user")
        # A refusal is a domain error: JsonSocketConsumer closes with 4000 + its status.
        await database_sync_to_async(_check_may_follow)(user, self.post_id)
        await self.join_group(post_group(self.post_id))
        await self.accept()

    async def receive_json(self, content: dict, **kwargs) -> None:
        # The stream is one-way; a ping gets a pong so clients can check liveness.
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def post_event(self, message: dict) -> None:
        await self.send_json({"type": message["event"], "data": message["data"]})
