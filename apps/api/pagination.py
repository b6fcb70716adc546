"""Cursor pagination for REST lists: stable pages while new rows arrive, no COUNT query.

A page is {"next", "previous", "results"}; `next` and `previous` are full URLs (null at
either end). `?page_size=` picks the page size, up to the maximum. Cursors are signed:
only those this API gave out are read.
"""

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Protocol, TypeVar, cast
from urllib.parse import parse_qs, urlsplit

from django.core import signing
from django.utils.dateparse import parse_datetime
from rest_framework.exceptions import NotFound
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request
from rest_framework.utils.urls import remove_query_param, replace_query_param

from apps.caching.statements import BIGINT_RANGE

cursor_signer = signing.Signer(salt="keel.api.cursor")

# DRF's Cursor.position is the text of a position (a query parameter, or what
# `_get_position_from_instance` writes); djangorestframework-stubs declare it `int | None`,
# hence the `type: ignore`s on its uses below.


class SignedCursors(CursorPagination):
    """CursorPagination whose cursors carry an HMAC of what they hold.

    A cursor is a position the server wrote. Unsigned, any position a client makes up is
    read as a page all the same, and each one is a new page for the caches (REST reads are
    cached per cursor), so a client could fill them with cursors of its own making. A
    forged or altered cursor is now a 404 "Invalid cursor" before anything is read.
    Rotating SECRET_KEY invalidates the cursors given out before it: clients start again
    from the first page.
    """

    def encode_cursor(self, cursor: Cursor) -> str:
        url = super().encode_cursor(cursor)
        plain = parse_qs(urlsplit(url).query)[self.cursor_query_param][0]
        return replace_query_param(url, self.cursor_query_param, cursor_signer.sign(plain))

    def decode_cursor(self, request: Request) -> Cursor | None:
        signed = request.query_params.get(self.cursor_query_param)
        if signed is None:
            return None
        try:
            plain = cursor_signer.unsign(signed)
        except signing.BadSignature as error:
            raise NotFound(self.invalid_cursor_message) from error
        # DRF's decoding reads nothing of the request but this one parameter.
        unsigned = SimpleNamespace(query_params={self.cursor_query_param: plain})
        return super().decode_cursor(cast(Request, unsigned))


class PositionedRow(Protocol):
    """A row of a keyset page: where it sits in the feed order."""

    @property
    def listed_at(self) -> datetime: ...

    @property
    def id(self) -> int: ...


RowT = TypeVar("RowT", bound=PositionedRow)
RowT_co = TypeVar("RowT_co", bound=PositionedRow, covariant=True)


class RowPage(Protocol[RowT_co]):
    """What `read_page` returns: up to a page of rows, and whether more lie beyond."""

    @property
    def rows(self) -> Sequence[RowT_co]: ...

    @property
    def more(self) -> bool: ...


class PostCursorPagination(SignedCursors):
    """Posts, newest first: by publication time, or creation time for drafts (`listed_at`).

    Keyset pages: a cursor holds the (listed_at, id) of the post it continues from, and
    the selector reads just past it (`selectors.post_page_visible_to`), so a deep page
    costs what the first one does and new posts never shift a page. Cursors and page
    sizes are read and written as DRF's CursorPagination does, which also documents the
    query parameters in the OpenAPI schema.
    """

    ordering = ("-listed_at", "-id")
    page_size: int | None = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_rows(
        self, request: Request, read_page: Callable[..., RowPage[RowT]]
    ) -> Sequence[RowT]:
        """The page the request asks for. `read_page(size=, after=, before=)` reads it and
        returns a `RowPage` (a `PostPage`, say): rows with `listed_at` and `id`, and `more`."""
        self.request = request
        self.base_url = request.build_absolute_uri()
        self.page_size = self.get_page_size(request)
        cursor = self.decode_cursor(request)
        position = self._position(cursor) if cursor is not None else None
        backwards = cursor is not None and cursor.reverse
        page = read_page(
            size=self.page_size,
            after=None if backwards else position,
            before=position if backwards else None,
        )
        self._next: str | None = None
        self._previous: str | None = None
        if page.rows:
            first, last = page.rows[0], page.rows[-1]
            # Forwards, more rows mean a next page, and a cursor means we came from a
            # previous one; backwards, the other way round.
            if page.more or backwards:
                self._next = self._link((last.listed_at, last.id), reverse=False)
            if page.more if backwards else position is not None:
                self._previous = self._link((first.listed_at, first.id), reverse=True)
        elif backwards:
            # Nothing is newer than the cursor's post: the first page starts with it.
            self._next = remove_query_param(self.base_url, self.cursor_query_param)
        elif position is not None:
            # Nothing is older: the previous page is the one that ends with the cursor's
            # post, i.e. newer than a position just below it.
            listed_at, post_id = position
            self._previous = self._link((listed_at, post_id - 1), reverse=True)
        return page.rows

    def get_next_link(self) -> str | None:
        return self._next

    def get_previous_link(self) -> str | None:
        return self._previous

    def _position(self, cursor: Cursor) -> tuple[datetime, int]:
        """The (listed_at, id) a cursor holds; 404 for one this API did not make."""
        listed_at, _, post_id = (cursor.position or "").rpartition(",")  # type: ignore[union-attr]
        try:
            moment = datetime.fromisoformat(listed_at)
            if moment.tzinfo is not None:
                moment = moment.astimezone(UTC)
            position = moment, int(post_id)
        except (ValueError, OverflowError) as error:
            raise NotFound(self.invalid_cursor_message) from error
        if position[1] not in BIGINT_RANGE:
            raise NotFound(self.invalid_cursor_message)
        return position

    def _link(self, position: tuple[datetime, int], *, reverse: bool) -> str:
        listed_at, post_id = position
        text = f"{listed_at.isoformat()},{post_id}"
        cursor = Cursor(offset=0, reverse=reverse, position=text)  # type: ignore[arg-type]
        return self.encode_cursor(cursor)


class CommentCursorPagination(SignedCursors):
    """Comments on a post, oldest first, as a conversation reads.

    DRF's own cursors: the position is the `created_at` of a comment, as text, which DRF
    puts in a filter as it is. A position that is not such a time would fail in the database
    (a 500), so it is checked here first and answered like any other invalid cursor.
    """

    ordering = ("created_at", "id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100

    def decode_cursor(self, request: Request) -> Cursor | None:
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            # Kept as sent: DRF compares it with the positions of the page's rows, as text.
            invalid = NotFound(self.invalid_cursor_message)
            _moment(cursor.position, invalid=invalid)  # type: ignore[arg-type]
        return cursor


def _moment(text: str, *, invalid: Exception) -> datetime:
    """The aware datetime `text` holds, as Django's filters read it; raises `invalid` if none.

    Naive times are refused (ours always carry an offset), and so are times that fall
    outside Python's years 1 to 9999 once moved to UTC.
    """
    try:
        moment = parse_datetime(text)
        if moment is None or moment.tzinfo is None:
            raise ValueError(text)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError) as error:
        raise invalid from error
