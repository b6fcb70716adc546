"""Domain errors of the content services (the error model: apps/kernel/errors.py)."""

from apps.kernel.errors import DomainError


class ContentError(DomainError):
    code = "content_error"
    title = "Content error"


class PostNotFound(ContentError):
    """The post does not exist, or the viewer may not see it (drafts of others)."""

    code = "post_not_found"
    status = 404
    title = "Post not found"
    default_message = "No such post."


class CommentNotFound(ContentError):
    """The comment does not exist, is hidden, or is on a post the viewer may not see."""

    code = "comment_not_found"
    status = 404
    title = "Comment not found"
    default_message = "No such comment."


class NotPostAuthor(ContentError):
    """A change to a post by someone who may not make it (keeps the code clients know)."""

    code = "not_post_author"
    status = 403
    title = "Not the author of the post"
    default_message = "Only the author of a post may change it."


class PostAlreadyPublished(ContentError):
    code = "post_already_published"
    status = 409
    title = "Post already published"
    default_message = "This post is already published."


class CommentsClosed(ContentError):
    code = "comments_closed"
    status = 409
    title = "Comments closed"
    default_message = "Comments open once the post is published."


class InvalidContent(ContentError):
    """Input that breaks a content rule; `field` names the offending field."""

    code = "invalid_content"
    status = 422
    title = "Invalid content"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)
