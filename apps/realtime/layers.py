"""A channel layer over the database, so the embedded defaults work across processes.

Channels' in-memory layer only reaches sockets of the process that sends, but in Keel the
Celery worker, not the web server, runs event subscribers. With no Redis configured, this
layer stores each group message in a table; every web process that has sockets in groups
polls the table and delivers new rows to its own sockets. It is meant for development and
small single-host installs: with REDIS_URL set, Keel uses channels-redis instead.

Delivery is at-most-once like every Channels layer. A message sent inside a transaction is
visible to other processes only after commit, so an event subscriber's broadcast commits
with its SubscriberRun row.
"""

import asyncio
import logging
from datetime import timedelta

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer
from django.db.models import Max
from django.utils import timezone

from apps.realtime.models import BroadcastMessage

logger = logging.getLogger(__name__)


class DatabaseChannelLayer(InMemoryChannelLayer):
    def __init__(self, poll_interval: float = 0.2, retention: float = 60, **kwargs) -> None:
        super().__init__(**kwargs)
        self.poll_interval = poll_interval
        self.retention = retention
        self._last_id: int | None = None
        self._poller: asyncio.Task | None = None

    async def group_add(self, group: str, channel: str) -> None:
        await super().group_add(group, channel)
        if self._last_id is None:
            # Start after what is already stored: a new listener gets only new messages.
            self._last_id = await database_sync_to_async(self._newest_id)()
        if self._poller is None or self._poller.done():
            self._poller = asyncio.get_running_loop().create_task(self._poll())

    async def group_send(self, group: str, message: dict) -> None:
        self.require_valid_group_name(group)
        # Plain sync_to_async, not database_sync_to_async: the latter closes connections
        # that are inside a transaction, and subscribers call this inside theirs.
        await sync_to_async(self._store, thread_sensitive=True)(group, message)

    async def flush(self) -> None:
        await super().flush()
        if self._poller is not None:
            self._poller.cancel()
            self._poller = None

    @staticmethod
    def _newest_id() -> int:
        return BroadcastMessage.objects.aggregate(newest=Max("id"))["newest"] or 0

    @staticmethod
    def _store(group: str, message: dict) -> None:
        BroadcastMessage.objects.create(group=group, message=message)

    def _fetch_new(self) -> list[tuple[int, str, dict]]:
        rows = BroadcastMessage.objects.filter(id__gt=self._last_id).order_by("id")
        return list(rows.values_list("id", "group", "message")[:500])

    def _prune(self) -> None:
        cutoff = timezone.now() - timedelta(seconds=self.retention)
        BroadcastMessage.objects.filter(created_at__lt=cutoff).delete()

    async def _poll(self) -> None:
        polls = 0
        while self.groups:
            try:
                for row_id, group, message in await database_sync_to_async(self._fetch_new)():
                    self._last_id = row_id
                    await InMemoryChannelLayer.group_send(self, group, message)
                polls += 1
                if polls % 300 == 0:
                    await database_sync_to_async(self._prune)()
            except Exception:
                logger.exception("Database channel layer poll failed; retrying.")
            await asyncio.sleep(self.poll_interval)
