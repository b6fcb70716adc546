"""Write operations on posts and comments: the only code that changes content."""

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from apps.content import rules
from apps.content.errors import CommentsClosed, NotPostAuthor, PostAlreadyPublished
from apps.content.models import Comment, Post, Tag
from apps.events.services import publish

# Slugs that name pages under /posts/ rather than a post (/posts/new/ is the writing page).
RESERVED_SLUGS = frozenset({"new"})


def _unique_slug(title: str) -> str:
    base = slugify(title)[:200] or "post"
    slug, n = base, 1
    while slug in RESERVED_SLUGS or Post.objects.filter(slug=slug).exists():
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


def _ensure_author(post: Post, actor) -> None:
    if post.author_id != getattr(actor, "pk", None):
        raise NotPostAuthor()


@transaction.atomic
def create_post(*, author, title: str, body: str = "", tags=(), publish_now: bool = False) -> Post:
    """Create a draft by `author` (published at once with `publish_now`)."""
    title = rules.clean_title(title)
    body = rules.clean_body(body)
    tag_names = rules.clean_tag_names(tags)
    post = Post.objects.create(author=author, title=title, slug=_unique_slug(title), body=body)
    _set_tags(post, tag_names)
    if publish_now:
        publish_post(post=post, actor=author)
    return post


@transaction.atomic
def update_post(*, post: Post, actor, title=None, body=None, tags=None) -> Post:
    """Change a post's title, body or tags; only its author may. None leaves a field as is."""
    _ensure_author(post, actor)
    if title is not None:
        post.title = rules.clean_title(title)
    if body is not None:
        post.body = rules.clean_body(body)
    post.save(update_fields=["title", "body", "updated_at"])
    if tags is not None:
        _set_tags(post, rules.clean_tag_names(tags))
    return post


@transaction.atomic
def publish_post(*, post: Post, actor) -> Post:
    """Publish a draft; only its author may, and only once."""
    _ensure_author(post, actor)
    # Lock the row so two concurrent publishes cannot both see a draft.
    locked = Post.objects.select_for_update().get(pk=post.pk)
    if locked.is_published:
        raise PostAlreadyPublished()
    post.status = Post.Status.PUBLISHED
    post.published_at = timezone.now()
    post.save(update_fields=["status", "published_at", "updated_at"])
    publish(
        "post.published",
        {
            "post_id": post.pk,
            "slug": post.slug,
            "title": post.title,
            "author_id": post.author_id,
            "published_at": post.published_at.isoformat(),
        },
        actor=actor,
    )
    return post


@transaction.atomic
def delete_post(*, post: Post, actor) -> None:
    _ensure_author(post, actor)
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
