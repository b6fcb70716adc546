"""Write operations on posts, comments and tags: the only code that changes content.

Each takes the acting user as `actor` and asks the permission the act needs
(`require_perm`, answered by rules.py); the input rules are input_rules.py's.
"""

import re
import secrets
from collections.abc import Iterable

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from apps.accounts.models import User
from apps.content import input_rules
from apps.content.errors import CommentsClosed, InvalidContent, PostAlreadyPublished
from apps.content.models import Comment, Post, Tag
from apps.events.services import publish
from apps.kernel.errors import NotSignedIn
from apps.kernel.permissions import require_perm

# Slugs that name pages under /posts/ rather than a post (/posts/new/ is the writing page).
RESERVED_SLUGS = frozenset({"new"})
# A draft's slug is private: a random token, never derived from its title, so that neither
# the address nor a "-2" on someone else's slug reveals that a draft with a title exists.
# slugify() strips leading underscores, so no public slug can take this form.
DRAFT_SLUG_PREFIX = "_draft-"
PUBLISH_SLUG_ATTEMPTS = 5

# Who acts: a user, or an anonymous visitor, whom the checks below tell to sign in.
Actor = AbstractBaseUser | AnonymousUser


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


def _signed_in(actor: Actor) -> User:
    """The actor as the user who writes under their name; anyone else is told to sign in."""
    if not isinstance(actor, User):
        raise NotSignedIn()
    return actor


def _set_tags(post: Post, names: list[str]) -> None:
    existing = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    missing = [Tag(name=name) for name in names if name not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    post.tags.set([existing[name] for name in names])


@transaction.atomic
def create_post(
    *,
    actor: Actor,
    title: str,
    body: str = "",
    tags: Iterable[str] = (),
    publish_now: bool = False,
) -> Post:
    """Create a draft by `actor`, who must be signed in (published at once with `publish_now`)."""
    author = _signed_in(actor)
    title = input_rules.clean_title(title)
    body = input_rules.clean_body(body)
    tag_names = input_rules.clean_tag_names(tags)
    post = Post.objects.create(author=author, title=title, slug=_draft_slug(), body=body)
    _set_tags(post, tag_names)
    if publish_now:
        publish_post(post=post, actor=actor)
    return post


@transaction.atomic
def update_post(
    *,
    post: Post,
    actor: Actor,
    title: str | None = None,
    body: str | None = None,
    tags: Iterable[str] | None = None,
) -> Post:
    """Change a post's title, body or tags (`content.change_post`). None leaves a field as is.

    Every field is checked before anything changes, and only the fields given are written,
    so two clients editing different fields at once do not undo each other. The slug stays:
    a published post's address does not move when its title changes.
    """
    require_perm(actor, "content.change_post", post)
    changes: dict[str, str] = {}
    if title is not None:
        changes["title"] = input_rules.clean_title(title)
    if body is not None:
        changes["body"] = input_rules.clean_body(body)
    tag_names = input_rules.clean_tag_names(tags) if tags is not None else None
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
def publish_post(*, post: Post, actor: Actor) -> Post:
    """Publish a draft, giving it its public slug (`content.publish_post`); only once."""
    require_perm(actor, "content.publish_post", post)
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
def delete_post(*, post: Post, actor: Actor) -> None:
    """Delete a post and its comments (`content.delete_post`); announced as `post.deleted`."""
    require_perm(actor, "content.delete_post", post)
    payload = {
        "post_id": post.pk,
        "author_id": post.author_id,
        "was_published": post.is_published,
    }
    post.delete()
    publish("post.deleted", payload, actor=actor)


@transaction.atomic
def add_comment(*, post: Post, actor: Actor, body: str) -> Comment:
    """Comment on a published post (`content.add_comment`: signed in, post published)."""
    body = input_rules.clean_comment_body(body)
    if not post.is_published:
        # Whoever asks, superusers included: a draft has no thread to add to.
        raise CommentsClosed()
    require_perm(actor, "content.add_comment", post)
    author = _signed_in(actor)  # require_perm let a signed-in user through
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
        actor=actor,
    )
    return comment


@transaction.atomic
def update_comment(*, comment: Comment, actor: Actor, body: str) -> Comment:
    """Correct a comment's text (`content.change_comment`: staff, through the admin)."""
    require_perm(actor, "content.change_comment", comment)
    comment.body = input_rules.clean_comment_body(body)
    comment.save(update_fields=["body"])
    return comment


@transaction.atomic
def hide_comment(*, comment: Comment, actor: Actor) -> Comment:
    """Hide a comment from every reader (`content.hide_comment`); announced as `comment.hidden`.

    The comment stays stored, with who hid it and when. Hiding a hidden comment changes
    nothing and announces nothing.
    """
    require_perm(actor, "content.hide_comment", comment)
    moderator = _signed_in(actor)  # require_perm let a signed-in user through
    # Locked, so two moderators hiding it at once announce it once.
    current = Comment.objects.select_for_update().get(pk=comment.pk)
    if current.is_hidden:
        return current
    current.hidden_at = timezone.now()
    current.hidden_by = moderator
    current.save(update_fields=["hidden_at", "hidden_by"])
    comment.hidden_at, comment.hidden_by = current.hidden_at, moderator
    publish(
        "comment.hidden",
        {
            "comment_id": current.pk,
            "post_id": current.post_id,
            "hidden_at": current.hidden_at.isoformat(),
        },
        actor=actor,
    )
    return current


@transaction.atomic
def delete_comment(*, comment: Comment, actor: Actor) -> None:
    """Delete a comment (`content.delete_comment`); announced as `comment.deleted`."""
    require_perm(actor, "content.delete_comment", comment)
    payload = {"comment_id": comment.pk, "post_id": comment.post_id}
    comment.delete()
    publish("comment.deleted", payload, actor=actor)


@transaction.atomic
def save_tag(*, actor: Actor, name: str, tag: Tag | None = None) -> Tag:
    """Create a tag, or rename `tag`, under the tag name rules (model permissions only)."""
    require_perm(actor, "content.change_tag" if tag is not None else "content.add_tag")
    cleaned = input_rules.clean_tag_names([name])
    if not cleaned:
        raise InvalidContent("name", "A tag name is required.")
    if tag is None:
        return Tag.objects.create(name=cleaned[0])
    tag.name = cleaned[0]
    tag.save(update_fields=["name"])
    return tag


@transaction.atomic
def delete_tag(*, tag: Tag, actor: Actor) -> None:
    """Delete a tag, taking it off every post that carries it (model permission only)."""
    require_perm(actor, "content.delete_tag")
    tag.delete()
