"""Celery beat's scheduler: django-celery-beat's, given every app's declared periodic jobs.

Apps declare periodic jobs on their AppConfig (`periodic_jobs`, apps/kernel/declarations.py);
the scheduler adds them to the schedule it stores in the database when beat starts, once
Django is set up. Jobs added by staff in the admin stay as they are.
"""

from django_celery_beat.schedulers import DatabaseScheduler

from apps.kernel.declarations import periodic_jobs


class DeclaredJobsScheduler(DatabaseScheduler):
    def setup_schedule(self) -> None:
        self.app.conf.beat_schedule = {**self.app.conf.beat_schedule, **periodic_jobs()}
        super().setup_schedule()
