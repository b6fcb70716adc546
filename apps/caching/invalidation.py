"""Write-driven invalidation: any write to a watched table bumps its model's tag on commit.

Every write path reaches the database as an INSERT, UPDATE or DELETE statement (save,
delete, bulk_create, bulk_update, QuerySet.update/delete, many-to-many changes, raw SQL),
so Keel watches statements rather than model signals, which miss the bulk paths. A database
execute wrapper, installed on every connection, reads the table a statement writes; when a
cached query or the edge cache depends on that table's model, the model's tag is
invalidated after the transaction commits, never before (a reader between the write and
the commit must not cache data that may still roll back). Writes that roll back invalidate
nothing.

Which models are watched is declared by the apps: each lists, in its AppConfig's
`cached_models` (apps/kernel/declarations.py), the models whose writes must invalidate what
it caches, its own or others' (the content app shows authors' names, so it lists the user
model). Every process must watch the same tables, whether or not it ever reads through the
cache (a Celery worker writes what the web process caches), so `watch_declared_models()`
runs at start-up in every process. Writes to models nobody declares (sessions, the outbox,
a busy table of a new app) never cost a Redis round trip. Storing a cache entry under the
tag of a model nobody declared is refused (`TaggedCache.set`): it would never be
invalidated.
"""

import re
from collections.abc import Iterable
from typing import Protocol, cast

from django.apps import apps
from django.core.cache import cache
from django.db import models
from django.db.backends.signals import connection_created
from django.db.models import ManyToManyRel
from django.dispatch import receiver

from apps.kernel.declarations import declarations

# INSERT INTO "t", UPDATE "t", DELETE FROM "t" (quoted or not, optionally schema-qualified),
# with the conflict clauses Django writes on SQLite (`INSERT OR IGNORE INTO` for
# bulk_create(ignore_conflicts=True), which many-to-many adds use; `INSERT OR REPLACE`) and
# MySQL (`INSERT IGNORE INTO`), and `REPLACE INTO`.
_WRITE = re.compile(
    r"^\s*(?:INSERT\s+(?:OR\s+\w+\s+|IGNORE\s+)?INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?"
    r'|DELETE\s+FROM)\s+(?:"?\w+"?\.)?"?(\w+)"?',
    re.IGNORECASE,
)

# table name -> the model tags a write to it invalidates, for watched models only.
_watched_tables: dict[str, frozenset[str]] = {}
_watched_models: set[type[models.Model]] = set()
_watched_tags: set[str] = set()
MODEL_TAG_PREFIX = "model:"


class _TagInvalidator(Protocol):
    def invalidate_tags(self, *names: str) -> None: ...


# The default cache is Keel's TwoLevelCache (settings.CACHES). Typed here by the one method
# used, since importing the backend (or apps/caching/default.py) would be an import cycle:
# the backend imports this module, through apps/caching/tags.py.
_default_cache = cast(_TagInvalidator, cache)


def model_tag(model: type[models.Model]) -> str:
    """The cache tag every write to `model`'s table invalidates: `model:<app_label>.<name>`."""
    return f"{MODEL_TAG_PREFIX}{model._meta.label_lower}"


def watch_declared_models() -> None:
    """Watch every model an installed app declares in `cached_models` (from AppConfig.ready)."""
    for _app_config, labels in declarations("cached_models"):
        watch_models(labels)


def is_watched_tag(tag: str) -> bool:
    """Whether a `model:` tag belongs to a watched model (other tags are the caller's own)."""
    return not tag.startswith(MODEL_TAG_PREFIX) or tag in _watched_tags


def watch_models(models_to_watch: Iterable[type[models.Model] | str]) -> list[str]:
    """Start invalidating these models' tags on writes; returns the tags.

    A many-to-many table belongs to both sides: adding a tag to a post invalidates the
    tags of Post and of Tag.
    """
    tags = []
    for entry in models_to_watch:
        model = apps.get_model(entry) if isinstance(entry, str) else entry
        tags.append(model_tag(model))
        if model in _watched_models:
            continue
        _watched_models.add(model)
        _watched_tags.add(model_tag(model))
        _add_table(model._meta.db_table, model_tag(model))
        for field in model._meta.many_to_many:
            through = field.remote_field.through
            if through is not None:  # always a model once the app registry is ready
                _add_table(through._meta.db_table, model_tag(model))
        for relation in model._meta.related_objects:
            if isinstance(relation, ManyToManyRel) and relation.through is not None:
                _add_table(relation.through._meta.db_table, model_tag(model))
    return tags


def _add_table(table: str, tag: str) -> None:
    _watched_tables[table] = _watched_tables.get(table, frozenset()) | {tag}


def tags_written_by(sql: str) -> frozenset[str]:
    """The watched tags a statement's write touches (empty for reads and unwatched tables)."""
    match = _WRITE.match(sql)
    if match is None:
        return frozenset()
    return _watched_tables.get(match.group(1), frozenset())


def invalidate_tags(*names: str) -> None:
    """Invalidate every entry of the default cache stored under any of these tags."""
    _default_cache.invalidate_tags(*names)


def _invalidate(tags: Iterable[str]) -> None:
    invalidate_tags(*sorted(tags))


class _PendingInvalidation:
    """The tags one transaction wrote, invalidated together once it commits."""

    def __init__(self) -> None:
        self.tags: set[str] = set()

    def __call__(self) -> None:
        _invalidate(self.tags)


def has_uncommitted_writes(connection) -> bool:
    """Whether this connection's open transaction has written a watched table.

    A cached query must not store what such a transaction reads: it may still roll back.
    """
    pending = getattr(connection, "_keel_pending_invalidation", None)
    return (
        connection.in_atomic_block
        and pending is not None
        and any(func is pending for _, func, _ in connection.run_on_commit)
    )


def _invalidate_on_commit(connection, tags: frozenset[str]) -> None:
    if not connection.in_atomic_block:
        _invalidate(tags)  # autocommit: the write is already committed
        return
    pending = getattr(connection, "_keel_pending_invalidation", None)
    # One callback per transaction: reuse it while it is still queued (a rollback drops
    # it from run_on_commit, and then a fresh one is needed).
    if pending is None or not any(func is pending for _, func, _ in connection.run_on_commit):
        pending = _PendingInvalidation()
        connection._keel_pending_invalidation = pending
        connection.on_commit(pending, robust=True)
    pending.tags |= tags


def _make_wrapper(connection):
    def watch_writes(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        tags = tags_written_by(sql)
        if tags:
            _invalidate_on_commit(connection, tags)
        return result

    watch_writes.keel_write_watcher = True
    return watch_writes


@receiver(connection_created, dispatch_uid="keel-cache-write-watcher")
def install_write_watcher(sender, connection, **kwargs) -> None:
    if not any(getattr(w, "keel_write_watcher", False) for w in connection.execute_wrappers):
        connection.execute_wrappers.append(_make_wrapper(connection))
