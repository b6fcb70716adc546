"""Stampede protection: when a hot key expires under load, one reader recomputes it."""

import subprocess
import sys
import threading
import time

from django.core.cache import caches

from apps.caching.backends import TwoLevelCache
from tests.live import ROOT, subprocess_env

cache = caches["default"]
CALLS = "stampede-test:calls"


def raw_redis():
    return cache.core.l2.django_redis.get_client(write=True)


def slow_count(value: str):
    """fn for remember(): counts its runs in Redis (so runs in any process are counted)."""

    def compute():
        raw_redis().incr(CALLS)
        time.sleep(0.3)
        return value

    return compute


def read_concurrently(readers: int, read) -> list:
    results = [None] * readers
    start = threading.Barrier(readers)

    def run(i):
        start.wait()
        results[i] = read()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(readers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_fifty_readers_of_a_stale_hot_key_see_one_recomputation_and_never_wait():
    raw_redis().delete(CALLS)
    cache.tags("posts").remember("hot", 0.1, lambda: "old", stale_ttl=60)
    time.sleep(0.2)  # now stale

    results = read_concurrently(
        50, lambda: cache.tags("posts").remember("hot", 60, slow_count("new"), stale_ttl=60)
    )

    assert int(raw_redis().get(CALLS)) == 1
    assert results.count("new") == 1
    assert results.count("old") == 49
    assert cache.tags("posts").remember("hot", 60, slow_count("newer"), stale_ttl=60) == "new"


def test_fifty_readers_of_a_missing_hot_key_wait_for_the_one_computation():
    raw_redis().delete(CALLS)

    results = read_concurrently(
        50, lambda: cache.tags("posts").remember("cold", 60, slow_count("computed"))
    )

    assert int(raw_redis().get(CALLS)) == 1
    assert results == ["computed"] * 50


def test_readers_in_two_processes_share_one_computation():
    raw_redis().delete(CALLS)
    other = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import django, sys; django.setup()\n"
            "from tests.caching.test_stampede import read_concurrently, slow_count\n"
            "from django.core.cache import cache\n"
            "input()\n"
            "results = read_concurrently(25, lambda: cache.tags('posts').remember("
            "'shared', 60, slow_count('computed')))\n"
            "print(results.count('computed'), flush=True)\n",
        ],
        cwd=ROOT,
        env=subprocess_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        other.stdin.write("\n")
        other.stdin.flush()
        results = read_concurrently(
            25, lambda: cache.tags("posts").remember("shared", 60, slow_count("computed"))
        )
        other_results = int(other.stdout.readline())
    finally:
        other.kill()
        other.wait()

    assert int(raw_redis().get(CALLS)) == 1
    assert results == ["computed"] * 25
    assert other_results == 25


def test_a_reader_waits_only_so_long_for_a_holder_that_never_finishes():
    impatient = TwoLevelCache(
        cache.core.l2.django_redis._server[0],
        {"KEY_PREFIX": cache.key_prefix, "OPTIONS": {"STAMPEDE_WAIT": 0.2}},
    )
    full_key = impatient.make_key("abandoned")
    raw_redis().set(f"{cache.key_prefix}:caching:lock:{full_key}", "a crashed holder", px=60_000)

    assert impatient.remember("abandoned", 60, lambda: "computed anyway") == "computed anyway"
