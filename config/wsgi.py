"""WSGI entry point: how HTTP is served in production (granian --interface wsgi)."""

import os
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.wsgi import get_wsgi_application

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
application: "WSGIApplication" = get_wsgi_application()

if settings.EDGE_CACHE:
    # Public responses are answered from the cache before Django's handler runs.
    from apps.caching.edge import EdgeCache

    application = EdgeCache(application)
