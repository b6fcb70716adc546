"""Posts as the REST API shows them, built as plain dicts from the selectors' post rows.

`PostSerializer` describes this shape for the OpenAPI schema. The read endpoints build it
here instead: a DRF serializer builds its fields on every call and runs each value through
a field object, about a fifth of a post request's time in Python; the presenter reads the
row's values directly. tests/content/test_api_read_path.py holds both to the same output.
"""

import re
from collections.abc import Sequence
from typing import Any

from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers
from rest_framework.request import Request

from apps.accounts.models import User
from apps.content.selectors import PostRow

# What Django's `slug` path converter accepts: such a slug goes into the URL unchanged.
_PLAIN_SLUG = re.compile(r"[-a-zA-Z0-9_]+")
_SLUG_MARK = "slug-mark"


class PostPresenter:
    """Turns post rows (`selectors.PostRow`) into the API's representation, for one request."""

    def __init__(self, request: Request | None) -> None:
        self._request = request
        # DRF's own field, so timestamps read exactly as on every other endpoint
        # (DATETIME_FORMAT, "Z" for UTC); given the time zone once rather than per value.
        self._timestamp = serializers.DateTimeField(
            read_only=True, default_timezone=timezone.get_current_timezone()
        ).to_representation
        # One reverse() and one absolute URI per response rather than per post: the page
        # URL of a post is this prefix and suffix around its slug.
        page_url = self._absolute(reverse("content:post", kwargs={"slug": _SLUG_MARK}))
        self._url_head, _, self._url_tail = page_url.rpartition(_SLUG_MARK)

    def post(self, row: PostRow) -> dict[str, Any]:
        timestamp = self._timestamp
        return {
            "id": row.id,
            "title": row.title,
            "slug": row.slug,
            "body": row.body,
            "status": row.status,
            # DRF's DateTimeField gives None for None; its stubs take datetimes only.
            "published_at": timestamp(row.published_at),  # type: ignore[arg-type]
            "created_at": timestamp(row.created_at),
            "updated_at": timestamp(row.updated_at),
            "author": {
                "id": row.author_id,
                "name": User.name_from(row.author_display_name, row.author_email),
            },
            "tags": row.tag_names,
            "comment_count": row.comment_count,
            "url": self._page_url(row.slug),
        }

    def posts(self, rows: Sequence[PostRow]) -> list[dict[str, Any]]:
        return [self.post(row) for row in rows]

    def _page_url(self, slug: str) -> str:
        if _PLAIN_SLUG.fullmatch(slug):
            return f"{self._url_head}{slug}{self._url_tail}"
        return self._absolute(reverse("content:post", kwargs={"slug": slug}))

    def _absolute(self, path: str) -> str:
        return self._request.build_absolute_uri(path) if self._request is not None else path
