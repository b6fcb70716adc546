"""The feed for signed-in readers comes from the query cache; cache_warm fills it on deploy."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.content.services import publish_post
from tests.accounts.factories import make_user
from tests.content.factories import make_post

pytestmark = pytest.mark.django_db(transaction=True)


def post_queries(context: CaptureQueriesContext) -> list[str]:
    # Read right after the block: the next request's start empties the connection's log.
    return [query["sql"] for query in context.captured_queries if "content_post" in query["sql"]]


def feed_list(page: str) -> str:
    # The list of posts; the rest of the page carries a fresh CSRF token each time.
    return page[page.index('data-testid="feed"') : page.index("</ol>")]


def test_a_signed_in_reader_gets_the_feed_from_the_cache_until_a_post_changes(client):
    author = make_user()
    make_post(author=author, title="First news", published=True, tags=["django"])
    draft = make_post(author=author, title="Second news")
    client.force_login(make_user())

    with CaptureQueriesContext(connection) as first:
        before = client.get("/").text
    first_reads = post_queries(first)
    with CaptureQueriesContext(connection) as again:
        cached = client.get("/").text
    cached_reads = post_queries(again)
    publish_post(post=draft, actor=author)
    after = client.get("/").text

    assert first_reads
    assert cached_reads == []
    assert "First news" in before
    assert "Second news" not in before
    assert feed_list(cached) == feed_list(before)
    assert after.index("Second news") < after.index("First news")


def test_cache_warm_fills_the_feed_and_the_feeds_of_the_most_used_tags(client):
    author = make_user()
    for n in range(3):
        make_post(author=author, title=f"Django {n}", tags=["django", "web"], published=True)
    make_post(author=author, title="Redis", tags=["redis"], published=True)
    client.force_login(make_user())
    listed, out = StringIO(), StringIO()

    call_command("cache_warm", "--list", stdout=listed)
    call_command("cache_warm", "content.feed", stdout=out)
    pages, reads = {}, []
    for path in ("/", "/?tag=django", "/?tag=redis"):
        with CaptureQueriesContext(connection) as context:
            pages[path] = client.get(path).text
        reads += post_queries(context)
    main, django, redis = pages.values()

    assert "content.feed" in listed.getvalue().split()
    assert "warmed content.feed" in out.getvalue()
    assert reads == []
    assert "Django 2" in main
    assert "Redis" in main
    assert "Django 0" in django
    assert "Redis" not in django
    assert "Redis" in redis


def test_a_page_past_the_end_shows_the_last_page_and_nonsense_the_first(client):
    author = make_user()
    for n in range(1, 13):
        make_post(author=author, title=f"Entry {n:02d}", published=True)
    client.force_login(make_user())

    past_the_end = client.get("/?page=99").text
    with CaptureQueriesContext(connection) as context:
        further_past = client.get("/?page=100").text
    further_reads = post_queries(context)
    huge = client.get("/?page=" + "9" * 5000)
    nonsense = [client.get(f"/?page={raw}").text for raw in ("abc", "\u00b2", "0", "-1")]

    assert "Page 2 of 2" in past_the_end
    assert "Entry 01" in past_the_end
    # Every number past the end is the last page, one cache entry for all of them.
    assert feed_list(further_past) == feed_list(past_the_end)
    assert further_reads == []
    assert huge.status_code == 200
    assert "Page 2 of 2" in huge.text
    for page in nonsense:
        assert "Page 1 of 2" in page
        assert "Entry 12" in page
