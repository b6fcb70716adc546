"""Posts and comments, made through the content services."""

import itertools

from apps.content.models import Comment, Post
from apps.content.services import add_comment, create_post
from tests.accounts.factories import make_user

_sequence = itertools.count(1)


def make_post(
    *,
    author=None,
    title: str | None = None,
    body: str = "Body text.",
    tags=(),
    published: bool = False,
) -> Post:
    n = next(_sequence)
    return create_post(
        actor=author or make_user(),
        title=title or f"Post number {n}",
        body=body,
        tags=tags,
        publish_now=published,
    )


def make_comment(*, post: Post | None = None, author=None, body: str = "A comment.") -> Comment:
    return add_comment(
        post=post or make_post(published=True), actor=author or make_user(), body=body
    )
