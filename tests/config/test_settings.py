"""Production settings: deploy checks pass, and missing secrets stop the process at start."""

import os
import secrets
import subprocess

from tests.live import BIN, ROOT

PROD_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.prod",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
    "DJANGO_ALLOWED_HOSTS": "keel.example.com",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/keel",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "REDIS_CACHE_URL": "redis://127.0.0.1:6379/1",
    "EMAIL_URL": "smtp+tls://keel:secret@smtp.example.com:587",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    # Only what a bare shell has: the test process's own settings must not leak in.
    clean = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    return subprocess.run(
        [str(BIN / "python"), "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_checks_pass_under_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PROD_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_deploy_checks_pass_with_hsts_subdomains_and_preload_turned_on():
    env = {
        **PROD_ENV,
        "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
        "DJANGO_SECURE_HSTS_PRELOAD": "true",
    }
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PROD_ENV.items() if k != "DJANGO_SECRET_KEY"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_its_database_and_redis():
    for missing in ("DATABASE_URL", "REDIS_URL"):
        env = {k: v for k, v in PROD_ENV.items() if k != missing}
        result = _manage("check", env=env)
        assert result.returncode != 0
        assert "Production needs DATABASE_URL and REDIS_URL" in result.stderr


def test_production_refuses_a_cache_sharing_the_brokers_redis_database():
    # The cache evicts under memory pressure; the broker's queues must never be evicted.
    for shared in (
        {"REDIS_CACHE_URL": "redis://127.0.0.1:6379/0"},
        {"REDIS_CACHE_URL": "redis://127.0.0.1:6379"},  # database 0 by default
        {"REDIS_CACHE_URL": None},  # unset: it would fall back to REDIS_URL
        {"CELERY_BROKER_URL": "redis://127.0.0.1:6379/1"},  # the broker on the cache's
    ):
        env = {k: v for k, v in (PROD_ENV | shared).items() if v is not None}
        result = _manage("check", env=env)
        assert result.returncode != 0, shared
        assert "REDIS_CACHE_URL to name a Redis database" in result.stderr

    assert _manage("check", env=PROD_ENV).returncode == 0
