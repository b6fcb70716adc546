"""WSGI entry point of the DRF reference (granian --interface wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.reference.drf.settings")
application = get_wsgi_application()
