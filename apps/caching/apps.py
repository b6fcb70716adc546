"""The caching app: Keel's two-level cache backend and its tags, coherence and statistics."""

from django.apps import AppConfig
from django.conf import settings
from django.utils.module_loading import autodiscover_modules


class CachingConfig(AppConfig):
    name = "apps.caching"
    label = "caching"
    verbose_name = "Caching"
    periodic_jobs = {
        "refresh-hot-cache-entries": {
            "task": "apps.caching.tasks.refresh_hot_entries_task",
            "schedule": settings.CACHE_WARM_INTERVAL,
        },
    }

    def ready(self) -> None:
        # Every process watches writes to cached models, whether or not it reads through the
        # cache itself (a Celery worker writes what the web process caches).
        from apps.caching.invalidation import watch_declared_models

        watch_declared_models()
        # Each app registers what `cache_warm` fills in its `warmers.py`.
        autodiscover_modules("warmers")
