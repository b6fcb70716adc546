"""Settings shared by every environment, each read from an environment variable.

With no environment set, Keel runs on its embedded defaults (SQLite, in-process cache and
channel layer, kombu's filesystem broker); `DATABASE_URL` and `REDIS_URL` switch the same code
to PostgreSQL and Redis. `.env.example` lists every variable.
"""

from pathlib import Path
from typing import Any

import environ
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

VAR_DIR = Path(env.str("KEEL_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# --- core -------------------------------------------------------------------------------------
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY", default="dev-only-keel-secret-key-change-me-in-production"
)
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Django's admin, its site's password checks going through the sign-in limits.
    "apps.accounts.apps.KeelAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "graphene_django",
    "channels",
    "django_celery_beat",
    # TOTP devices of the second sign-in step (apps/accounts/services.py verifies them).
    "django_otp",
    "django_otp.plugins.otp_totp",
    # Object permissions: each app's rules.py declares its own (apps/kernel/permissions.py).
    "rules.apps.AutodiscoverRulesConfig",
    "apps.accounts",
    "apps.events",
    "apps.content",
    "apps.tokens",
    "apps.operations",
    "apps.realtime",
    "apps.caching",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "apps.operations.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Bodies over DATA_UPLOAD_MAX_MEMORY_SIZE get a 413 before any session or view work.
    "apps.operations.body_limit.BodySizeLimitMiddleware",
    # A NUL anywhere in the query string is a 400: PostgreSQL cannot hold one.
    "apps.operations.nul_query.NulQueryStringMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A domain error leaving a page's view becomes the error page of its status.
    "apps.kernel.web.DomainErrorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
        },
    },
]

# --- Content-Security-Policy (docs/web.md) ---------------------------------------------------
# Scripts and styles come from our own static files only: no inline script or style, no
# nonce. The edge cache serves one body to everyone, so a nonce there would be shared and
# worthless; a page that is never cached and needs more says so with a per-view override.
CONTENT_SECURITY_POLICY: dict[str, list[str]] = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    # 'self' covers ws: and wss: of the same host and port (the live comments' socket).
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
if CSP_REPORT_URI := env.str("DJANGO_CSP_REPORT_URI", default=""):
    CONTENT_SECURITY_POLICY["report-uri"] = [CSP_REPORT_URI]
# Report-only: browsers report what the policy would block and block nothing (for trying a
# change of policy on real traffic first).
CSP_REPORT_ONLY = env.bool("DJANGO_CSP_REPORT_ONLY", default=False)
SECURE_CSP = {} if CSP_REPORT_ONLY else CONTENT_SECURITY_POLICY
SECURE_CSP_REPORT_ONLY = CONTENT_SECURITY_POLICY if CSP_REPORT_ONLY else {}
# GraphiQL's page (graphene-django, never cached) loads its React app from the jsDelivr CDN,
# pinned by subresource integrity; only the GraphQL view gets this policy (config/urls.py).
GRAPHIQL_CSP = {
    **CONTENT_SECURITY_POLICY,
    "script-src": [CSP.SELF, "https://cdn.jsdelivr.net"],
    "style-src": [CSP.SELF, "https://cdn.jsdelivr.net"],
    "font-src": [CSP.SELF, "data:"],  # its stylesheet embeds its fonts
}

# --- database ---------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'keel.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    if env.bool("DATABASE_POOL", default=True):
        # psycopg's pool replaces persistent connections; Django requires CONN_MAX_AGE = 0.
        DATABASES["default"]["OPTIONS"] = {
            "pool": {
                "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=2),
                "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=20),
            }
        }
        DATABASES["default"]["CONN_MAX_AGE"] = 0
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Compiled statements (apps/caching/statements.py) bind on the server and are prepared
    # on first use; the ORM's own queries bind on the client and are never prepared. Switch
    # off behind a transaction-pooling PgBouncer that cannot carry them (before 1.21, or
    # with max_prepared_statements = 0).
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
        0 if env.bool("DATABASE_PREPARED_STATEMENTS", default=True) else None
    )
else:
    # SQLite in WAL mode lets the web server and the worker read while one of them writes.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# `user.has_perm(name, obj)` asks the apps' rules.py first (django-rules), then the model
# permissions users and groups hold.
# The issuer authenticator apps show next to a Keel account's codes.
OTP_TOTP_ISSUER = "Keel"

AUTHENTICATION_BACKENDS = [
    # A read-only token's user holds no permission to change anything (apps/tokens).
    "apps.tokens.backends.TokenScopeBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Every door that sets a password (sign-up, change, reset, the admin) applies all of these
# (docs/security.md#passwords).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.int("PASSWORD_MIN_LENGTH", default=10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "apps.accounts.password_validators.BreachedPasswordValidator"},
    {
        "NAME": "apps.accounts.password_validators.PasswordHistoryValidator",
        "OPTIONS": {"remembered": env.int("PASSWORD_HISTORY", default=5)},
    },
]
ACCOUNTS = {
    # Limits of every password check (apps/accounts/attempts.py, docs/api.md#sign-in-limits).
    "SIGN_IN_LIMITS": {
        # (attempts, window in seconds) per client address (IPv6 by /64), whatever the account.
        "per_address": (
            env.int("SIGN_IN_ATTEMPTS_PER_ADDRESS", default=20),
            env.int("SIGN_IN_ADDRESS_WINDOW", default=60),
        ),
        # Consecutive failures one address may make on one account before each further
        # attempt from there waits a delay doubling from first_delay to max_delay seconds.
        "free_failures": env.int("SIGN_IN_FREE_FAILURES", default=5),
        "first_delay": env.int("SIGN_IN_FIRST_DELAY", default=1),
        "max_delay": env.int("SIGN_IN_MAX_DELAY", default=900),
        # Consecutive failures per account from all addresses (NIST SP 800-63B: at most 100);
        # addresses the account never signed in from stop known_address_reserve short of it.
        "max_failures": env.int("SIGN_IN_MAX_FAILURES", default=100),
        "known_address_reserve": env.int("SIGN_IN_KNOWN_ADDRESS_RESERVE", default=10),
        "known_address_days": env.int("SIGN_IN_KNOWN_ADDRESS_DAYS", default=90),
        # Failures are forgotten after this many seconds without one (or at a success).
        "cool_off": env.int("SIGN_IN_COOL_OFF", default=86400),
    },
    # (sign-ups, window in seconds) per client address.
    "SIGN_UP_LIMIT": (
        env.int("SIGN_UPS_PER_ADDRESS", default=10),
        env.int("SIGN_UP_ADDRESS_WINDOW", default=3600),
    ),
    # At most one "someone tried to sign up with your address" e-mail per account per this
    # many seconds, however many client addresses try.
    "SIGN_UP_NOTICE_INTERVAL": env.int("SIGN_UP_NOTICE_INTERVAL", default=86400),
    # Seconds a link to verify an e-mail address (at sign-up or on a change) stays valid.
    "EMAIL_VERIFICATION_MAX_AGE": env.int("EMAIL_VERIFICATION_MAX_AGE", default=3 * 86400),
    # Password reset requests: (requests, window in seconds) per client address, and per
    # account from addresses it has not signed in from (its owner's stay free).
    "PASSWORD_RESET_LIMIT": (
        env.int("PASSWORD_RESETS_PER_ADDRESS", default=10),
        env.int("PASSWORD_RESET_ADDRESS_WINDOW", default=3600),
    ),
    "PASSWORD_RESET_ACCOUNT_LIMIT": (
        env.int("PASSWORD_RESETS_PER_ACCOUNT", default=3),
        env.int("PASSWORD_RESET_ACCOUNT_WINDOW", default=3600),
    ),
    # Signed-in sessions per user; signing in beyond it ends the oldest.
    "MAX_SESSIONS": env.int("MAX_SESSIONS_PER_USER", default=10),
}
# Seconds a password reset link stays valid (it also stops working once used).
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_MAX_AGE", default=3600)
# How many proxies of ours stand in front of the app and append to X-Forwarded-For
# (1 behind the nginx of docker-compose.yml). 0 trusts no forwarded address at all.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
LOGIN_URL = "accounts:signin"
LOGIN_REDIRECT_URL = "content:feed"
LOGOUT_REDIRECT_URL = "content:feed"

# --- cache, channel layer, broker: Redis when REDIS_URL is set, embedded otherwise ------------
REDIS_URL = env.str("REDIS_URL", default="")
# The cache should live in a Redis database of its own (clear() deletes only keys under
# KEY_PREFIX, but one database per purpose keeps them apart for operators too).
REDIS_CACHE_URL = env.str("REDIS_CACHE_URL", default=REDIS_URL)
KEY_PREFIX = env.str("KEEL_KEY_PREFIX", default="keel")

# Two levels: an in-process L1 in front of Redis (L2), see docs/caching.md. Without Redis,
# LOCATION is empty and the cache is L1 only: each process then has a cache of its own.
CACHES = {
    "default": {
        "BACKEND": "apps.caching.backends.TwoLevelCache",
        "LOCATION": REDIS_CACHE_URL if REDIS_URL else "",
        "KEY_PREFIX": KEY_PREFIX,
        "OPTIONS": {
            "L1_MAX_ENTRIES": env.int("CACHE_L1_MAX_ENTRIES", default=10_000),
            "L1_MAX_BYTES": env.int("CACHE_L1_MAX_BYTES", default=64 * 2**20),
            "L1_TTL": env.float("CACHE_L1_TTL", default=60.0),
            "L2_RETRY_INTERVAL": env.float("CACHE_L2_RETRY_INTERVAL", default=5.0),
            # django-redis: a dead Redis must fail fast so the cache can fail over to L1.
            "SOCKET_CONNECT_TIMEOUT": env.float("CACHE_REDIS_CONNECT_TIMEOUT", default=0.5),
            "SOCKET_TIMEOUT": env.float("CACHE_REDIS_TIMEOUT", default=2.0),
        },
    },
    # The sign-in and sign-up limits (apps/accounts/attempts.py): on REDIS_URL's server,
    # which never evicts, so no counter, gate or known address is dropped before its expiry
    # (every key has one). Without Redis, each process counts on its own.
    "limits": (
        {
            "BACKEND": "apps.accounts.limits_cache.LimitsCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"{KEY_PREFIX}:limits",
            "OPTIONS": {"socket_connect_timeout": 2.0, "socket_timeout": 5.0},
        }
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "keel-limits",
            # LocMemCache culls a third of its entries when full: set far above any load.
            "OPTIONS": {"MAX_ENTRIES": 1_000_000},
        }
    ),
}

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # channels-redis with blocking connection pools (apps/realtime/redis_layer.py).
            "BACKEND": "apps.realtime.redis_layer.RedisChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        # channels-redis blocks on Redis for 5 s at a time (BRPOP); redis-py
                        # 8's default 5 s socket timeout would cut those reads.
                        "socket_timeout": 30,
                        # Connections per process and event loop; when all are busy, a
                        # caller waits up to `timeout` seconds for one instead of failing.
                        "max_connections": env.int("CHANNEL_LAYER_MAX_CONNECTIONS", default=50),
                        "timeout": env.float("CHANNEL_LAYER_POOL_TIMEOUT", default=10.0),
                    }
                ],
                "prefix": f"{KEY_PREFIX}:asgi",
            },
        }
    }
else:
    # Event subscribers run in the Celery worker, so the layer must cross processes even
    # without Redis: the database layer does (see apps/realtime/layers.py).
    CHANNEL_LAYERS = {"default": {"BACKEND": "apps.realtime.layers.DatabaseChannelLayer"}}

# Limits of every websocket (apps/realtime/limits.py, docs/realtime.md).
REALTIME = {
    # A larger message closes its socket with 1009.
    "MAX_MESSAGE_BYTES": env.int("WEBSOCKET_MAX_MESSAGE_BYTES", default=64 * 1024),
    # Per socket: this many messages at once, this many a second on average; beyond, 1008.
    "MESSAGE_BURST": env.int("WEBSOCKET_MESSAGE_BURST", default=20),
    "MESSAGES_PER_SECOND": env.float("WEBSOCKET_MESSAGES_PER_SECOND", default=5.0),
    # Sockets one client address may hold open across all server processes (counted in
    # Redis; per process without it); one more is refused at the handshake.
    "MAX_CONNECTIONS_PER_CLIENT": env.int("WEBSOCKET_MAX_CONNECTIONS_PER_CLIENT", default=20),
    # ASGI middleware authenticating a handshake beyond the session, outermost first; each
    # may replace the session's user (config/asgi.py wires them).
    "AUTHENTICATORS": ["apps.tokens.websocket.BearerTokenMiddleware"],
}

# --- Celery (see config/celery.py for queues and reliability options) -------------------------
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    for sub in ("out", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "out"),
        "data_folder_out": str(BROKER_DIR / "out"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        # The filesystem transport polls; a short interval keeps live updates snappy.
        "polling_interval": 0.1,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Consume critical before default before low, instead of round-robin.
        "queue_order_strategy": "priority",
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    }
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULER = "config.beat:DeclaredJobsScheduler"

# --- events backbone --------------------------------------------------------------------------
EVENTS = {
    # Seconds between runs of the relay, which fans out events whose fan-out was lost and
    # sends deliveries again (docs/events.md).
    "RELAY_INTERVAL": env.float("EVENTS_RELAY_INTERVAL", default=30.0),
    # An event or delivery is left to its own job for this long before the relay takes it.
    "RELAY_GRACE": env.float("EVENTS_RELAY_GRACE", default=10.0),
    "RELAY_BATCH_SIZE": env.int("EVENTS_RELAY_BATCH_SIZE", default=200),
    # A failed delivery is retried after RELAY_INTERVAL, doubling up to MAX_RETRY_DELAY
    # seconds; after MAX_ATTEMPTS it is given up (dead letter) until retried by hand.
    "MAX_ATTEMPTS": env.int("EVENTS_MAX_ATTEMPTS", default=12),
    "MAX_RETRY_DELAY": env.float("EVENTS_MAX_RETRY_DELAY", default=3600.0),
    # An atomic=False delivery still running this many seconds after its claim is marked
    # interrupted (its process died) and waits for an operator; longer than any handler runs.
    "CLAIM_TIMEOUT": env.float("EVENTS_CLAIM_TIMEOUT", default=900.0),
}

# --- REST, schema, GraphQL --------------------------------------------------------------------
# The largest request body accepted, in bytes (Django's default, 2.5 MiB); larger ones get
# 413 on every surface (apps/operations/body_limit.py).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
REST_FRAMEWORK = {
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First: its `Bearer` challenge is the one a 401 names (apps/api/problems.py).
        "apps.tokens.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.api.problems.problem_exception_handler",
    # DRF's JSONRenderer, encoding with orjson: same bytes, a tenth of the time.
    "DEFAULT_RENDERER_CLASSES": ["apps.api.renderers.ORJSONRenderer"],
    # DRF's JSONParser, decoding with orjson: JSON nested past 1,024 levels is a 400, not a 500.
    "DEFAULT_PARSER_CLASSES": ["apps.api.parsers.ORJSONParser"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Keel API",
    "DESCRIPTION": "REST API of the Keel platform.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI is served from our own static files, so the docs work offline and under CSP.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# graphene-django's settings, of several types (it reads them itself).
GRAPHENE: dict[str, Any] = {
    "SCHEMA": "apps.api.graphql_schema.schema",
    "ATOMIC_MUTATIONS": True,
    # A token without the `write` scope runs no mutation.
    "MIDDLEWARE": ["apps.tokens.graphql.TokenScopeMiddleware"],
}
# Personal access tokens (apps/tokens, docs/api.md#authentication).
TOKENS = {
    "MAX_LIFETIME_DAYS": env.int("TOKENS_MAX_LIFETIME_DAYS", default=365),
    "DEFAULT_LIFETIME_DAYS": env.int("TOKENS_DEFAULT_LIFETIME_DAYS", default=90),
    # The expiry given to the old DRF tokens when they were migrated.
    "LEGACY_LIFETIME_DAYS": env.int("TOKENS_LEGACY_LIFETIME_DAYS", default=90),
}
GRAPHQL_MAX_DEPTH = env.int("GRAPHQL_MAX_DEPTH", default=10)
# Aliases per document: alias batching (many copies of one field in a request) would
# otherwise multiply the work of a single request past any per-request limit.
GRAPHQL_MAX_ALIASES = env.int("GRAPHQL_MAX_ALIASES", default=30)
# Cost: the objects a document's paginated lists may return, page sizes multiplied through
# nesting (apps/api/graphql_cost.py). 20,000 admits one page of 100 posts with 100 comments each.
GRAPHQL_MAX_COST = env.int("GRAPHQL_MAX_COST", default=20_000)
# Checked before validation, whose cost grows with the square of repeated fields.
GRAPHQL_MAX_TOKENS = env.int("GRAPHQL_MAX_TOKENS", default=1_000)
GRAPHQL_MAX_FIELDS = env.int("GRAPHQL_MAX_FIELDS", default=200)
# On for development; config/settings/prod.py turns them off unless the environment says so.
GRAPHQL_INTROSPECTION = env.bool("GRAPHQL_INTROSPECTION", default=True)
GRAPHQL_SUGGESTIONS = env.bool("GRAPHQL_SUGGESTIONS", default=True)
GRAPHQL_GRAPHIQL = env.bool("GRAPHQL_GRAPHIQL", default=True)

# --- static, media, e-mail --------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"


def mailers_from_url(url: str) -> dict:
    """MAILERS for an EMAIL_URL: smtp://, smtp+tls://, smtps://, or filemail:// (var/mail)."""
    config = environ.Env.email_url_config(url)
    backend = config["EMAIL_BACKEND"]
    options: dict = {}
    if backend.endswith("smtp.EmailBackend"):
        options = {
            "host": config.get("EMAIL_HOST", "localhost"),
            "port": config.get("EMAIL_PORT", 25),
            "username": config.get("EMAIL_HOST_USER", ""),
            "password": config.get("EMAIL_HOST_PASSWORD", ""),
            "use_tls": config.get("EMAIL_USE_TLS", False),
            "use_ssl": config.get("EMAIL_USE_SSL", False),
            "timeout": 10,
        }
    elif backend.endswith("filebased.EmailBackend"):
        options = {"file_path": str(VAR_DIR / "mail")}
    return {"default": {"BACKEND": backend, "OPTIONS": options}}


# By default mail is written as files to var/mail, where `make run` users can read it.
MAILERS = mailers_from_url(env.str("EMAIL_URL", default="filemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Keel <noreply@localhost>")

# --- i18n, time -------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- logging ----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- caching switches and metrics -----------------------------------------------------------
# Off switches for the query cache and the edge cache (benchmarks measure the cold path
# with both off); the two-level cache itself stays.
CACHE_QUERIES = env.bool("CACHE_QUERIES", default=True)
EDGE_CACHE = env.bool("EDGE_CACHE", default=True)
# Bearer token Prometheus sends to /metrics; without one only staff sessions may read it.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

# --- periodic jobs ---------------------------------------------------------------------------
# Each app declares its own in its AppConfig's `periodic_jobs` (apps/kernel/declarations.py);
# django-celery-beat copies them into its tables when beat starts.
# Seconds between refreshes of the hottest cache entries (apps/caching/warming.py).
CACHE_WARM_INTERVAL = env.float("CACHE_WARM_INTERVAL", default=60.0)
