"""What each app plugs into the platform, read from its AppConfig.

A feature app declares its extension points inside itself, on its AppConfig (apps.py), and
the platform app that owns each point collects them; no platform file changes when an app
is added. The attributes:

- `rest_urls`: a module whose `urlpatterns` are mounted under /api/ (apps/api/urls.py);
- `graphql_schema`: a module whose `Query` and `Mutation` types join the root types, with
  `PAGE_SIZE_LIMITS` for its paginated fields (apps/api/graphql_schema.py);
- `websocket_urls`: a module whose `websocket_urlpatterns` the ASGI router serves
  (apps/realtime/routing.py);
- `cached_models`: labels of the models whose writes invalidate cached copies: the app's
  own, and others it shows through the cache (apps/caching/invalidation.py). Writes to
  models no app declares cost nothing;
- `periodic_jobs`: Celery beat entries, `{name: {"task": ..., "schedule": seconds}}`
  (added by beat's scheduler, config/beat.py, when beat starts).

Modules imported by name, as Django and Celery do for `admin.py` and `tasks.py`:
`event_types.py` and `subscribers.py` (apps/events), `rules.py` (object permissions, by
django-rules), `warmers.py` (apps/caching), `tasks.py` (Celery), `admin.py` (Django).
"""

from importlib import import_module
from types import ModuleType
from typing import Any

from django.apps import AppConfig, apps
from django.core.exceptions import ImproperlyConfigured


def declarations(attribute: str) -> list[tuple[AppConfig, Any]]:
    """(app, value) for each installed app that declares `attribute`, in INSTALLED_APPS order."""
    found = []
    for app_config in apps.get_app_configs():
        value = getattr(app_config, attribute, None)
        if value is not None:
            found.append((app_config, value))
    return found


def declared_modules(attribute: str) -> list[ModuleType]:
    """The modules the apps name in `attribute`, imported."""
    modules = []
    for app_config, dotted_path in declarations(attribute):
        try:
            modules.append(import_module(dotted_path))
        except ModuleNotFoundError as error:
            if error.name != dotted_path:
                raise  # the module exists and fails to import: show that error
            raise ImproperlyConfigured(
                f"{type(app_config).__qualname__}.{attribute} names {dotted_path!r}, "
                "which does not exist."
            ) from error
    return modules


def periodic_jobs() -> dict[str, dict[str, Any]]:
    """Every app's periodic jobs as one Celery beat schedule; a name used twice is an error."""
    schedule: dict[str, dict[str, Any]] = {}
    for app_config, jobs in declarations("periodic_jobs"):
        for name, entry in jobs.items():
            if name in schedule:
                raise ImproperlyConfigured(
                    f"Periodic job {name!r} of {app_config.label} is declared by another app."
                )
            schedule[name] = dict(entry)
    return schedule
