"""Settings of the plain Django + DRF reference: startproject's defaults, production-like.

It reads the tables Keel's migrations created (its models are unmanaged), so it needs no
migrations of its own; `BENCH_DATABASE_URL` says where they are.
"""

import os
from urllib.parse import urlparse

_database = urlparse(
    os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/keel_bench")
)

SECRET_KEY = os.environ.get("BENCH_SECRET_KEY", "reference-app-for-benchmarks-only")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

# What `django-admin startproject` installs, less the admin (no admin URLs are served).
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "rest_framework",
    "benchmarks.reference.drf",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "benchmarks.reference.drf.urls"
WSGI_APPLICATION = "benchmarks.reference.drf.wsgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _database.path.lstrip("/"),
        "USER": _database.username or "",
        "PASSWORD": _database.password or "",
        "HOST": _database.hostname or "",
        "PORT": str(_database.port or ""),
        # Persistent connections, as a plain production deployment would have.
        "CONN_MAX_AGE": 60,
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REST_FRAMEWORK = {
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
