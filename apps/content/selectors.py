"""Read queries over content, shared by every surface. Visibility rules live here."""

import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypedDict

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    Count,
    F,
    Field,
    Func,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce

from apps.accounts.models import User
from apps.caching.queries import cached_query
from apps.caching.statements import (
    BIGINT_RANGE,
    CompiledQuery,
    Sample,
    SampleDateTime,
    SampleInt,
    SampleText,
)
from apps.content.cache_tags import CONTENT_MODELS, QUERY_TTL
from apps.content.errors import CommentNotFound, PostNotFound
from apps.content.input_rules import check_tag_filter, is_tag_name, normalize_tag_name
from apps.content.models import Comment, Post, Tag
from apps.kernel.permissions import require_perm

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler, _AsSqlType
    from django_stubs_ext import WithAnnotations


class Viewer(Protocol):
    """Who reads, as the visibility rules see them: a user, anonymous or not, or a stand-in."""

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def pk(self) -> int | None: ...


class ListedPost(TypedDict):
    """What `posts_visible_to` annotates each post with."""

    comment_count: int
    listed_at: datetime


def _visible_filter(user: Viewer | None) -> Q:
    """Published posts for everyone; drafts only for their author.

    The query form of the `content.view_post` rule (rules.py), for lists and rows.
    """
    published = Q(status=Post.Status.PUBLISHED)
    if user is not None and user.is_authenticated:
        return published | Q(author_id=user.pk)
    return published


def _with_relations(queryset: QuerySet[Post], *, with_tags: bool = True) -> QuerySet[Post]:
    queryset = queryset.select_related("author")
    if not with_tags:
        return queryset
    return queryset.prefetch_related(Prefetch("tags", queryset=Tag.objects.only("id", "name")))


class _CommentCount(Func):
    """A post's comments (hidden ones left out), counted by a subquery in the select list.

    Not a JOIN with GROUP BY (`Count("comments")`): that made PostgreSQL join and group
    every visible post with all its comments before sorting and cutting the page (20 ms
    at 3,000 posts, the sort spilling to disk); a subquery in the select list runs after
    ORDER BY and LIMIT, for the rows of the page only. Written out rather than as
    `Subquery(...values().annotate(Count))`, which cost 0.3 ms of CPU per query to build
    and compile, as much as the rest of the post's query.
    """

    output_field = IntegerField()

    def __init__(self) -> None:
        super().__init__(F("pk"))

    def as_sql(
        self,
        compiler: "SQLCompiler",
        connection: "BaseDatabaseWrapper",
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> "_AsSqlType":
        if template is None:
            quote = connection.ops.quote_name
            comments = quote(Comment._meta.db_table)
            post_column = quote(Comment._meta.get_field("post").column)
            hidden_at = Comment._meta.get_field("hidden_at").column
            assert hidden_at is not None  # a concrete field's; django-stubs allow None for others
            hidden_column = quote(hidden_at)
            # %(expressions)s is the outer post's id, compiled with whatever alias it has.
            template = (
                f"(SELECT COUNT(*) FROM {comments} counted"  # noqa: S608
                f" WHERE counted.{post_column} = %(expressions)s"
                f" AND counted.{hidden_column} IS NULL)"
            )
        return super().as_sql(compiler, connection, function, template, arg_joiner, **extra_context)


@functools.cache
def _comment_count() -> _CommentCount:
    # Built once: annotate() resolves a copy and leaves it as it is.
    return _CommentCount()


@dataclass(frozen=True)
class PostSummary:
    """A post as lists of posts on the pages show it: plain values, cacheable.

    The feed's cache keeps these: when the fields change, bump `version=` of `_feed_page`.
    """

    pk: int
    slug: str
    title: str
    author_name: str
    published_at: datetime | None
    updated_at: datetime
    is_published: bool
    comment_count: int
    tag_names: list[str]


def summarize(posts: Iterable[Post]) -> list[PostSummary]:
    """Posts loaded with their author and tags (as the selectors here load them)."""
    return [
        PostSummary(
            pk=post.pk,
            slug=post.slug,
            title=post.title,
            author_name=post.author.name,
            published_at=post.published_at,
            updated_at=post.updated_at,
            is_published=post.is_published,
            comment_count=getattr(post, "comment_count", 0),
            tag_names=[tag.name for tag in post.tags.all()],
        )
        for post in posts
    ]


@dataclass(frozen=True)
class FeedPage:
    """One page of the public feed, with what its pagination links need."""

    number: int
    num_pages: int
    posts: list[PostSummary]

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def has_other_pages(self) -> bool:
        return self.num_pages > 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


FEED_PAGE_SIZE = 10


def feed_page(*, tag: str | None, number: int) -> FeedPage:
    """Page `number` of the public feed (the last page if past it), optionally of one tag.

    Cached until a post, comment, tag or user changes: signed-in readers, whom the edge
    cache does not serve, read it from here. `warmers.py` fills the first pages on deploy.
    The number is brought into range before the cache is asked, so page numbers past the
    end share the last page's entry instead of each making a copy of it. A tag no tag
    could be named matches nothing, without a query or a cache entry; one holding a
    control character raises InvalidContent.
    """
    if not _possible_tag(tag):
        return FeedPage(1, 1, [])
    size = _feed_size(tag=tag)
    if not size:
        return FeedPage(1, 1, [])
    pages = -(-size // FEED_PAGE_SIZE)
    return _feed_page(tag=tag, number=min(max(number, 1), pages), pages=pages)


# A tag no published post carries counts 0 and is not kept: readers trying one tag name
# after another make no entries. Its empty page is never asked for.
@cached_query(ttl=QUERY_TTL, tags=CONTENT_MODELS, keep=bool)
def _feed_size(*, tag: str | None) -> int:
    return published_posts(tag=tag).count()


@cached_query(ttl=QUERY_TTL, tags=CONTENT_MODELS)
def _feed_page(*, tag: str | None, number: int, pages: int) -> FeedPage:
    start = (number - 1) * FEED_PAGE_SIZE
    posts = feed_posts(tag=tag)[start : start + FEED_PAGE_SIZE]
    return FeedPage(number, pages, summarize(posts))


def most_used_tag_names(*, limit: int) -> list[str]:
    """The tags on the most published posts, most used first."""
    published = Q(posts__status=Post.Status.PUBLISHED)
    return list(
        Tag.objects.annotate(uses=Count("posts", filter=published))
        .filter(uses__gt=0)
        .order_by("-uses", "name")
        .values_list("name", flat=True)[:limit]
    )


def _possible_tag(tag: str | None) -> bool:
    """Whether a tag filter can match: no filter, or a name a tag may have.

    A filter holding a control character is refused (InvalidContent on `tag`, from
    rules.check_tag_filter) on every surface alike; other names no tag could have (too
    long, say) would find nothing anyway, so they are answered as no match, unqueried.
    """
    check_tag_filter(tag)
    name = normalize_tag_name(tag or "")
    return not name or is_tag_name(name)


def published_posts(*, tag: str | None = None) -> QuerySet[Post]:
    """The public feed: published posts, newest first, with author and tags loaded."""
    queryset = Post.objects.filter(status=Post.Status.PUBLISHED)
    if not _possible_tag(tag):
        queryset = queryset.none()
    tag = normalize_tag_name(tag or "")
    if tag:
        queryset = queryset.filter(tags__name=tag)
    return _with_relations(queryset).order_by("-published_at", "-id")


def feed_posts(*, tag: str | None = None) -> QuerySet[Post]:
    """The public feed as pages show it: published posts, newest first, with comment counts."""
    return published_posts(tag=tag).annotate(comment_count=_comment_count())


def posts_visible_to(
    user: Viewer | None, *, tag: str | None = None, mine: bool = False, with_tags: bool = True
) -> "QuerySet[WithAnnotations[Post, ListedPost]]":
    """Posts `user` may read: published ones plus their own drafts; `mine` keeps their own.

    Authors are joined and comments counted; tags are prefetched unless `with_tags` is
    false, for callers that read their names otherwise (the post rows below).
    """
    queryset = Post.objects.filter(_visible_filter(user))
    if not _possible_tag(tag):
        queryset = queryset.none()
    if mine:
        if user is None or not user.is_authenticated:
            queryset = queryset.none()
        else:
            queryset = queryset.filter(author_id=user.pk)
    tag = normalize_tag_name(tag or "")
    if tag:
        queryset = queryset.filter(tags__name=tag)
    return (
        _with_relations(queryset, with_tags=with_tags)
        .annotate(
            comment_count=_comment_count(),
            # When the post appeared: published, else created. Never null, so cursor
            # pagination can page on it (drafts have no published_at).
            listed_at=Coalesce("published_at", "created_at"),
        )
        # Newest first by when each post appeared, on every surface.
        .order_by("-listed_at", "-id")
    )


def drafts_of(user: Viewer | None) -> QuerySet[Post]:
    if user is None or not user.is_authenticated:
        return Post.objects.none()
    return _with_relations(
        Post.objects.filter(author_id=user.pk, status=Post.Status.DRAFT)
    ).order_by("-updated_at")


def post_for_viewer(
    user: Viewer | None, *, pk: int | None = None, slug: str | None = None, with_tags: bool = True
) -> Post:
    """The post with this id or slug if `user` may see it; raises PostNotFound otherwise.

    A draft of someone else is reported as missing, not forbidden, so drafts do not leak.
    Author and comment count come with it, and its tags unless `with_tags` is false.
    """
    found = list(_post_lookup(user, pk=pk, slug=slug, with_tags=with_tags))
    if not found:
        raise PostNotFound()
    return found[0]


def _post_lookup(
    user: Viewer | None, *, pk: int | None, slug: str | None, with_tags: bool
) -> QuerySet[Post]:
    lookup = {"pk": pk} if pk is not None else {"slug": slug}
    return (
        _with_relations(Post.objects.filter(_visible_filter(user), **lookup), with_tags=with_tags)
        .annotate(comment_count=_comment_count())
        # An id or a slug names one post at most: nothing to sort.
        .order_by()[:1]
    )


class _TagNames(Func):
    """A post's tag names in name order, as a list, from a subquery in the select list.

    PostgreSQL builds an array; SQLite (the embedded mode) a JSON array, decoded by the
    output field. One query for posts and their tags, instead of a second round trip.
    """

    def __init__(self) -> None:
        super().__init__(F("pk"), output_field=_NameListField())

    def _parts(self, connection: "BaseDatabaseWrapper") -> tuple[str, str, str]:
        quote = connection.ops.quote_name
        through = Post.tags.through._meta
        source = (
            f"FROM {quote(through.db_table)} link"
            f" INNER JOIN {quote(Tag._meta.db_table)} tag"
            f" ON tag.{quote('id')} = link.{quote(through.get_field('tag').column)}"
            f" WHERE link.{quote(through.get_field('post').column)} = %(expressions)s"
        )
        return quote("name"), source, f"ORDER BY tag.{quote('name')}"

    def as_sql(
        self,
        compiler: "SQLCompiler",
        connection: "BaseDatabaseWrapper",
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> "_AsSqlType":
        if template is None:
            name, source, order = self._parts(connection)
            template = f"ARRAY(SELECT tag.{name} {source} {order})"
        return super().as_sql(compiler, connection, function, template, arg_joiner, **extra_context)

    def as_sqlite(
        self, compiler: "SQLCompiler", connection: "BaseDatabaseWrapper", **extra_context: Any
    ) -> "_AsSqlType":
        name, source, order = self._parts(connection)
        template = (
            # Only quoted names from the models' metadata go into the text.
            f"(SELECT json_group_array(named.{name})"  # noqa: S608
            f" FROM (SELECT tag.{name} {source} {order}) named)"
        )
        return super().as_sql(compiler, connection, template=template, **extra_context)


if TYPE_CHECKING:
    _ListField = Field[list[str], list[str]]
else:  # Django's fields take no type arguments at run time
    _ListField = Field


class _NameListField(_ListField):
    """Tag names from the database: a list from PostgreSQL's array, JSON text from SQLite."""

    def from_db_value(
        self, value: str | list[str] | None, expression: object, connection: "BaseDatabaseWrapper"
    ) -> list[str]:
        if isinstance(value, str):
            names: list[str] = json.loads(value)
            return names
        return list(value or ())


class PostRow(NamedTuple):
    """A post as the REST read path shows it: plain values, tag names and count included."""

    id: int
    title: str
    slug: str
    body: str
    status: str
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime
    listed_at: datetime
    author_id: int
    author_display_name: str
    author_email: str
    comment_count: int
    tag_names: list[str]


_ROW_FIELDS = (
    "id",
    "title",
    "slug",
    "body",
    "status",
    "published_at",
    "created_at",
    "updated_at",
    "listed_at",
    "author_id",
    "author__display_name",
    "author__email",
    "comment_count",
    "tag_names",
)


class PostPage(NamedTuple):
    """Up to a page of posts in feed order, and whether more lie further in that direction."""

    rows: list[PostRow]
    more: bool


class _ViewerId:
    """A signed-in viewer known by id only, enough for the visibility rule."""

    is_authenticated = True

    def __init__(self, pk: int) -> None:
        self.pk = pk


def _post_rows(
    queryset: "QuerySet[WithAnnotations[Post, ListedPost]]",
) -> QuerySet[Post, tuple[Any, ...]]:
    return queryset.annotate(tag_names=_TagNames()).values_list(*_ROW_FIELDS)


@functools.cache
def _compiled_post_row(signed_in: bool) -> CompiledQuery:
    def build(post_id: int, viewer_id: int | None = None) -> QuerySet[Post, tuple[Any, ...]]:
        viewer = _ViewerId(viewer_id) if viewer_id is not None else None  # given if signed_in
        return _post_rows(posts_visible_to(viewer, with_tags=False).filter(pk=post_id).order_by())

    if signed_in:
        return CompiledQuery(build, post_id=SampleInt(), viewer_id=SampleInt())
    return CompiledQuery(build, post_id=SampleInt())


def post_row_for_viewer(user: Viewer | None, *, pk: int) -> PostRow:
    """The post with this id as a row, if `user` may see it (the rule of post_for_viewer);
    raises PostNotFound otherwise. One query, its SQL compiled once per process."""
    if pk not in BIGINT_RANGE:
        raise PostNotFound()
    if user is not None and user.is_authenticated:
        found = _compiled_post_row(True).rows(post_id=pk, viewer_id=user.pk)
    else:
        found = _compiled_post_row(False).rows(post_id=pk)
    if not found:
        raise PostNotFound()
    return PostRow(*found[0])


@functools.cache
def _compiled_post_page(
    signed_in: bool, tagged: bool, mine: bool, direction: str | None, size: int
) -> CompiledQuery:
    """One shape of a feed page; `direction` is None (from the top), "after" or "before"."""

    def build(
        viewer_id: int | None = None,
        tag: str | None = None,
        listed_at: datetime | None = None,
        post_id: int | None = None,
    ) -> QuerySet[Post, tuple[Any, ...]]:
        viewer = _ViewerId(viewer_id) if viewer_id is not None else None  # given if signed_in
        queryset = posts_visible_to(viewer, tag=tag, mine=mine, with_tags=False)
        if direction == "after":
            # Past (listed_at, id) in feed order; the first condition lets the index range.
            queryset = queryset.filter(
                Q(listed_at__lte=listed_at), Q(listed_at__lt=listed_at) | Q(pk__lt=post_id)
            )
        elif direction == "before":
            queryset = queryset.filter(
                Q(listed_at__gte=listed_at), Q(listed_at__gt=listed_at) | Q(pk__gt=post_id)
            ).order_by("listed_at", "id")
        return _post_rows(queryset)[: size + 1]

    samples: dict[str, Sample] = {}
    if signed_in:
        samples["viewer_id"] = SampleInt()
    if tagged:
        samples["tag"] = SampleText()
    if direction:
        samples |= {"listed_at": SampleDateTime(), "post_id": SampleInt()}
    return CompiledQuery(build, **samples)


def post_page_visible_to(
    user: Viewer | None,
    *,
    size: int,
    tag: str | None = None,
    mine: bool = False,
    after: tuple[datetime, int] | None = None,
    before: tuple[datetime, int] | None = None,
) -> PostPage:
    """A page of the posts `user` may read (the rule of posts_visible_to), newest first.

    `after` and `before` are the (listed_at, id) of a post already shown: the page starts
    just past it, forwards or backwards. Rows come in feed order either way. One query,
    its SQL compiled once per process and page shape.
    """
    viewer = user if user is not None and user.is_authenticated else None
    signed_in = viewer is not None
    if not _possible_tag(tag) or (mine and not signed_in):
        return PostPage([], False)
    tag = normalize_tag_name(tag or "")
    values: dict[str, object] = {}
    if viewer is not None:
        values["viewer_id"] = viewer.pk
    if tag:
        values["tag"] = tag
    direction, position = (
        ("before", before) if before else ("after", after) if after else (None, None)
    )
    if position:
        values |= {"listed_at": position[0], "post_id": position[1]}
    compiled = _compiled_post_page(signed_in, bool(tag), mine, direction, size)
    rows = [PostRow(*row) for row in compiled.rows(**values)]
    more = len(rows) > size
    rows = rows[:size]
    if direction == "before":
        rows.reverse()
    return PostPage(rows, more)


def post_for_editing(user: AbstractBaseUser | AnonymousUser, *, slug: str) -> Post:
    """The post `user` may change; PostNotFound if hidden from them, NotPostAuthor if not theirs."""
    post = post_for_viewer(user, slug=slug)
    require_perm(user, "content.change_post", post)
    return post


def visible_comments() -> QuerySet[Comment]:
    """Comments every reader of their post sees: all but the hidden ones."""
    return Comment.objects.filter(hidden_at__isnull=True)


def comments_for_post(post: Post) -> QuerySet[Comment]:
    """The post's visible comments, oldest first, authors loaded."""
    return (
        post.comments.filter(hidden_at__isnull=True)
        .select_related("author")
        .order_by("created_at", "id")
    )


def comment_count(post: Post) -> int:
    return post.comments.filter(hidden_at__isnull=True).count()


def comment_for_viewer(user: User | AnonymousUser, *, pk: int, post: Post | None = None) -> Comment:
    """The visible comment with this id on a post `user` may read (on `post`, if given);
    CommentNotFound otherwise, so hidden comments and drafts do not leak."""
    if pk not in BIGINT_RANGE:
        raise CommentNotFound()
    queryset = visible_comments().select_related("post", "author")
    if post is not None:
        queryset = queryset.filter(post=post)
    comment = queryset.filter(pk=pk).first()
    if comment is None or not user.has_perm("content.view_post", comment.post):
        raise CommentNotFound()
    return comment


def prefetch_first_comments(posts: list[Post], *, first: int, to_attr: str) -> None:
    """Attach to each post its `first` oldest visible comments, authors loaded, as `to_attr`.

    One query for all the posts (a windowed slice), so a page of posts costs the same
    whatever its size.
    """
    comments = visible_comments().select_related("author").order_by("created_at", "id")
    prefetch_related_objects(
        posts, Prefetch("comments", queryset=comments[:first], to_attr=to_attr)
    )
