"""Health checks: can this process reach its database and cache?

The report names the checks that fail and nothing more: /healthz is public, and an error's
text would tell anyone the database's host, port and role. The error goes to the log.
"""

import logging

from django.core.cache import cache
from django.db import connection

logger = logging.getLogger(__name__)


def check_database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        logger.exception("Health check: the database is failing")
        return False
    return True


def check_cache() -> bool:
    try:
        cache.set("keel:health", "ok", 5)
        if cache.get("keel:health") != "ok":
            logger.error("Health check: the cache did not return what was written")
            return False
    except Exception:
        logger.exception("Health check: the cache is failing")
        return False
    if not _cache_redis_up():
        logger.error("Health check: the cache's Redis is unreachable")
        return False
    return True


def _cache_redis_up() -> bool:
    """Keel's cache answers from its in-process level while its Redis is away, so the round
    trip above passes then too; the cache itself says whether it reaches Redis."""
    snapshot = getattr(cache, "stats_snapshot", None)
    if snapshot is None:  # another backend: the round trip said all there is
        return True
    redis = snapshot()["l2"]
    return not redis["configured"] or redis["up"]


def health_report() -> dict:
    checks = {"database": check_database(), "cache": check_cache()}
    return {
        "status": "ok" if all(checks.values()) else "failing",
        "checks": {name: "ok" if passed else "failing" for name, passed in checks.items()},
    }
