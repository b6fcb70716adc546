"""The content rules every surface shares: input limits, tag names, and who may change a post."""

import re

from apps.content.errors import InvalidContent, NotPostAuthor

TITLE_MAX_LENGTH = 200
BODY_MAX_LENGTH = 100_000
COMMENT_MAX_LENGTH = 5_000
TAG_MAX_LENGTH = 50
TAGS_PER_POST = 10
_TAG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def clean_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise InvalidContent("title", "A title is required.")
    if len(title) > TITLE_MAX_LENGTH:
        raise InvalidContent("title", f"A title has at most {TITLE_MAX_LENGTH} characters.")
    return title


def clean_body(body: str) -> str:
    body = body or ""
    if len(body) > BODY_MAX_LENGTH:
        raise InvalidContent("body", f"A body has at most {BODY_MAX_LENGTH} characters.")
    return body


def clean_comment_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise InvalidContent("body", "A comment cannot be empty.")
    if len(body) > COMMENT_MAX_LENGTH:
        raise InvalidContent("body", f"A comment has at most {COMMENT_MAX_LENGTH} characters.")
    return body


def normalize_tag_name(raw) -> str:
    """A tag name as stored: trimmed, lower case, hyphens for spaces."""
    return str(raw).strip().lower().replace(" ", "-")


def clean_tag_names(names) -> list[str]:
    """Lower-case, de-duplicate (keeping order) and check tag names."""
    cleaned: list[str] = []
    for raw in names or ():
        name = normalize_tag_name(raw)
        if not name:
            continue
        if len(name) > TAG_MAX_LENGTH or not _TAG_PATTERN.match(name):
            raise InvalidContent(
                "tags",
                f"Tag {raw!r} is not valid: use letters, digits and hyphens, "
                f"at most {TAG_MAX_LENGTH} characters.",
            )
        if name not in cleaned:
            cleaned.append(name)
    if len(cleaned) > TAGS_PER_POST:
        raise InvalidContent("tags", f"A post has at most {TAGS_PER_POST} tags.")
    return cleaned


def ensure_author(post, actor) -> None:
    """Only a post's author may change it; raises NotPostAuthor for anyone else."""
    if post.author_id != getattr(actor, "pk", None):
        raise NotPostAuthor()
