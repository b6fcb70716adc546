"""Warming: hot query-cache entries are sampled and refreshed; cache_warm runs warmers."""

import time
from io import StringIO

import pytest
from django.core.management import call_command

from apps.caching import warming
from apps.caching.queries import cached_query
from apps.content.models import Post
from tests.content.factories import make_post

pytestmark = pytest.mark.django_db(transaction=True)

computations: list[int] = []


@cached_query(ttl=60, tags=[Post])
def post_count() -> int:
    computations.append(1)
    return Post.objects.count()


@warming.register_warmer("tests.post_count")
def warm_post_count() -> None:
    post_count()


@pytest.fixture(autouse=True)
def _clean_samples():
    client = warming._redis()
    client.delete(warming._prefixed(warming.HOT_SET))
    computations.clear()


def test_calls_are_sampled_into_hot_entries_and_patterns():
    for _ in range(400):
        post_count()

    entries = dict(warming.hot_entries())
    patterns = warming.hot_patterns()

    assert len(entries) == 1
    pattern = "query:tests.caching.test_warming.post_count"
    assert list(patterns) == [pattern]
    # one call in SAMPLE_EVERY is sampled, with that weight: about 400 in all
    assert 100 <= patterns[pattern] <= 1200


def test_a_hot_entry_past_most_of_its_ttl_is_recomputed_before_it_expires():
    make_post(title="one")
    for _ in range(400):
        assert post_count() == 1
    assert computations == [1]

    assert warming.refresh_hot_entries(now=time.time() + 10) == 0  # still fresh
    refreshed = warming.refresh_hot_entries(now=time.time() + 50)  # past 75% of 60 s

    assert refreshed == 1
    assert computations == [1, 1]
    assert post_count() == 1
    assert computations == [1, 1]  # served from the refreshed entry


def test_cache_warm_runs_named_warmers_and_rejects_unknown_ones():
    out = StringIO()
    call_command("cache_warm", "tests.post_count", stdout=out)
    lines = out.getvalue().splitlines()

    assert lines[0].startswith("warmed tests.post_count in ")
    assert computations == [1]
    post_count()
    assert computations == [1]  # the warmer filled the cache

    with pytest.raises(Exception, match="Unknown warmer"):
        call_command("cache_warm", "no.such.warmer")


@cached_query(ttl=60, tags=[Post], version=2)
def versioned_count() -> int:
    computations.append(2)
    return Post.objects.count()


def test_a_selector_of_another_version_shares_no_entry_and_is_not_refreshed(monkeypatch):
    make_post(title="one")
    first_shape = cached_query(ttl=60, tags=[Post])(versioned_count.uncached)
    for _ in range(400):
        versioned_count()
    first_shape()
    computed_before_warming = list(computations)

    # Another release whose selector has moved on to version 3 leaves version 2 alone.
    monkeypatch.setattr(versioned_count, "cache_version", 3)
    skipped = warming.refresh_hot_entries(now=time.time() + 50)
    monkeypatch.setattr(versioned_count, "cache_version", 2)
    refreshed = warming.refresh_hot_entries(now=time.time() + 50)

    assert computed_before_warming == [2, 2]  # one per version, however many calls
    assert skipped == 0
    assert refreshed == 1
