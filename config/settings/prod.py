"""Production: secrets have no default, so a missing one stops the process at start."""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403
from config.settings.base import env, mailers_from_url

DEBUG = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
MAILERS = mailers_from_url(env.str("EMAIL_URL"))
# Production runs on real services only: no silent fallback to SQLite or in-process ones.
if "DATABASE_URL" not in env.ENVIRON or not env.str("REDIS_URL", default=""):
    raise ImproperlyConfigured("Production needs DATABASE_URL and REDIS_URL to be set.")


def _redis_database(url: str) -> tuple[str, int, str]:
    """(host, port, database) a redis:// URL points at; the database defaults to 0."""
    parts = urlsplit(url)
    return (parts.hostname or "localhost", parts.port or 6379, parts.path.strip("/") or "0")


# The cache evicts under memory pressure (maxmemory, allkeys-lru); the broker's queues and
# the channel layer's groups must never be evicted. Sharing one database would put both
# under one policy, so production refuses it.
if _redis_database(REDIS_CACHE_URL) in {  # noqa: F405
    _redis_database(REDIS_URL),  # noqa: F405
    _redis_database(CELERY_BROKER_URL),  # noqa: F405
}:
    raise ImproperlyConfigured(
        "Production needs REDIS_CACHE_URL to name a Redis database (or server) of its own, "
        "with maxmemory and an eviction policy; not the one of REDIS_URL or CELERY_BROKER_URL."
    )

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
# Both reach past this app, so the operator opts in: includeSubDomains binds every subdomain
# of the host to HTTPS, and preload asks browsers to ship the host in their built-in list,
# which takes months to leave.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
# check --deploy warns when either is off (W005, W021); off is the default by design, so the
# deploy check silences exactly the warnings of the ones left off.
SILENCED_SYSTEM_CHECKS = [
    *([] if SECURE_HSTS_INCLUDE_SUBDOMAINS else ["security.W005"]),
    *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# GraphQL: no schema handed out to strangers (introspection, "Did you mean" hints, GraphiQL)
# unless the environment turns it back on.
GRAPHQL_INTROSPECTION = env.bool("GRAPHQL_INTROSPECTION", default=False)
GRAPHQL_SUGGESTIONS = env.bool("GRAPHQL_SUGGESTIONS", default=False)
GRAPHQL_GRAPHIQL = env.bool("GRAPHQL_GRAPHIQL", default=False)
