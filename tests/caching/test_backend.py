"""The two-level backend: both levels kept in step, bounded L1, prefix-only clear, failover."""

import logging
import pickle
import subprocess
import time

import pytest
import redis
from django.core.cache import caches

from apps.caching.backends import TwoLevelCache
from tests.live import free_port, wait_until

cache = caches["default"]  # this thread's backend object (the proxy hides its class)


def raw_redis():
    return cache.core.l2.django_redis.get_client(write=True)


def in_l1(key) -> bool:
    return cache.core.l1.get(cache.make_key(key), time.monotonic()) is not None


def in_l2(key) -> bool:
    return bool(raw_redis().exists(cache.make_key(key)))


def l1_only_cache(**options) -> TwoLevelCache:
    return TwoLevelCache("", {"KEY_PREFIX": f"l1-only-{time.monotonic_ns()}", "OPTIONS": options})


def test_default_cache_is_two_level_over_the_test_redis():
    assert isinstance(cache, TwoLevelCache)
    assert cache.core.l2 is not None


def test_set_reaches_both_levels_and_a_read_is_then_served_from_l1():
    cache.set("greeting", {"text": "hello"}, 30)

    assert in_l1("greeting")
    assert in_l2("greeting")
    hits_before = cache.core.stats.l1_hits
    assert cache.get("greeting") == {"text": "hello"}
    assert cache.core.stats.l1_hits == hits_before + 1


def test_a_value_found_only_in_redis_fills_l1_with_redis_remaining_ttl():
    raw_redis().set(cache.make_key("shared"), pickle.dumps("from another process"), px=5000)

    assert cache.get("shared") == "from another process"

    assert in_l1("shared")
    remaining = cache.core.l1.expires_at(cache.make_key("shared")) - time.monotonic()
    assert 4 < remaining <= 5


def test_l1_never_keeps_an_entry_longer_than_l1_ttl():
    cache.set("long-lived", "v", 3600)

    remaining = cache.core.l1.expires_at(cache.make_key("long-lived")) - time.monotonic()

    assert remaining <= cache.core.l1_ttl
    assert raw_redis().pttl(cache.make_key("long-lived")) > 3_000_000


def test_returned_values_are_copies_so_callers_cannot_corrupt_the_cache():
    cache.set("list", [1, 2], 30)

    cache.get("list").append(3)

    assert cache.get("list") == [1, 2]


def test_delete_add_incr_touch_and_has_key_reach_both_levels():
    cache.set("k", 1, 30)
    assert cache.add("k", 2, 30) is False
    assert cache.incr("k", 5) == 6
    assert not in_l1("k")  # counters are read back from Redis, which holds their expiry
    assert cache.get("k") == 6
    assert cache.touch("k", 100) is True
    assert 90_000 < raw_redis().pttl(cache.make_key("k")) <= 100_000
    assert cache.has_key("k") is True

    assert cache.delete("k") is True

    assert not in_l1("k")
    assert not in_l2("k")
    assert cache.has_key("k") is False
    assert cache.delete("k") is False
    assert cache.add("k", 3, 30) is True
    assert cache.get("k") == 3
    with pytest.raises(ValueError, match="not found"):
        cache.incr("missing")


def test_many_operations_reach_both_levels():
    cache.set_many({"a": 1, "b": 2}, 30)
    cache.set("c", 3, 30)
    cache.core.l1.delete(cache.make_key("c"))

    assert cache.get_many(["a", "b", "c", "d"]) == {"a": 1, "b": 2, "c": 3}
    assert in_l1("c")

    cache.delete_many(["a", "c"])

    assert cache.get_many(["a", "b", "c"]) == {"b": 2}
    assert not in_l2("a")
    assert not in_l2("c")
    assert not in_l1("a")


def test_a_zero_timeout_stores_nothing():
    cache.set("now-gone", "v", 0)

    assert cache.get("now-gone") is None
    assert not in_l2("now-gone")


def test_clear_deletes_only_this_caches_keys():
    cache.set("mine", "v", 30)
    raw_redis().set("someone-else:key", "theirs")
    try:
        cache.clear()

        assert cache.get("mine") is None
        assert not in_l2("mine")
        assert raw_redis().get("someone-else:key") == b"theirs"
    finally:
        raw_redis().delete("someone-else:key")


def test_l1_evicts_least_recently_used_entries_beyond_its_entry_count():
    small = l1_only_cache(L1_MAX_ENTRIES=3)
    for key in ("a", "b", "c"):
        small.set(key, key, 30)
    small.get("a")

    small.set("d", "d", 30)

    assert small.get_many(["a", "b", "c", "d"]) == {"a": "a", "c": "c", "d": "d"}
    assert small.core.stats.l1_evictions_size == 1


def test_l1_evicts_beyond_its_byte_budget_and_refuses_values_larger_than_it():
    small = l1_only_cache(L1_MAX_BYTES=3000)
    small.set("first", "x" * 1000, 30)
    small.set("second", "y" * 1000, 30)

    small.set("third", "z" * 1000, 30)
    small.set("huge", "h" * 5000, 30)

    assert small.get("first") is None
    assert small.get("second") == "y" * 1000
    assert small.get("huge") is None
    assert small.core.l1.bytes <= 3000


def test_l1_entries_expire_with_their_timeout():
    small = l1_only_cache()
    small.set("brief", "v", 0.05)

    time.sleep(0.1)

    assert small.get("brief") is None
    assert small.core.stats.l1_evictions_ttl == 1


def test_without_redis_the_cache_works_in_process_alone():
    local = l1_only_cache()

    local.set("n", 1, 30)
    assert local.incr("n", 2) == 3
    assert local.add("n", 9) is False
    assert local.get("n") == 3
    assert local.delete("n") is True
    assert local.get("n", "default") == "default"
    assert local.tags("posts").remember("p", 30, lambda: "computed") == "computed"
    local.invalidate_tags("posts")
    assert local.tags("posts").get("p") is None


class RedisServer:
    """A real redis-server process of the test's own, to kill and restart."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.process = None

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        assert wait_until(lambda: _pings(client), timeout=10)
        return self

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def _pings(client) -> bool:
    try:
        return client.ping()
    except redis.ConnectionError:
        return False


@pytest.fixture
def own_redis():
    server = RedisServer(free_port()).start()
    yield server
    if server.process.poll() is None:
        server.stop()


def test_a_redis_outage_is_served_from_l1_logged_once_and_recovered_from(own_redis, caplog):
    caplog.set_level(logging.INFO, logger="apps.caching")
    flaky = TwoLevelCache(
        f"redis://127.0.0.1:{own_redis.port}/0",
        {
            "KEY_PREFIX": f"failover-{own_redis.port}",
            "OPTIONS": {"L2_RETRY_INTERVAL": 0.3, "SOCKET_CONNECT_TIMEOUT": 0.2},
        },
    )
    direct = redis.Redis(port=own_redis.port)
    flaky.set("before", "v", 60)
    assert direct.exists(flaky.make_key("before"))

    # when Redis dies
    own_redis.stop()

    # then nothing raises; a miss sends callers to the database; writes live in L1
    assert flaky.get("before", "from the database") == "from the database"
    flaky.set("during", "written in the outage", 60)
    assert flaky.get("during") == "written in the outage"
    assert flaky.delete("before") is False
    flaky.invalidate_tags("posts")
    assert flaky.tags("posts").remember("p", 60, lambda: "computed") == "computed"
    assert flaky.tags("posts").get("p") == "computed"
    for _ in range(20):
        flaky.get("anything")
    down_warnings = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(down_warnings) == 1
    assert flaky.stats_snapshot()["failover"]["down"] == 1

    # when Redis is back (empty, as a restarted Redis without persistence); a value deleted
    # during the outage is put back to show it is deleted again on recovery
    own_redis.start()
    direct.set(flaky.make_key("before"), pickle.dumps("stale"))
    assert wait_until(lambda: flaky.has_key("probe") is False and not flaky.core.l2.down, 5)

    # then the outage's changes were replayed, L1 was emptied, and writes reach Redis again
    assert not direct.exists(flaky.make_key("before"))
    assert flaky.get("during") is None
    flaky.set("after", "v", 60)
    assert direct.exists(flaky.make_key("after"))
    up_lines = [r for r in caplog.records if "reachable again" in r.getMessage()]
    assert len(up_lines) == 1
    assert flaky.stats_snapshot()["failover"] == {"down": 1, "up": 1}
