"""Domain errors of the content services. Each carries a stable `code` for API clients."""


class ContentError(Exception):
    code = "content_error"


class PostNotFound(ContentError):
    """The post does not exist, or the viewer may not see it (drafts of others)."""

    code = "post_not_found"

    def __init__(self) -> None:
        super().__init__("No such post.")


class NotPostAuthor(ContentError):
    code = "not_post_author"

    def __init__(self) -> None:
        super().__init__("Only the author of a post may change it.")


class PostAlreadyPublished(ContentError):
    code = "post_already_published"

    def __init__(self) -> None:
        super().__init__("This post is already published.")


class CommentsClosed(ContentError):
    code = "comments_closed"

    def __init__(self) -> None:
        super().__init__("Comments open once the post is published.")


class InvalidContent(ContentError):
    """Input that breaks a content rule; `field` names the offending field."""

    code = "invalid_content"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
