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
    return True


def health_report() -> dict:
    checks = {"database": check_database(), "cache": check_cache()}
    return {
        "status": "ok" if all(checks.values()) else "failing",
        "checks": {name: "ok" if passed else "failing" for name, passed in checks.items()},
    }
