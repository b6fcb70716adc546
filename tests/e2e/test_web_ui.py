"""A person in Chromium writes, publishes and comments; comments appear live elsewhere."""

import re

import pytest
from playwright.sync_api import expect

from tests.accounts.factories import PASSWORD, make_user
from tests.content.factories import make_post
from tests.e2e.conftest import sign_in

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
    expect(page).to_have_url(re.compile(r"/posts/launch-day/$"))
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
