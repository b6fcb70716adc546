"""A channel layer over the database, so the embedded defaults work across processes.

Channels' in-memory layer only reaches sockets of the process that sends, but in Keel the
Celery worker, not the web server, runs event subscribers. With no Redis configured, this
layer stores each group message in a table; every web process that has sockets in groups
polls the table and delivers new rows to its own sockets. It is meant for development and
small single-host installs: with REDIS_URL set, Keel uses channels-redis instead.

Delivery is at-most-once like every Channels layer. A message sent inside a transaction is
visible to other processes only after commit, so an event subscriber's broadcast commits
with the delivery that records it done (apps/events, Delivery).
"""

import asyncio
import logging
import time
from datetime import datetime, timedelta

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer
from django.utils import timezone

from apps.realtime.models import BroadcastMessage

logger = logging.getLogger(__name__)


class DatabaseChannelLayer(InMemoryChannelLayer):
    def __init__(
        self, poll_interval: float = 0.2, retention: float = 60, overlap: float = 5, **kwargs
    ) -> None:
        super().__init__(**kwargs)
        self.poll_interval = poll_interval
        self.retention = retention
        # Rows are read by time, with this overlap, not by id: ids are taken at insert but
        # become visible at commit, so a lower id can appear after a higher one.
        self.overlap = overlap
        # Reset when a poller starts (group_add), before the poller reads it.
        self._listening_since: datetime = timezone.now()
        self._delivered: dict[int, float] = {}
        self._poller: asyncio.Task | None = None

    async def group_add(self, group: str, channel: str) -> None:
        await super().group_add(group, channel)
        if self._poller is None or self._poller.done():
            # A new listener gets only messages sent from now on, never a replay.
            self._listening_since = timezone.now()
            self._delivered.clear()
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
    def _store(group: str, message: dict) -> None:
        # model-write: the channel layer's own transport table, not domain data
        BroadcastMessage.objects.create(group=group, message=message)

    def _fetch_recent(self) -> list[tuple[int, str, dict]]:
        since = max(self._listening_since, timezone.now() - timedelta(seconds=self.overlap))
        rows = BroadcastMessage.objects.filter(created_at__gte=since).order_by("id")
        return list(rows.values_list("id", "group", "message")[:1000])

    def _prune(self) -> None:
        cutoff = timezone.now() - timedelta(seconds=self.retention)
        # model-write: the transport table's retention, not domain data
        BroadcastMessage.objects.filter(created_at__lt=cutoff).delete()

    async def _poll(self) -> None:
        polls = 0
        while self.groups:
            try:
                for row_id, group, message in await database_sync_to_async(self._fetch_recent)():
                    if row_id in self._delivered:
                        continue
                    self._delivered[row_id] = time.monotonic()
                    await InMemoryChannelLayer.group_send(self, group, message)
                self._forget_old_deliveries()
                polls += 1
                if polls % 300 == 0:
                    await database_sync_to_async(self._prune)()
            except Exception:
                logger.exception("Database channel layer poll failed; retrying.")
            await asyncio.sleep(self.poll_interval)

    def _forget_old_deliveries(self) -> None:
        horizon = time.monotonic() - 2 * self.overlap
        for row_id in [row_id for row_id, at in self._delivered.items() if at < horizon]:
            del self._delivered[row_id]
