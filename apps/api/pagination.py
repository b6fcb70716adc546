"""Cursor pagination for REST lists: stable pages while new rows arrive, no COUNT query.

A page is {"next", "previous", "results"}; `next` and `previous` are full URLs (null at
either end). `?page_size=` picks the page size, up to the maximum.
"""

from datetime import datetime

from rest_framework.exceptions import NotFound
from rest_framework.pagination import Cursor, CursorPagination


class PostCursorPagination(CursorPagination):
    """Posts, newest first: by publication time, or creation time for drafts (`listed_at`).

    Keyset pages: a cursor holds the (listed_at, id) of the post it continues from, and
    the selector reads just past it (`selectors.post_page_visible_to`), so a deep page
    costs what the first one does and new posts never shift a page. Cursors and page
    sizes are read and written as DRF's CursorPagination does, which also documents the
    query parameters in the OpenAPI schema.
    """

    ordering = ("-listed_at", "-id")
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_rows(self, request, read_page) -> list:
        """The page the request asks for. `read_page(size=, after=, before=)` reads it and
        returns a `PostPage`; the rows need `listed_at` and `id`."""
        self.request = request
        self.base_url = request.build_absolute_uri()
        self.page_size = self.get_page_size(request)
        cursor = self.decode_cursor(request)
        position = self._position(cursor)
        backwards = cursor is not None and cursor.reverse
        page = read_page(
            size=self.page_size,
            after=None if backwards else position,
            before=position if backwards else None,
        )
        rows = page.rows
        first, last = (rows[0], rows[-1]) if rows else (None, None)
        # Forwards, more rows mean a next page, and a cursor means we came from a previous
        # one; backwards, the other way round.
        has_next = page.more if not backwards else bool(rows)
        has_previous = page.more if backwards else (cursor is not None and bool(rows))
        self._next = self._link(last, reverse=False) if has_next else None
        self._previous = self._link(first, reverse=True) if has_previous else None
        return rows

    def get_next_link(self):
        return self._next

    def get_previous_link(self):
        return self._previous

    def _position(self, cursor: Cursor | None) -> tuple[datetime, int] | None:
        if cursor is None or cursor.position is None:
            return None
        listed_at, _, post_id = cursor.position.rpartition(",")
        try:
            return datetime.fromisoformat(listed_at), int(post_id)
        except ValueError as error:
            raise NotFound(self.invalid_cursor_message) from error

    def _link(self, row, *, reverse: bool) -> str:
        position = f"{row.listed_at.isoformat()},{row.id}"
        return self.encode_cursor(Cursor(offset=0, reverse=reverse, position=position))


class CommentCursorPagination(CursorPagination):
    """Comments on a post, oldest first, as a conversation reads."""

    ordering = ("created_at", "id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100
