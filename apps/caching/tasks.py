"""Periodic cache jobs."""

from celery import shared_task

from apps.caching import warming


@shared_task(declared_queue="low")
def refresh_hot_entries_task() -> int:
    return warming.refresh_hot_entries()
