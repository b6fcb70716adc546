"""Cursor pagination for REST lists: stable pages while new rows arrive, no COUNT query.

A page is {"next", "previous", "results"}; `next` and `previous` are full URLs (null at
either end). `?page_size=` picks the page size, up to the maximum.
"""

from rest_framework.pagination import CursorPagination


class PostCursorPagination(CursorPagination):
    """Posts, newest first: by publication time, or creation time for drafts.

    `listed_at` is annotated by the content selectors; DRF's cursor needs a non-null
    leading field, which `published_at` is not.
    """

    ordering = ("-listed_at", "-id")
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class CommentCursorPagination(CursorPagination):
    """Comments on a post, oldest first, as a conversation reads."""

    ordering = ("created_at", "id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100
