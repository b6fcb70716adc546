"""Tags: remember, get/set/delete through tags, and O(1) invalidation by tag version."""

from django.core.cache import caches

from apps.caching.tags import invalidate_tags

cache = caches["default"]


def counting(value):
    calls = []

    def compute():
        calls.append(1)
        return f"{value} #{len(calls)}"

    return compute, calls


def test_remember_computes_once_then_serves_the_cached_value():
    compute, calls = counting("feed")

    first = cache.tags("posts").remember("feed", 60, compute)
    second = cache.tags("posts").remember("feed", 60, compute)

    assert (first, second) == ("feed #1", "feed #1")
    assert len(calls) == 1


def test_invalidating_a_tag_recomputes_only_the_entries_stored_under_it():
    feed, _ = counting("feed")
    profile, _ = counting("profile")
    cache.tags("users", "posts").remember("feed", 60, feed)
    cache.tags("users").remember("profile", 60, profile)

    invalidate_tags("posts")

    assert cache.tags("users", "posts").remember("feed", 60, feed) == "feed #2"
    assert cache.tags("users").remember("profile", 60, profile) == "profile #1"


def test_an_invalidation_is_one_increment_of_the_tag_version():
    cache.tags("posts").set("a", 1, 60)
    cache.tags("posts").set("b", 2, 60)
    raw = cache.core.l2.django_redis.get_client(write=True)
    version_key = cache.core.tag_versions.key("posts")
    before = int(raw.get(version_key))

    cache.invalidate_tags("posts")

    assert int(raw.get(version_key)) == before + 1
    assert cache.tags("posts").get("a") is None
    assert cache.tags("posts").get("b", "gone") == "gone"


def test_tagged_get_set_delete():
    tagged = cache.tags("posts", "users")
    tagged.set("item", {"id": 7}, 60)

    assert tagged.get("item") == {"id": 7}
    assert cache.tags("users", "posts").get("item") == {"id": 7}  # tag order does not matter
    assert tagged.delete("item") is True
    assert tagged.get("item") is None


def test_tag_versions_are_served_from_l1_after_the_first_read():
    cache.tags("posts").set("a", 1, 60)
    cache.tags("posts").get("a")
    raw = cache.core.l2.django_redis.get_client(write=True)
    version_key = cache.core.tag_versions.key("posts")
    # a version changed behind the cache's back is not seen: no Redis round trip was made
    raw.incr(version_key)

    assert cache.tags("posts").get("a") == 1


def test_a_lost_tag_version_never_revalidates_old_entries():
    cache.tags("posts").set("a", "old", 60)
    raw = cache.core.l2.django_redis.get_client(write=True)
    raw.delete(cache.core.tag_versions.key("posts"))
    cache.core.l1.clear()

    assert cache.tags("posts").get("a") is None


def test_tag_lookups_are_counted_per_tag():
    def counts():
        tag = cache.stats_snapshot()["tags"].get("stats-tag", {"hits": 0, "misses": 0})
        return tag["hits"], tag["misses"]

    compute, _ = counting("feed")
    hits, misses = counts()

    for _ in range(3):
        cache.tags("stats-tag").remember("feed", 60, compute)

    assert counts() == (hits + 2, misses + 1)


def test_a_value_set_as_of_a_snapshot_is_stale_if_its_tag_moved_since():
    # Given a page rendered from data read after a snapshot of its tags' versions
    tagged = cache.tags("posts")
    before_reading = tagged.snapshot()
    # When a write to that data is committed while the page renders
    invalidate_tags("posts")
    tagged.set("page", "rendered before the write", 60, as_of=before_reading)
    # Then the page is not served; one rendered after the write is
    assert tagged.get("page") is None
    tagged.set("page", "rendered after the write", 60, as_of=tagged.snapshot())
    assert tagged.get("page") == "rendered after the write"
