"""Read queries over content, shared by every surface. Visibility rules live here."""

from django.db.models import Count, Prefetch, Q, QuerySet, prefetch_related_objects
from django.db.models.functions import Coalesce

from apps.content.errors import NotPostAuthor, PostNotFound
from apps.content.models import Comment, Post, Tag
from apps.content.rules import normalize_tag_name


def _visible_filter(user) -> Q:
    """Published posts for everyone; drafts only for their author."""
    published = Q(status=Post.Status.PUBLISHED)
    if user is not None and user.is_authenticated:
        return published | Q(author_id=user.pk)
    return published


def _with_relations(queryset: QuerySet[Post]) -> QuerySet[Post]:
    return queryset.select_related("author").prefetch_related(
        Prefetch("tags", queryset=Tag.objects.only("id", "name"))
    )


def published_posts(*, tag: str | None = None) -> QuerySet[Post]:
    """The public feed: published posts, newest first, with author and tags loaded."""
    queryset = Post.objects.filter(status=Post.Status.PUBLISHED)
    tag = normalize_tag_name(tag or "")
    if tag:
        queryset = queryset.filter(tags__name=tag)
    return _with_relations(queryset).order_by("-published_at", "-id")


def feed_posts(*, tag: str | None = None) -> QuerySet[Post]:
    """The public feed as pages show it: published posts, newest first, with comment counts."""
    return published_posts(tag=tag).annotate(comment_count=Count("comments"))


def posts_visible_to(user, *, tag: str | None = None, mine: bool = False) -> QuerySet[Post]:
    """Posts `user` may read: published ones plus their own drafts; `mine` keeps their own."""
    queryset = Post.objects.filter(_visible_filter(user))
    if mine:
        if user is None or not user.is_authenticated:
            queryset = queryset.none()
        else:
            queryset = queryset.filter(author_id=user.pk)
    tag = normalize_tag_name(tag or "")
    if tag:
        queryset = queryset.filter(tags__name=tag)
    return (
        _with_relations(queryset)
        .annotate(
            comment_count=Count("comments"),
            # When the post appeared: published, else created. Never null, so cursor
            # pagination can page on it (drafts have no published_at).
            listed_at=Coalesce("published_at", "created_at"),
        )
        # Newest first by when each post appeared, on every surface.
        .order_by("-listed_at", "-id")
    )


def drafts_of(user) -> QuerySet[Post]:
    if user is None or not user.is_authenticated:
        return Post.objects.none()
    return _with_relations(
        Post.objects.filter(author_id=user.pk, status=Post.Status.DRAFT)
    ).order_by("-updated_at")


def post_for_viewer(user, *, pk: int | None = None, slug: str | None = None) -> Post:
    """The post with this id or slug if `user` may see it; raises PostNotFound otherwise.

    A draft of someone else is reported as missing, not forbidden, so drafts do not leak.
    """
    lookup = {"pk": pk} if pk is not None else {"slug": slug}
    post = (
        _with_relations(Post.objects.filter(_visible_filter(user)))
        .filter(**lookup)
        .annotate(comment_count=Count("comments"))
        .first()
    )
    if post is None:
        raise PostNotFound()
    return post


def post_for_editing(user, *, slug: str) -> Post:
    """The post `user` may change; PostNotFound if hidden from them, NotPostAuthor if not theirs."""
    post = post_for_viewer(user, slug=slug)
    if post.author_id != getattr(user, "pk", None):
        raise NotPostAuthor()
    return post


def can_view_post(user, post_id: int) -> bool:
    return Post.objects.filter(_visible_filter(user), pk=post_id).exists()


def comments_for_post(post: Post) -> QuerySet[Comment]:
    return post.comments.select_related("author").order_by("created_at", "id")


def prefetch_first_comments(posts: list[Post], *, first: int, to_attr: str) -> None:
    """Attach to each post its `first` oldest comments, authors loaded, as `to_attr`.

    One query for all the posts (a windowed slice), so a page of posts costs the same
    whatever its size.
    """
    comments = Comment.objects.select_related("author").order_by("created_at", "id")
    prefetch_related_objects(
        posts, Prefetch("comments", queryset=comments[:first], to_attr=to_attr)
    )
