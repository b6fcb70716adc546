"""The database channel layer carries group messages between processes without Redis."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.db import connections

from apps.realtime.layers import DatabaseChannelLayer

pytestmark = pytest.mark.django_db(transaction=True)


async def _close(layer: DatabaseChannelLayer) -> None:
    await layer.flush()
    # The layer's queries ran on the executor thread; release its connections.
    await sync_to_async(connections.close_all, thread_sensitive=True)()


async def _exchange() -> tuple[dict, bool]:
    web = DatabaseChannelLayer(poll_interval=0.05)  # the process holding the sockets
    worker = DatabaseChannelLayer()  # the process running the subscriber
    member = await web.new_channel()
    outsider = await web.new_channel()
    await web.group_add("post.1", member)

    await worker.group_send("post.1", {"type": "post.event", "body": "hello"})

    received = await asyncio.wait_for(web.receive(member), timeout=5)
    try:
        await asyncio.wait_for(web.receive(outsider), timeout=0.5)
        outsider_got_something = True
    except TimeoutError:
        outsider_got_something = False
    await _close(web)
    return received, outsider_got_something


def test_group_message_sent_by_one_layer_reaches_members_of_another():
    received, outsider_got_something = asyncio.run(_exchange())

    assert received == {"type": "post.event", "body": "hello"}
    assert outsider_got_something is False


async def _late_joiner() -> bool:
    web = DatabaseChannelLayer(poll_interval=0.05)
    sender = DatabaseChannelLayer()
    await sender.group_send("post.2", {"type": "post.event", "body": "old news"})
    channel = await web.new_channel()
    await web.group_add("post.2", channel)
    try:
        await asyncio.wait_for(web.receive(channel), timeout=0.5)
        got = True
    except TimeoutError:
        got = False
    await _close(web)
    return got


def test_a_new_listener_does_not_get_messages_sent_before_it_joined():
    assert asyncio.run(_late_joiner()) is False
