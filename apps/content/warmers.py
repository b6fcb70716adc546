"""What `manage.py cache_warm` fills for content after a deploy (apps/caching/warming.py)."""

from apps.caching.warming import register_warmer
from apps.content import selectors

# The feeds of this many of the most used tags are warmed besides the main feed.
WARMED_TAGS = 10


@register_warmer("content.feed")
def warm_feed() -> None:
    """The first page of the feed, and of the feeds of the most used tags."""
    selectors.feed_page(tag=None, number=1)
    for name in selectors.most_used_tag_names(limit=WARMED_TAGS):
        selectors.feed_page(tag=name, number=1)
