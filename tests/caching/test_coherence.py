"""Coherence across processes: another process's L1 drops what this one invalidates."""

import json
import subprocess
import sys
import time

from django.core.cache import caches

from tests.live import ROOT, subprocess_env

cache = caches["default"]
MARKER = "coherence-test:invalidated-at"

# Process A: warms its L1, then reads in a tight loop. Before each cache read it reads a
# marker that process B (the test) sets only after its invalidation call has returned, so
# a read that saw the marker started after the acknowledgement and must not be stale.
READER = """
import json, sys, time
import django
django.setup()
from django.core.cache import caches
cache = caches["default"]
raw = cache.core.l2.django_redis.get_client(write=True)
cache.get("plain")  # starts the coherence listener; L1 is used once it is subscribed
while not cache.core.coherence.subscribed:
    time.sleep(0.01)
cache.tags("posts").get("post:1"), cache.get("plain"), cache.get("pushed")  # fills L1
hits = cache.core.stats.l1_hits
for _ in range(2):  # now from L1
    cache.tags("posts").get("post:1"), cache.get("plain"), cache.get("pushed")
hits_before = cache.core.stats.l1_hits - hits
print("ready", flush=True)
reads = stale = 0
first_fresh = {}
deadline = time.time() + 10
while time.time() < deadline:
    marker = raw.get("MARKER")
    values = {
        "tagged": cache.tags("posts").get("post:1"),
        "plain": cache.get("plain"),
        "pushed": cache.get("pushed"),
    }
    now = time.time()
    for name, value in values.items():
        if value != "old" and name not in first_fresh:
            first_fresh[name] = now
    reads += 1
    if marker is not None:
        stale += values["tagged"] == "old" or values["plain"] == "old"
        if len(first_fresh) == 3 and reads > 1000:
            break
print(json.dumps({"l1_hits_before": hits_before, "reads": reads, "stale_after_ack": stale,
                  "first_fresh": first_fresh}), flush=True)
""".replace("MARKER", MARKER)


def test_an_invalidation_evicts_other_processes_l1_before_it_returns():
    # given process A holding "old" values in its L1
    cache.tags("posts").set("post:1", "old", 60)
    cache.set("plain", "old", 60)
    cache.set("pushed", "old", 60)
    raw = cache.core.l2.django_redis.get_client(write=True)
    reader = subprocess.Popen(
        [sys.executable, "-c", READER],
        cwd=ROOT,
        env=subprocess_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "ready"
        time.sleep(0.2)

        # when process B invalidates the tag, deletes a key and overwrites another
        started = time.time()
        cache.invalidate_tags("posts")
        tag_acknowledged = time.time()
        cache.delete("plain")
        delete_acknowledged = time.time()
        cache.set("pushed", "new", 60)
        raw.set(MARKER, str(time.time()))
        report = json.loads(reader.stdout.readline())
    finally:
        reader.kill()
        reader.wait()
        raw.delete(MARKER)

    # then A served from L1 before, and never the old value after B's calls returned
    assert report["l1_hits_before"] == 6
    assert report["stale_after_ack"] == 0
    assert set(report["first_fresh"]) == {"tagged", "plain", "pushed"}
    print(
        "\ncoherence: invalidate_tags returned after "
        f"{(tag_acknowledged - started) * 1000:.2f} ms, delete after "
        f"{(delete_acknowledged - tag_acknowledged) * 1000:.2f} ms (both acknowledged by A); "
        f"A saw the tag invalidation {(report['first_fresh']['tagged'] - started) * 1000:.2f} "
        "ms after it started; an unacknowledged set reached A after "
        f"{(report['first_fresh']['pushed'] - delete_acknowledged) * 1000:.2f} ms; "
        f"A made {report['reads']} reads"
    )


def test_clear_empties_other_processes_l1():
    cache.set("plain", "old", 60)
    script = (
        "import django, time; django.setup()\n"
        "from django.core.cache import caches\n"
        "cache = caches['default']\n"
        "cache.get('plain')\n"
        "while not cache.core.coherence.subscribed: time.sleep(0.01)\n"
        "cache.get('plain')\n"
        "print('ready', flush=True)\n"
        "input()\n"
        "print(cache.get('plain', 'gone'), len(cache.core.l1), flush=True)\n"
    )
    other = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=subprocess_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert other.stdout.readline().strip() == "ready"

        cache.clear()
        other.stdin.write("\n")
        other.stdin.flush()

        assert other.stdout.readline().split() == ["gone", "0"]
    finally:
        other.kill()
        other.wait()
