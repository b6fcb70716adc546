"""ASGI entry point of the DRF reference, to measure Django's hello view under ASGI too."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.reference.drf.settings")
application = get_asgi_application()
