"""A person in Chromium writes, publishes and comments; comments appear live elsewhere."""

import re
import time

import pytest
from playwright.sync_api import WebSocket, expect

from apps.content.models import Post
from apps.content.services import delete_post
from apps.events.models import OutboxEvent
from tests.accounts.factories import PASSWORD, make_user
from tests.content.factories import make_comment, make_post
from tests.e2e.conftest import hold_requests, outside_the_browser_loop, sign_in, wait_until_held

LIVE_SCRIPT = "**/js/live-comments.js"

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_sign_in_write_and_publish_a_post_then_see_it_on_the_feed(asgi_server, open_page):
    # Given a member
    make_user(email="writer@example.com", display_name="Writer")
    page = open_page("/")

    # When they sign in, write a draft, then publish it from its page
    sign_in(page, email="writer@example.com", password=PASSWORD)
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Write").click()
    page.get_by_label("Title").fill("Launch day")
    page.get_by_label("Body").fill("We shipped.\n\nThanks, everyone.")
    page.get_by_label("Tags").fill("news, launch")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    expect(page.get_by_test_id("draft-badge")).to_be_visible()
    page.get_by_role("button", name="Publish").click()

    # Then the post is published, and the feed shows it with its author and tags
    expect(page.get_by_text("Your post is published.")).to_be_visible()
    post = outside_the_browser_loop(Post.objects.get, title="Launch day")
    assert post.is_published
    expect(page).to_have_url(re.compile(rf"/posts/{re.escape(post.slug)}/$"))
    nav.get_by_role("link", name="Feed").click()
    entry = page.get_by_test_id("feed").locator("article").filter(has_text="Launch day")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("By Writer")
    expect(entry).to_contain_text("#news")
    expect(entry).to_contain_text("#launch")
    expect(entry).to_contain_text("0 comments")


def test_a_comment_appears_live_on_another_page_without_reload(
    asgi_server, celery_worker, open_page
):
    # Given a published post, a commenter on it, and a visitor reading it elsewhere
    commenter = make_user(email="commenter@example.com", display_name="Commenter")
    post = make_post(title="Live one", published=True)
    reader_page = open_page(f"/posts/{post.slug}/")
    commenter_page = open_page("/")
    sign_in(commenter_page, email=commenter.email, password=PASSWORD)
    commenter_page.goto(f"/posts/{post.slug}/")
    reader_comments = reader_page.locator("[data-comment-list] [data-comment-id]")
    expect(reader_comments).to_have_count(0)
    expect(reader_page.locator("[data-post-id]")).to_have_attribute("data-live", "connected")
    reader_navigations: list[str] = []
    reader_page.on("framenavigated", lambda frame: reader_navigations.append(frame.url))

    # When the commenter adds a comment through the form
    body = "Live <b>from</b> the other tab"
    commenter_page.get_by_label("Your comment").fill(body)
    commenter_page.get_by_role("button", name="Add comment").click()
    expect(commenter_page.locator("[data-comment-id]")).to_have_count(1)

    # Then it appears on the reader's page, as text, without a reload
    expect(reader_comments).to_have_count(1)
    expect(reader_comments.first).to_contain_text("Commenter")
    expect(reader_comments.first.locator(".comment__body")).to_have_text(body)
    expect(reader_page.locator("[data-comment-count]")).to_have_text("(1)")
    expect(reader_page.locator("[data-comment-list] b")).to_have_count(0)
    assert reader_navigations == []


def socket_url(server, post_id: int) -> str:
    return f"{server.ws_url}/ws/posts/{post_id}/"


def _comment_and_wait_until_broadcast(**fields) -> None:
    """Add a comment and wait until its live broadcast has gone out to the post's sockets."""
    comment = make_comment(**fields)
    event = OutboxEvent.objects.get(event_type="comment.created", payload__comment_id=comment.pk)
    deadline = time.monotonic() + 10
    while event.dispatched_at is None:
        assert time.monotonic() < deadline, "The worker never dispatched comment.created."
        time.sleep(0.05)
        event.refresh_from_db()


def test_a_comment_made_before_the_live_socket_opens_still_appears(
    asgi_server, celery_worker, browser_session
):
    # Given a reader whose page of a post is rendered, but whose live script has not run yet
    post = make_post(title="Busy thread", published=True)
    commenter = make_user(display_name="Early bird")
    page = browser_session.new_page()
    held_script = hold_requests(page, LIVE_SCRIPT)
    sockets: list[WebSocket] = []
    page.on("websocket", lambda socket: sockets.append(socket))
    page.goto(f"/posts/{post.slug}/", wait_until="commit")
    script = wait_until_held(page, held_script)
    comments = page.locator("[data-comment-list] [data-comment-id]")
    expect(comments).to_have_count(0)
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))

    # When someone comments, and the comment's live broadcast goes out to no socket yet,
    # and only then the script runs and opens its socket
    outside_the_browser_loop(
        _comment_and_wait_until_broadcast, post=post, author=commenter, body="Made it in time"
    )
    assert sockets == []
    script.continue_()

    # Then the page catches up as its first socket opens (not on some later reconnect): the
    # comment shows once, without a reload
    expect(page.locator("[data-post-id]")).to_have_attribute("data-live", "connected")
    expect(comments).to_have_count(1)
    assert len(sockets) == 1
    expect(comments.first).to_contain_text("Early bird")
    expect(comments.first.locator(".comment__body")).to_have_text("Made it in time")
    expect(page.locator("[data-comment-count]")).to_have_text("(1)")
    expect(page.locator("[data-comments-empty]")).to_be_hidden()
    assert navigations == []


def test_a_post_gone_before_the_socket_opens_turns_live_comments_off_for_good(
    asgi_server, browser_session
):
    # Given a visitor whose page of a post is rendered, but whose live script has not run yet
    post = make_post(title="Soon gone", published=True)
    post_url = socket_url(asgi_server, post.pk)
    page = browser_session.new_page()
    # The page's timers run when the test moves its clock on: a retry the script scheduled
    # would run then, not at some moment a fixed wait might miss.
    page.clock.install()
    held_script = hold_requests(page, LIVE_SCRIPT)
    sockets: list[WebSocket] = []
    page.on("websocket", lambda socket: sockets.append(socket))
    page.goto(f"/posts/{post.slug}/", wait_until="commit")
    script = wait_until_held(page, held_script)

    # When the author deletes the post, and then the script opens its socket
    outside_the_browser_loop(delete_post, post=post, actor=post.author)
    script.continue_()

    # Then the server refuses the socket with 4404: live comments turn off
    live = page.locator("[data-post-id]")
    expect(live).to_have_attribute("data-live", "off")
    # ...and stay off, with no second attempt: every timer of the next minute runs (a retry
    # would come within a second), then the page opens a marker socket of the test's own,
    # which is the next socket the page opened
    page.clock.run_for(60_000)
    marker_url = f"{post_url}?marker"
    with page.expect_websocket() as marker:
        page.evaluate("url => { new WebSocket(url); }", marker_url)
    assert marker.value.url == marker_url
    assert [socket.url for socket in sockets] == [post_url, marker_url]
    expect(live).to_have_attribute("data-live", "off")
    expect(page.get_by_role("heading", name="Soon gone")).to_be_visible()
