"""The default cache, typed as what settings.CACHES makes it: Keel's TwoLevelCache.

`django.core.cache.cache` is typed as Django's BaseCache, which has no `tags()`,
`remember()` or `invalidate_tags()`. `cache` here is the same object (the per-thread proxy),
typed as Keel's backend so that those calls are checked. Modules that the backend itself
imports cannot use it (an import cycle); apps/caching/invalidation.py types the one method
it needs instead.
"""

from typing import TYPE_CHECKING, cast

from django.core.cache import cache as django_cache

if TYPE_CHECKING:
    from apps.caching.backends import TwoLevelCache

cache = cast("TwoLevelCache", django_cache)
