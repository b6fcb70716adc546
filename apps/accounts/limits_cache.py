"""The cache backend of the sign-in and sign-up limits (`CACHES["limits"]`).

Django's Redis cache, but `clear()` deletes only this cache's keys: the limits share the
database of the broker and channel layer, which Django's FLUSHDB would empty.
"""

import re
from itertools import batched

from django.core.cache.backends.redis import RedisCache


class LimitsCache(RedisCache):
    # django-stubs give RedisCache BaseCache's `clear() -> None`; Django's returns a bool, as here.
    def clear(self) -> bool:  # type: ignore[override]
        client = self._cache.get_client(write=True)
        pattern = re.sub(r"([*?\[\]\\])", r"\\\1", self.key_prefix) + ":*"
        deleted = False
        for keys in batched(client.scan_iter(match=pattern, count=1000), 500):
            deleted = client.unlink(*keys) > 0 or deleted
        return deleted
