"""Keel's cache: an in-process L1 in front of Redis, with tags, coherence and stampede guards."""
