"""Realtime infrastructure: the channel layer Keel uses when no Redis is configured."""
