"""Content: the sample domain (posts, comments, tags) that exercises every surface of Keel."""
