"""The benchmark database: dropped and created afresh, migrated by Keel, then seeded."""

import json
import subprocess
import sys
from urllib.parse import urlparse, urlunparse

import psycopg
from psycopg import sql

from benchmarks.servers import ROOT


def _maintenance_url(url: str) -> str:
    return urlunparse(urlparse(url)._replace(path="/postgres"))


def database_name(url: str) -> str:
    return urlparse(url).path.lstrip("/")


def recreate(url: str) -> None:
    """Drop the database of `url` (closing its connections) and create it empty."""
    name = sql.Identifier(database_name(url))
    with psycopg.connect(_maintenance_url(url), autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(name))


def server_version(url: str) -> str:
    with psycopg.connect(_maintenance_url(url)) as connection:
        return connection.execute("SHOW server_version").fetchone()[0]


def migrate_and_seed(env: dict[str, str]) -> dict:
    """Run Keel's migrations, then benchmarks/seed.py; returns what the seed printed."""
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    seeded = subprocess.run(
        [sys.executable, "-m", "benchmarks.seed"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
        capture_output=True,
        text=True,
    )
    return json.loads(seeded.stdout.strip().splitlines()[-1])
