"""channels-redis with connection pools that wait for a free connection instead of failing."""

from channels_redis.core import RedisChannelLayer as ChannelsRedisChannelLayer
from redis.asyncio import BlockingConnectionPool


class RedisChannelLayer(ChannelsRedisChannelLayer):
    """channels-redis's layer, each of its per-event-loop pools bounded and blocking.

    channels-redis builds its pools with redis-py's `ConnectionPool.from_url`; in redis-py 8
    that pool raises MaxConnectionsError as soon as `max_connections` (100 by default) are
    in use. Under a burst (a thousand sockets closing at once, hundreds of handshakes) calls
    to group_add and group_discard then failed: handshakes were refused and closed sockets
    stayed listed in their groups until group_expiry. A BlockingConnectionPool makes a
    caller wait up to `timeout` seconds for a connection instead. A host entry with an
    "address" takes `max_connections` and `timeout` beside the connection options
    (config/settings/base.py, CHANNEL_LAYERS).
    """

    def create_pool(self, index: int):
        host = dict(self.hosts[index])
        if "address" not in host:  # host/port or sentinel entries: channels-redis's own pools
            return super().create_pool(index)
        return BlockingConnectionPool.from_url(host.pop("address"), **host)
