"""Tests: real PostgreSQL and Redis at the local default addresses, overridable by env.

Each pytest-xdist worker gets two Redis databases of its own (broker and channel layer in
one, cache in the other, so a test's cache.clear() never drops queued tasks) and its own key
prefix, so workers never see each other's cache entries, broker queues or channel groups.
"""

import os

_worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
_worker_index = int(_worker.removeprefix("gw") or 0)
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/keel")
os.environ.setdefault("DATABASE_POOL", "false")
_redis_base = os.environ.get("KEEL_TEST_REDIS_URL", "redis://127.0.0.1:6379")
# Assigned, not defaulted: pytest-xdist's workers inherit the environment of the controller,
# which loaded these settings too, and each worker must still get its own databases.
# KEEL_TEST_REDIS_DB moves the block of databases, so two suites can run side by side.
_first_db = int(os.environ.get("KEEL_TEST_REDIS_DB", "1"))
os.environ["REDIS_URL"] = f"{_redis_base}/{(_first_db + 2 * _worker_index) % 16}"
os.environ["REDIS_CACHE_URL"] = f"{_redis_base}/{(_first_db + 1 + 2 * _worker_index) % 16}"
os.environ["KEEL_KEY_PREFIX"] = f"keel-test-{_worker}"

from config.settings.base import *  # noqa: E402, F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# Live servers in tests serve static files straight from the app directories (no collectstatic).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
