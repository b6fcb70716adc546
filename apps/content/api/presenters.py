"""Posts as the REST API shows them, built as plain dicts from what the selectors load.

`PostSerializer` describes this shape for the OpenAPI schema. The read endpoints build it
here instead: a DRF serializer builds its fields on every call and runs each value through
a field object, about a fifth of a post request's time in Python; the presenter reads the
attributes directly. tests/content/test_api_read_path.py holds both to the same output.
"""

import re
from typing import Any

from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers
from rest_framework.request import Request

from apps.content.models import Post

# What Django's `slug` path converter accepts: such a slug goes into the URL unchanged.
_PLAIN_SLUG = re.compile(r"[-a-zA-Z0-9_]+")
_SLUG_MARK = "slug-mark"


class PostPresenter:
    """Turns posts loaded by the content selectors (author joined, comments counted) and
    their tag names into the API's representation, for one request."""

    def __init__(self, request: Request | None) -> None:
        self._request = request
        # DRF's own field, so timestamps read exactly as on every other endpoint
        # (DATETIME_FORMAT, "Z" for UTC); given the time zone once rather than per value.
        self._timestamp = serializers.DateTimeField(
            read_only=True, default_timezone=timezone.get_current_timezone()
        )
        # One reverse() and one absolute URI per response rather than per post: the page
        # URL of a post is this prefix and suffix around its slug.
        page_url = self._absolute(reverse("content:post", kwargs={"slug": _SLUG_MARK}))
        self._url_head, _, self._url_tail = page_url.rpartition(_SLUG_MARK)

    def post(self, post: Post, tags: list[str]) -> dict[str, Any]:
        author = post.author
        timestamp = self._timestamp.to_representation
        return {
            "id": post.pk,
            "title": post.title,
            "slug": post.slug,
            "body": post.body,
            "status": post.status,
            "published_at": timestamp(post.published_at),
            "created_at": timestamp(post.created_at),
            "updated_at": timestamp(post.updated_at),
            "author": {"id": author.pk, "name": author.name},
            "tags": tags,
            "comment_count": post.comment_count,
            "url": self._page_url(post.slug),
        }

    def posts(self, posts: list[Post], tags: dict[int, list[str]]) -> list[dict[str, Any]]:
        """`tags` maps post ids to tag names, as `selectors.tag_names_by_post` returns them."""
        return [self.post(post, tags.get(post.pk, [])) for post in posts]

    def _page_url(self, slug: str) -> str:
        if _PLAIN_SLUG.fullmatch(slug):
            return f"{self._url_head}{slug}{self._url_tail}"
        return self._absolute(reverse("content:post", kwargs={"slug": slug}))

    def _absolute(self, path: str) -> str:
        return self._request.build_absolute_uri(path) if self._request is not None else path
