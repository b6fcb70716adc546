"""Write operations on posts and comments: the only code that changes content."""

import re
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from apps.content import rules
from apps.content.errors import CommentsClosed, PostAlreadyPublished
from apps.content.models import Comment, Post, Tag
from apps.events.services import publish

# Slugs that name pages under /posts/ rather than a post (/posts/new/ is the writing page).
RESERVED_SLUGS = frozenset({"new"})
# A draft's slug is private: a random token, never derived from its title, so that neither
# the address nor a "-2" on someone else's slug reveals that a draft with a title exists.
# slugify() strips leading underscores, so no public slug can take this form.
DRAFT_SLUG_PREFIX = "_draft-"
PUBLISH_SLUG_ATTEMPTS = 5


def _draft_slug() -> str:
    return f"{DRAFT_SLUG_PREFIX}{secrets.token_hex(8)}"


def _public_slug(title: str) -> str:
    """A free slug for a title among published posts: `title`, else `title-2`, `title-3`..."""
    base = slugify(title)[:200] or "post"
    taken = set(
        Post.objects.filter(slug__regex=rf"^{re.escape(base)}(-[0-9]+)?$").values_list(
            "slug", flat=True
        )
    )
    taken |= RESERVED_SLUGS
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _set_tags(post: Post, names: list[str]) -> None:
    existing = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    missing = [Tag(name=name) for name in names if name not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    post.tags.set([existing[name] for name in names])


@transaction.atomic
def create_post(*, author, title: str, body: str = "", tags=(), publish_now: bool = False) -> Post:
    """Create a draft by `author` (published at once with `publish_now`)."""
    title = rules.clean_title(title)
    body = rules.clean_body(body)
    tag_names = rules.clean_tag_names(tags)
    post = Post.objects.create(author=author, title=title, slug=_draft_slug(), body=body)
    _set_tags(post, tag_names)
    if publish_now:
        publish_post(post=post, actor=author)
    return post


@transaction.atomic
def update_post(*, post: Post, actor, title=None, body=None, tags=None) -> Post:
    """Change a post's title, body or tags; only its author may. None leaves a field as is.

    Every field is checked before anything changes, and only the fields given are written,
    so two clients editing different fields at once do not undo each other. The slug stays:
    a published post's address does not move when its title changes.
    """
    rules.ensure_author(post, actor)
    changes = {}
    if title is not None:
        changes["title"] = rules.clean_title(title)
    if body is not None:
        changes["body"] = rules.clean_body(body)
    tag_names = rules.clean_tag_names(tags) if tags is not None else None
    current = Post.objects.select_for_update().get(pk=post.pk)
    for field, value in changes.items():
        setattr(current, field, value)
        setattr(post, field, value)  # callers holding the post see the change
    if changes:
        current.save(update_fields=[*changes, "updated_at"])
    if tag_names is not None:
        _set_tags(current, tag_names)
    return current


@transaction.atomic
def publish_post(*, post: Post, actor) -> Post:
    """Publish a draft, giving it its public slug; only its author may, and only once."""
    rules.ensure_author(post, actor)
    # Lock the row so two concurrent publishes cannot both see a draft.
    current = Post.objects.select_for_update().get(pk=post.pk)
    if current.is_published:
        raise PostAlreadyPublished()
    current.status = Post.Status.PUBLISHED
    current.published_at = timezone.now()
    for attempt in range(PUBLISH_SLUG_ATTEMPTS):
        current.slug = _public_slug(current.title)
        try:
            # A post with the same title published at the same moment may take the slug
            # between our check and our write; the savepoint lets us pick the next one.
            with transaction.atomic():
                current.save(update_fields=["status", "published_at", "slug", "updated_at"])
            break
        except IntegrityError:
            if attempt == PUBLISH_SLUG_ATTEMPTS - 1:
                raise
    publish(
        "post.published",
        {
            "post_id": current.pk,
            "slug": current.slug,
            "title": current.title,
            "author_id": current.author_id,
            "published_at": current.published_at.isoformat(),
        },
        actor=actor,
    )
    # Callers holding the draft see it published.
    post.status, post.published_at, post.slug = current.status, current.published_at, current.slug
    return current


@transaction.atomic
def delete_post(*, post: Post, actor) -> None:
    rules.ensure_author(post, actor)
    post.delete()


@transaction.atomic
def add_comment(*, post: Post, author, body: str) -> Comment:
    """Comment on a published post."""
    body = rules.clean_comment_body(body)
    if not post.is_published:
        raise CommentsClosed()
    comment = Comment.objects.create(post=post, author=author, body=body)
    publish(
        "comment.created",
        {
            "comment_id": comment.pk,
            "post_id": post.pk,
            "author_id": author.pk,
            "author_name": author.name,
            "body": comment.body,
            "created_at": comment.created_at.isoformat(),
        },
        actor=author,
    )
    return comment
