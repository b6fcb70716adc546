"""The query cache: every write path invalidates, on commit and never before."""

import threading

import pytest
from django.db import connection, transaction

from apps.caching.queries import cached_query
from apps.content.models import Comment, Post, Tag
from tests.accounts.factories import make_user
from tests.content.factories import make_post

pytestmark = pytest.mark.django_db(transaction=True)

computations: list[str] = []


@cached_query(ttl=300, tags=[Post, Tag])
def titles_tagged(name: str) -> list[str]:
    computations.append(name)
    return sorted(Post.objects.filter(tags__name=name).values_list("title", flat=True))


@cached_query(ttl=300, tags=[Post])
def all_titles() -> list[str]:
    computations.append("all")
    return sorted(Post.objects.values_list("title", flat=True))


@pytest.fixture(autouse=True)
def _reset():
    computations.clear()


def _read_in_another_thread(selector, *args):
    result = []
    thread = threading.Thread(target=lambda: result.append(selector(*args)))
    thread.start()
    thread.join()
    return result[0]


def test_a_second_call_is_served_from_the_cache():
    make_post(title="One")
    assert all_titles() == ["One"]
    assert all_titles() == ["One"]
    assert computations == ["all"]


def test_save_of_a_new_row_invalidates():
    make_post(title="One")
    all_titles()
    Post.objects.create(author=make_user(), title="Two", slug="two")
    assert all_titles() == ["One", "Two"]


def test_save_of_a_changed_row_invalidates():
    post = make_post(title="Before")
    all_titles()
    post.title = "After"
    post.save()
    assert all_titles() == ["After"]


def test_delete_invalidates():
    post = make_post(title="Gone soon")
    all_titles()
    post.delete()
    assert all_titles() == []


def test_bulk_create_invalidates():
    author = make_user()
    all_titles()
    Post.objects.bulk_create([Post(author=author, title=f"B{n}", slug=f"b{n}") for n in range(3)])
    assert all_titles() == ["B0", "B1", "B2"]


def test_bulk_update_invalidates():
    posts = [make_post(title=f"P{n}") for n in range(2)]
    all_titles()
    for post in posts:
        post.title = post.title.lower()
    Post.objects.bulk_update(posts, ["title"])
    assert all_titles() == ["p0", "p1"]


def test_queryset_update_and_delete_invalidate():
    make_post(title="x")
    all_titles()
    Post.objects.update(title="y")
    assert all_titles() == ["y"]
    Post.objects.all().delete()
    assert all_titles() == []


def test_many_to_many_changes_invalidate():
    post = make_post(title="Tagged later")
    assert titles_tagged("news") == []
    news = Tag.objects.create(name="news")

    post.tags.add(news)
    assert titles_tagged("news") == ["Tagged later"]
    post.tags.remove(news)
    assert titles_tagged("news") == []
    post.tags.add(news)
    post.tags.clear()
    assert titles_tagged("news") == []


def test_raw_sql_writes_invalidate():
    make_post(title="raw")
    all_titles()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE content_post SET title = %s", ["cooked"])
    assert all_titles() == ["cooked"]


def test_writes_to_unrelated_models_leave_the_entry_alone():
    post = make_post(title="Stable", published=True)
    all_titles()
    Comment.objects.create(post=post, author=post.author, body="not a title")
    all_titles()
    assert computations == ["all"]


def test_invalidation_waits_for_commit_and_a_rollback_invalidates_nothing():
    post = make_post(title="Committed")
    all_titles()

    with transaction.atomic():
        Post.objects.filter(pk=post.pk).update(title="Pending")
        # Another connection still sees the committed data, and so does the cache.
        assert _read_in_another_thread(all_titles) == ["Committed"]
        # The writing transaction itself reads its own write, uncached.
        assert all_titles() == ["Pending"]
    assert all_titles() == ["Pending"]

    with pytest.raises(RuntimeError), transaction.atomic():
        Post.objects.filter(pk=post.pk).update(title="Never")
        raise RuntimeError("roll back")
    assert all_titles() == ["Pending"]
    # first fill, the uncached read inside the transaction, the refill after commit; the
    # rolled-back write caused none
    assert computations == ["all", "all", "all"]
