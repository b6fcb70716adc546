"""What cached content depends on: a write to any of these models invalidates its copies.

Public pages and API answers show posts with their author's name, tags and comments, so
their edge-cached and query-cached copies carry these models' tags.
"""

from apps.accounts.models import User
from apps.content.models import Comment, Post, Tag

CONTENT_MODELS = (Post, Comment, Tag, User)
# Invalidation is exact (on commit), so the TTL only bounds how long an entry nobody reads
# keeps its memory.
EDGE_TTL = 300
QUERY_TTL = 300
