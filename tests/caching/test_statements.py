"""Compiled statements: a queryset shape compiled once, run with new values, prepared."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from apps.caching.statements import CompiledQuery, SampleDateTime, SampleInt, SampleText
from apps.content.models import Post
from tests.accounts.factories import make_user
from tests.content.factories import make_post

pytestmark = pytest.mark.django_db

builds: list[dict] = []


def titles_query() -> CompiledQuery:
    def build(author_id, word, since):
        builds.append({"author_id": author_id, "word": word, "since": since})
        return (
            Post.objects.filter(author_id=author_id, tags__name=word, created_at__gte=since)
            .order_by("title")
            .values_list("title", "author__email", "id")
        )

    return CompiledQuery(build, author_id=SampleInt(), word=SampleText(), since=SampleDateTime())


def test_rows_match_the_queryset_for_every_set_of_values_and_it_is_built_once():
    ann, bo = make_user(email="ann@example.com"), make_user(email="bo@example.com")
    apple = make_post(author=ann, title="apple pie", tags=["pie"])
    make_post(author=ann, title="pear tart", tags=["tart"])
    pie = make_post(author=bo, title="pie chart", tags=["pie"])
    long_ago = datetime(2000, 1, 1, tzinfo=UTC)
    query = titles_query()
    builds.clear()

    anns = query.rows(author_id=ann.pk, word="pie", since=long_ago)
    bos = query.rows(author_id=bo.pk, word="pie", since=long_ago)
    none_yet = query.rows(author_id=ann.pk, word="pie", since=apple.created_at + timedelta(1))
    tarts = query.rows(author_id=ann.pk, word="tart", since=long_ago.replace(tzinfo=None))

    assert anns == [("apple pie", "ann@example.com", apple.pk)]
    assert bos == [("pie chart", "bo@example.com", pie.pk)]
    assert none_yet == []
    assert [title for title, *_ in tarts] == ["pear tart"]
    assert len(builds) == 1


def test_the_fields_come_back_in_the_order_values_list_names_them():
    post = make_post(title="Ordered", tags=["x"])
    query = CompiledQuery(
        lambda post_id: Post.objects.filter(pk=post_id).values_list("title", "id", "author_id"),
        post_id=SampleInt(),
    )

    assert query.rows(post_id=post.pk) == [("Ordered", post.pk, post.author_id)]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        # Ignored: another word would silently read the same rows.
        (
            lambda author_id, word: Post.objects.filter(author_id=author_id).values_list("id"),
            "word did not reach the SQL",
        ),
        # Transformed by the ORM into "%word%": no parameter equals the word any more.
        (
            lambda author_id, word: Post.objects.filter(
                author_id=author_id, title__contains=word
            ).values_list("id"),
            "transformed",
        ),
        # Used as given once and transformed once: the second use would stay fixed.
        (
            lambda author_id, word: Post.objects.filter(
                author_id=author_id, slug=word, title__icontains=word
            ).values_list("id"),
            "transformed",
        ),
    ],
)
def test_a_value_the_sql_does_not_receive_as_given_is_refused_when_compiling(build, message):
    query = CompiledQuery(build, author_id=SampleInt(), word=SampleText())

    with pytest.raises(ImproperlyConfigured, match=message):
        query.rows(author_id=1, word="pie")


def test_values_must_be_the_ones_the_shape_names():
    query = titles_query()

    with pytest.raises(TypeError, match="takes"):
        query.rows(author_id=1, word="pie")


def test_postgresql_prepares_the_statement_on_the_serving_connection():
    author = make_user()
    make_post(author=author, title="prepared pie", tags=["pie"])
    query = titles_query()

    rows = query.rows(author_id=author.pk, word="pie", since=datetime(2000, 1, 1, tzinfo=UTC))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]

    assert [title for title, *_ in rows] == ["prepared pie"]
    assert any('"content_post"."title"' in statement for statement in prepared)


def test_small_and_large_ids_share_one_prepared_statement():
    post = make_post(title="Sized")
    query = CompiledQuery(
        lambda post_id: Post.objects.filter(pk=post_id).values_list("title"),
        post_id=SampleInt(),
    )

    found = [query.rows(post_id=post_id) for post_id in (post.pk, 40_000, 5_000_000_000)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT parameter_types::text FROM pg_prepared_statements WHERE statement LIKE %s",
            ['%"content_post"."title"%WHERE%'],
        )
        types = [row[0] for row in cursor.fetchall()]

    assert found == [[("Sized",)], [], []]
    assert types == ["{bigint}"]


def test_an_integer_outside_the_bigint_range_is_refused_before_the_database():
    query = CompiledQuery(
        lambda post_id: Post.objects.filter(pk=post_id).values_list("title"),
        post_id=SampleInt(),
    )

    with pytest.raises(ValueError, match="outside the bigint range"):
        query.rows(post_id=2**63)
