"""The database channel layer carries group messages between processes without Redis."""

import asyncio
import threading

import pytest
from asgiref.sync import sync_to_async
from django.db import connections, transaction

from apps.realtime.layers import DatabaseChannelLayer
from apps.realtime.models import BroadcastMessage

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


async def _out_of_order_commit() -> list[str]:
    web = DatabaseChannelLayer(poll_interval=0.05)
    channel = await web.new_channel()
    await web.group_add("post.3", channel)
    inserted, release = threading.Event(), threading.Event()

    def slow_subscriber() -> None:
        # Takes the lower id, but commits only after a later message has been delivered.
        with transaction.atomic():
            BroadcastMessage.objects.create(group="post.3", message={"type": "x", "n": "first"})
            inserted.set()
            release.wait(5)
        connections.close_all()

    slow = threading.Thread(target=slow_subscriber)
    slow.start()
    await asyncio.to_thread(inserted.wait, 5)
    await DatabaseChannelLayer().group_send("post.3", {"type": "x", "n": "second"})
    got = [(await asyncio.wait_for(web.receive(channel), timeout=5))["n"]]
    release.set()
    await asyncio.to_thread(slow.join, 5)
    got.append((await asyncio.wait_for(web.receive(channel), timeout=5))["n"])
    await _close(web)
    return got


def test_a_message_committed_after_a_later_one_is_still_delivered():
    assert asyncio.run(_out_of_order_commit()) == ["second", "first"]


async def _leave_and_rejoin() -> list[str]:
    web = DatabaseChannelLayer(poll_interval=0.05)
    sender = DatabaseChannelLayer()
    channel = await web.new_channel()
    await web.group_add("post.4", channel)
    await sender.group_send("post.4", {"type": "x", "n": "while listening"})
    got = [(await asyncio.wait_for(web.receive(channel), timeout=5))["n"]]
    await web.group_discard("post.4", channel)
    await asyncio.sleep(0.2)  # the poller stops once no group is left
    await sender.group_send("post.4", {"type": "x", "n": "while away"})

    await web.group_add("post.4", channel)
    await sender.group_send("post.4", {"type": "x", "n": "after rejoining"})
    got.append((await asyncio.wait_for(web.receive(channel), timeout=5))["n"])
    await _close(web)
    return got


def test_rejoining_does_not_replay_what_was_sent_while_away():
    assert asyncio.run(_leave_and_rejoin()) == ["while listening", "after rejoining"]
