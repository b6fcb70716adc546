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


async def _exchange() -> tuple[dict, dict]:
    web = DatabaseChannelLayer(poll_interval=0.05)  # the process holding the sockets
    worker = DatabaseChannelLayer()  # the process running the subscriber
    member = await web.new_channel()
    outsider = await web.new_channel()
    await web.group_add("post.1", member)
    await web.group_add("post.99", outsider)

    await worker.group_send("post.1", {"type": "post.event", "body": "hello"})
    # A marker for the outsider, sent after: had "hello" reached it, it would come first.
    await worker.group_send("post.99", {"type": "post.event", "body": "marker"})

    received = await asyncio.wait_for(web.receive(member), timeout=5)
    outsider_first = await asyncio.wait_for(web.receive(outsider), timeout=5)
    await _close(web)
    return received, outsider_first


def test_group_message_sent_by_one_layer_reaches_members_of_another():
    received, outsider_first = asyncio.run(_exchange())

    assert received == {"type": "post.event", "body": "hello"}
    assert outsider_first == {"type": "post.event", "body": "marker"}


async def _late_joiner() -> tuple[list[str], str]:
    # Two web processes: one whose socket joined before the message was sent, one after.
    on_time_web = DatabaseChannelLayer(poll_interval=0.05)
    late_web = DatabaseChannelLayer(poll_interval=0.05)
    sender = DatabaseChannelLayer()
    on_time = await on_time_web.new_channel()
    await on_time_web.group_add("post.2", on_time)

    await sender.group_send("post.2", {"type": "post.event", "body": "old news"})
    on_time_got = [(await asyncio.wait_for(on_time_web.receive(on_time), timeout=5))["body"]]
    late = await late_web.new_channel()
    await late_web.group_add("post.2", late)
    # A marker sent after the late socket joined: had "old news" reached it, it would come first.
    await sender.group_send("post.2", {"type": "post.event", "body": "fresh news"})

    late_first = (await asyncio.wait_for(late_web.receive(late), timeout=5))["body"]
    on_time_got.append((await asyncio.wait_for(on_time_web.receive(on_time), timeout=5))["body"])
    await _close(on_time_web)
    await _close(late_web)
    return on_time_got, late_first


def test_a_new_listener_does_not_get_messages_sent_before_it_joined():
    on_time_got, late_first = asyncio.run(_late_joiner())

    # The same message did reach the listener that joined in time...
    assert on_time_got == ["old news", "fresh news"]
    # ...and the late one heard only what was sent after it joined.
    assert late_first == "fresh news"


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
    poller = web._poller
    await web.group_discard("post.4", channel)
    await asyncio.wait_for(poller, timeout=5)  # the poller stops once no group is left
    await sender.group_send("post.4", {"type": "x", "n": "while away"})

    await web.group_add("post.4", channel)
    await sender.group_send("post.4", {"type": "x", "n": "after rejoining"})
    got.append((await asyncio.wait_for(web.receive(channel), timeout=5))["n"])
    await _close(web)
    return got


def test_rejoining_does_not_replay_what_was_sent_while_away():
    assert asyncio.run(_leave_and_rejoin()) == ["while listening", "after rejoining"]
