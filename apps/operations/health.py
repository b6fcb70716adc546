"""Health checks: can this process reach its database and cache?"""

from django.core.cache import cache
from django.db import connection


def check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def check_cache() -> str | None:
    try:
        cache.set("keel:health", "ok", 5)
        if cache.get("keel:health") != "ok":
            return "cache did not return what was written"
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def health_report() -> dict:
    checks = {"database": check_database(), "cache": check_cache()}
    return {
        "status": "ok" if not any(checks.values()) else "failing",
        "checks": {name: error or "ok" for name, error in checks.items()},
    }
