"""GraphQL types, queries and mutations of the content app: posts, their tags and comments."""

import base64
import binascii

import graphene
from graphene_django import DjangoObjectType
from graphql import GraphQLError

from apps.accounts.schema import Author
from apps.api.graphql_errors import (
    Error,
    KeelMutation,
    MutationFailed,
    parse_id,
    require_user,
)
from apps.content import selectors, services
from apps.content.errors import CommentNotFound, PostNotFound
from apps.content.models import Comment, Post

POSTS_PER_PAGE_DEFAULT = 20
POSTS_PER_PAGE_MAX = 100
COMMENTS_PER_POST_DEFAULT = 10
COMMENTS_PER_POST_MAX = 100
# The paginated fields and their largest page, for the view's cost limit (apps/api/graphql_cost.py).
PAGE_SIZE_LIMITS = {
    ("Query", "posts"): POSTS_PER_PAGE_MAX,
    ("Post", "comments"): COMMENTS_PER_POST_MAX,
}
_CURSOR_PREFIX = "offset:"
# No list is that long; a larger offset would overflow PostgreSQL's bigint OFFSET and LIMIT.
_CURSOR_OFFSET_MAX = 2**62


class PostStatus(graphene.Enum):
    DRAFT = Post.Status.DRAFT.value
    PUBLISHED = Post.Status.PUBLISHED.value


def _viewer_may(info, permission: str, obj) -> bool:
    # The question every surface asks (apps/content/rules.py), so clients show the actions
    # the viewer may take, as the post page does.
    return info.context.user.has_perm(permission, obj)


class CommentType(DjangoObjectType):
    """A comment on a published post."""

    author = graphene.Field(Author, required=True)
    viewer_can_hide = graphene.Boolean(
        required=True, description="Whether the viewer may hide it (`hideComment`)."
    )
    viewer_can_delete = graphene.Boolean(
        required=True, description="Whether the viewer may delete it (`deleteComment`)."
    )

    class Meta:
        model = Comment
        name = "Comment"
        fields = ("id", "body", "created_at")

    @staticmethod
    def resolve_viewer_can_hide(comment, info):
        return _viewer_may(info, "content.hide_comment", comment)

    @staticmethod
    def resolve_viewer_can_delete(comment, info):
        return _viewer_may(info, "content.delete_comment", comment)


class PostType(DjangoObjectType):
    """A post: a draft only its author sees, or published for everyone."""

    status = PostStatus(required=True)
    author = graphene.Field(Author, required=True)
    tags = graphene.List(graphene.NonNull(graphene.String), required=True)
    comment_count = graphene.Int(required=True)
    comments = graphene.List(
        graphene.NonNull(CommentType),
        required=True,
        first=graphene.Int(default_value=COMMENTS_PER_POST_DEFAULT),
        description=f"The first comments, oldest first (at most {COMMENTS_PER_POST_MAX}).",
    )
    viewer_can_change = graphene.Boolean(
        required=True, description="Whether the viewer may change it (`updatePost`)."
    )
    viewer_can_publish = graphene.Boolean(
        required=True, description="Whether the viewer may publish it (`publishPost`)."
    )
    viewer_can_delete = graphene.Boolean(
        required=True, description="Whether the viewer may delete it (`deletePost`)."
    )
    viewer_can_comment = graphene.Boolean(
        required=True, description="Whether the viewer may comment on it (`addComment`)."
    )

    class Meta:
        model = Post
        name = "Post"
        fields = ("id", "title", "slug", "body", "published_at", "created_at")

    @staticmethod
    def resolve_status(post, info):
        # A post the services just saved holds the Status member, a loaded one its plain value.
        return Post.Status(post.status).value

    @staticmethod
    def resolve_tags(post, info):
        return [tag.name for tag in post.tags.all()]

    @staticmethod
    def resolve_comment_count(post, info):
        # Lists annotate the count (selectors.posts_visible_to); a single post counts here.
        count = getattr(post, "comment_count", None)
        return selectors.comment_count(post) if count is None else count

    @staticmethod
    def resolve_viewer_can_change(post, info):
        return _viewer_may(info, "content.change_post", post)

    @staticmethod
    def resolve_viewer_can_publish(post, info):
        return _viewer_may(info, "content.publish_post", post)

    @staticmethod
    def resolve_viewer_can_delete(post, info):
        return _viewer_may(info, "content.delete_post", post)

    @staticmethod
    def resolve_viewer_can_comment(post, info):
        return _viewer_may(info, "content.add_comment", post)

    @staticmethod
    def resolve_comments(post, info, first):
        first = COMMENTS_PER_POST_DEFAULT if first is None else first
        if not 0 <= first <= COMMENTS_PER_POST_MAX:
            raise GraphQLError(f"`first` must be between 0 and {COMMENTS_PER_POST_MAX}.")
        attr = f"graphql_first_{first}_comments"
        if not hasattr(post, attr):
            # Load the comments of the whole page at once, not one query per post.
            batch = getattr(post, "graphql_page", None) or [post]
            selectors.prefetch_first_comments(batch, first=first, to_attr=attr)
        return getattr(post, attr)


class ListPageInfo(graphene.ObjectType):
    """Where a page ends; named apart from Relay's PageInfo so both can live in one schema."""

    has_next_page = graphene.Boolean(required=True)
    end_cursor = graphene.String(description="Pass as `after` to get the next page.")


class PostPage(graphene.ObjectType):
    items = graphene.List(graphene.NonNull(PostType), required=True)
    page_info = graphene.Field(ListPageInfo, required=True)


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{offset}".encode()).decode()


def _decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        offset = int(text.removeprefix(_CURSOR_PREFIX)) if text.startswith(_CURSOR_PREFIX) else -1
    except (binascii.Error, UnicodeError, ValueError):
        offset = -1
    if not 0 <= offset <= _CURSOR_OFFSET_MAX:
        raise GraphQLError("`after` is not a cursor this API gave out.")
    return offset


class Query(graphene.ObjectType):
    posts = graphene.Field(
        PostPage,
        required=True,
        first=graphene.Int(default_value=POSTS_PER_PAGE_DEFAULT),
        after=graphene.String(),
        tag=graphene.String(),
        mine=graphene.Boolean(),
        description=(
            "Posts the viewer may read (published ones and their own drafts), newest first by "
            "when each appeared (`publishedAt`, else `createdAt` for drafts); "
            f"`first` is at most {POSTS_PER_PAGE_MAX}, `mine` keeps the viewer's own."
        ),
    )
    post = graphene.Field(
        PostType,
        id=graphene.ID(required=True),
        description="The post if the viewer may read it; null when missing or a draft of another.",
    )

    @staticmethod
    def resolve_posts(root, info, first, after=None, tag=None, mine=False):
        first = POSTS_PER_PAGE_DEFAULT if first is None else first
        if not 1 <= first <= POSTS_PER_PAGE_MAX:
            raise GraphQLError(f"`first` must be between 1 and {POSTS_PER_PAGE_MAX}.")
        offset = _decode_cursor(after) if after else 0
        posts = selectors.posts_visible_to(info.context.user, tag=tag or None, mine=bool(mine))
        # One row more than asked tells whether a next page exists, without a COUNT query.
        rows = list(posts[offset : offset + first + 1])
        items = rows[:first]
        for post in items:
            post.graphql_page = items
        return PostPage(
            items=items,
            page_info=ListPageInfo(
                has_next_page=len(rows) > first,
                end_cursor=_encode_cursor(offset + len(items)) if items else None,
            ),
        )

    @staticmethod
    def resolve_post(root, info, id):
        pk = parse_id(id)
        if pk is None:
            return None
        try:
            return selectors.post_for_viewer(info.context.user, pk=pk)
        except PostNotFound:
            return None


def _fetch_post(info, raw_id, *, field: str) -> Post:
    """The post with this id if the viewer may see it; a hidden draft is reported as missing."""
    pk = parse_id(raw_id)
    try:
        if pk is None:
            raise PostNotFound()
        return selectors.post_for_viewer(info.context.user, pk=pk)
    except PostNotFound as exc:
        raise MutationFailed(Error(field=field, message=str(exc), code=exc.code)) from exc


def _fetch_comment(info, raw_id, *, field: str) -> Comment:
    """The visible comment with this id on a post the viewer may see; else reported missing."""
    pk = parse_id(raw_id)
    try:
        if pk is None:
            raise CommentNotFound()
        return selectors.comment_for_viewer(info.context.user, pk=pk)
    except CommentNotFound as exc:
        raise MutationFailed(Error(field=field, message=str(exc), code=exc.code)) from exc


class CreatePostInput(graphene.InputObjectType):
    title = graphene.String(required=True)
    body = graphene.String(default_value="")
    tags = graphene.List(graphene.NonNull(graphene.String), default_value=[])


class CreatePost(KeelMutation):
    """Create a draft by the viewer."""

    class Meta:
        name = "CreatePostPayload"

    class Arguments:
        input = CreatePostInput(required=True)

    post = graphene.Field(PostType)

    @classmethod
    def perform(cls, info, input):
        actor = require_user(info)
        # The service applies the content rules; InvalidContent names the field at fault.
        post = services.create_post(
            actor=actor, title=input.title, body=input.body, tags=input.tags
        )
        return cls(post=post)


class UpdatePostInput(graphene.InputObjectType):
    id = graphene.ID(required=True)
    title = graphene.String(description="Left as it is when absent.")
    body = graphene.String(description="Left as it is when absent.")
    tags = graphene.List(
        graphene.NonNull(graphene.String), description="Left as they are when absent."
    )


class UpdatePost(KeelMutation):
    """Change a post's title, body or tags (its author, or staff)."""

    class Meta:
        name = "UpdatePostPayload"

    class Arguments:
        input = UpdatePostInput(required=True)

    post = graphene.Field(PostType)

    @classmethod
    def perform(cls, info, input):
        actor = require_user(info)
        post = _fetch_post(info, input.id, field="id")
        # The service asks content.change_post (NotPostAuthor) and applies the content rules.
        services.update_post(
            post=post, actor=actor, title=input.title, body=input.body, tags=input.tags
        )
        return cls(post=selectors.post_for_viewer(actor, pk=post.pk))


class DeletePost(KeelMutation):
    """Delete a post and its comments (its author, or staff)."""

    class Meta:
        name = "DeletePostPayload"

    class Arguments:
        id = graphene.ID(required=True)

    deleted_id = graphene.ID(description="The id of the post deleted.")

    @classmethod
    def perform(cls, info, id):
        actor = require_user(info)
        post = _fetch_post(info, id, field="id")
        deleted_id = post.pk
        services.delete_post(post=post, actor=actor)
        return cls(deleted_id=deleted_id)


class PublishPost(KeelMutation):
    """Publish one of the viewer's drafts."""

    class Meta:
        name = "PublishPostPayload"

    class Arguments:
        id = graphene.ID(required=True)

    post = graphene.Field(PostType)

    @classmethod
    def perform(cls, info, id):
        actor = require_user(info)
        post = _fetch_post(info, id, field="id")
        # Only the author may publish: the service checks it (NotPostAuthor), one rule in one place.
        post = services.publish_post(post=post, actor=actor)
        return cls(post=post)


class AddComment(KeelMutation):
    """Comment on a published post."""

    class Meta:
        name = "AddCommentPayload"

    class Arguments:
        post_id = graphene.ID(required=True)
        body = graphene.String(required=True)

    comment = graphene.Field(CommentType)

    @classmethod
    def perform(cls, info, post_id, body):
        actor = require_user(info)
        post = _fetch_post(info, post_id, field="postId")
        comment = services.add_comment(post=post, actor=actor, body=body)
        return cls(comment=comment)


class HideComment(KeelMutation):
    """Hide a comment from every reader (the post's author, or a moderator)."""

    class Meta:
        name = "HideCommentPayload"

    class Arguments:
        id = graphene.ID(required=True)

    hidden_id = graphene.ID(description="The id of the comment hidden.")

    @classmethod
    def perform(cls, info, id):
        actor = require_user(info)
        comment = _fetch_comment(info, id, field="id")
        services.hide_comment(comment=comment, actor=actor)
        return cls(hidden_id=comment.pk)


class DeleteComment(KeelMutation):
    """Delete a comment (its author, or staff)."""

    class Meta:
        name = "DeleteCommentPayload"

    class Arguments:
        id = graphene.ID(required=True)

    deleted_id = graphene.ID(description="The id of the comment deleted.")

    @classmethod
    def perform(cls, info, id):
        actor = require_user(info)
        comment = _fetch_comment(info, id, field="id")
        deleted_id = comment.pk
        services.delete_comment(comment=comment, actor=actor)
        return cls(deleted_id=deleted_id)


class Mutation(graphene.ObjectType):
    create_post = CreatePost.Field()
    update_post = UpdatePost.Field()
    publish_post = PublishPost.Field()
    delete_post = DeletePost.Field()
    add_comment = AddComment.Field()
    hide_comment = HideComment.Field()
    delete_comment = DeleteComment.Field()
