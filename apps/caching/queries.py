"""The query cache: `@cached_query` keeps a selector's result until the data under it changes.

    @cached_query(ttl=300, tags=[Post, Comment])
    def feed_page(*, tag: str | None, cursor: str | None) -> list[dict]: ...

The result is cached per arguments under the tags of the models it reads (plus any plain
string tags given). Every write to those models' tables, through any ORM path or raw SQL,
invalidates the tags once its transaction commits (apps/caching/invalidation.py), so a
cached selector never serves data older than the last committed write. The result must be
picklable and should be plain data (lists, dicts, tuples): cache what the surface renders,
not lazy querysets.
"""

import functools
import hashlib
import time
from collections.abc import Callable, Iterable
from typing import Any, ParamSpec, Protocol, TypeVar, cast

from django.conf import settings
from django.db import connection, models

from apps.caching import warming
from apps.caching.default import cache
from apps.caching.invalidation import has_uncommitted_writes, model_tag

TagSpec = type[models.Model] | str
P = ParamSpec("P")
R = TypeVar("R")


class CachedSelector(Protocol[P, R]):
    """A selector decorated with `@cached_query`: called as the selector itself."""

    uncached: Callable[P, R]
    cache_tags: tuple[str, ...]
    cache_version: int

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R: ...


def _argument_key(value: Any) -> str:
    """A stable text for one argument: models by identity, users by id, anonymous as such."""
    if isinstance(value, models.Model):
        return f"{value._meta.label_lower}:{value.pk}"
    if getattr(value, "is_anonymous", False) and getattr(value, "pk", None) is None:
        return "anonymous"
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        return "[" + ",".join(_argument_key(item) for item in items) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{k}={_argument_key(value[k])}" for k in sorted(value)) + "}"
    return repr(value)


def query_key(function: Callable, args: tuple, kwargs: dict, version: int = 1) -> str:
    parts = [_argument_key(arg) for arg in args]
    parts += [f"{name}={_argument_key(kwargs[name])}" for name in sorted(kwargs)]
    if version != 1:
        parts.append(f"version={version}")
    digest = hashlib.blake2b("|".join(parts).encode(), digest_size=12).hexdigest()
    return f"query:{function.__module__}.{function.__qualname__}:{digest}"


def cached_query(
    *,
    ttl: int = 300,
    tags: Iterable[TagSpec] = (),
    stale_ttl: int | None = None,
    version: int = 1,
    keep: Callable[[Any], bool] | None = None,
) -> Callable[[Callable[P, R]], CachedSelector[P, R]]:
    """Cache the decorated selector's result for `ttl` seconds, per arguments.

    Bump `version` when the shape of the result changes (a field added to a dataclass it
    returns, say): during a rolling deploy, processes of the previous release then never
    read entries of the new one, nor the new ones entries of the old.

    `tags`: models (their writes invalidate the entry) and plain string tags (invalidated
    with `invalidate_tags`). With `stale_ttl`, a result older than `ttl` is still served for
    up to `stale_ttl` more seconds while one caller recomputes it (stale-while-revalidate).
    With `keep`, a result is stored only when `keep(result)` is true: a selector whose
    arguments come from callers (a tag filter, say) keeps its empty results out of the
    cache, so trying one value after another makes no entries.
    The undecorated function stays reachable as `.uncached`.
    """
    tag_names = tuple(spec if isinstance(spec, str) else model_tag(spec) for spec in tags)
    options: dict[str, Any] = {} if stale_ttl is None else {"stale_ttl": stale_ttl}
    if keep is not None:
        options["keep"] = keep

    def decorate(function: Callable[P, R]) -> CachedSelector[P, R]:
        path = f"{function.__module__}:{function.__qualname__}"

        @functools.wraps(function)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            key = query_key(function, args, kwargs, version)

            def recipe() -> warming.Recipe:
                return warming.Recipe(path, args, kwargs, ttl, tag_names, time.time(), version)

            def compute() -> R:
                value = function(*args, **kwargs)
                if keep is None or keep(value):
                    warming.note_computed(key, recipe())
                return value

            if not settings.CACHE_QUERIES or has_uncommitted_writes(connection):
                # Switched off, or this transaction changed watched data it has not
                # committed: read directly, and cache nothing that might yet roll back.
                return function(*args, **kwargs)
            if keep is None:
                warming.sample_call(key, recipe)
                return cache.tags(*tag_names).remember(key, ttl, compute, **options)
            value = cache.tags(*tag_names).remember(key, ttl, compute, **options)
            if keep(value):  # what is not kept leaves no trace, not even a warming sample
                warming.sample_call(key, recipe)
            return value

        # Still the plain function (so it binds as one), with its attributes added.
        selector = cast(CachedSelector[P, R], wrapper)
        selector.uncached = function
        selector.cache_tags = tag_names
        selector.cache_version = version
        return selector

    return decorate


def remember_query(
    key_parts: tuple,
    *,
    ttl: int,
    tags: Iterable[TagSpec],
    compute: Callable,
    keep: Callable[[Any], bool] | None = None,
):
    """The query cache for a result that a decorated function cannot express.

    For instance an API page, which needs the request to build its links: the caller names
    everything the result depends on in `key_parts` (viewer, full URL, host, Accept...).
    Same guarantees and `keep` as `@cached_query`; no warming (there is no recipe to replay).
    """
    if not settings.CACHE_QUERIES or has_uncommitted_writes(connection):
        return compute()
    tag_names = tuple(spec if isinstance(spec, str) else model_tag(spec) for spec in tags)
    text = "|".join(_argument_key(part) for part in key_parts)
    key = "query:page:" + hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
    return cache.tags(*tag_names).remember(key, ttl, compute, keep=keep)
