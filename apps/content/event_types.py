"""Event types the content app publishes."""

from apps.events.catalog import declare_event_type

declare_event_type(
    "post.published",
    description="A draft post was published and is now on the public feed.",
    schema={
        "type": "object",
        "required": ["post_id", "slug", "title", "author_id", "published_at"],
        "properties": {
            "post_id": {"type": "integer"},
            "slug": {"type": "string"},
            "title": {"type": "string"},
            "author_id": {"type": "integer"},
            "published_at": {"type": "string", "format": "date-time"},
        },
        "additionalProperties": False,
    },
    example={
        "post_id": 42,
        "slug": "hello-keel",
        "title": "Hello, Keel",
        "author_id": 7,
        "published_at": "2026-11-26T09:30:00+00:00",
    },
)

declare_event_type(
    "comment.created",
    description="Someone commented on a published post.",
    schema={
        "type": "object",
        "required": ["comment_id", "post_id", "author_id", "author_name", "body", "created_at"],
        "properties": {
            "comment_id": {"type": "integer"},
            "post_id": {"type": "integer"},
            "author_id": {"type": "integer"},
            "author_name": {"type": "string"},
            "body": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
        },
        "additionalProperties": False,
    },
    example={
        "comment_id": 3,
        "post_id": 42,
        "author_id": 8,
        "author_name": "ada",
        "body": "Nice post!",
        "created_at": "2026-11-26T09:31:00+00:00",
    },
)

declare_event_type(
    "post.deleted",
    description="A post was deleted, with its comments (by its author, or staff).",
    schema={
        "type": "object",
        "required": ["post_id", "author_id", "was_published"],
        "properties": {
            "post_id": {"type": "integer"},
            "author_id": {"type": "integer"},
            "was_published": {"type": "boolean"},
        },
        "additionalProperties": False,
    },
    example={"post_id": 42, "author_id": 7, "was_published": True},
)

declare_event_type(
    "comment.hidden",
    description=(
        "A comment was hidden from every reader (by the post's author or a moderator); "
        "it stays stored."
    ),
    schema={
        "type": "object",
        "required": ["comment_id", "post_id", "hidden_at"],
        "properties": {
            "comment_id": {"type": "integer"},
            "post_id": {"type": "integer"},
            "hidden_at": {"type": "string", "format": "date-time"},
        },
        "additionalProperties": False,
    },
    example={"comment_id": 3, "post_id": 42, "hidden_at": "2026-11-26T09:40:00+00:00"},
)

declare_event_type(
    "comment.deleted",
    description="A comment was deleted (by its author, or staff).",
    schema={
        "type": "object",
        "required": ["comment_id", "post_id"],
        "properties": {
            "comment_id": {"type": "integer"},
            "post_id": {"type": "integer"},
        },
        "additionalProperties": False,
    },
    example={"comment_id": 3, "post_id": 42},
)
