"""The content input rules every surface shares: text limits and tag names.

Services apply them (so every surface refuses the same input with the same message); forms
read the limits to shape their widgets. Who may do what is `rules.py`'s.
"""

import re

from apps.content.errors import InvalidContent
from apps.operations.plain_text import forbidden_character

TITLE_MAX_LENGTH = 200
BODY_MAX_LENGTH = 100_000
COMMENT_MAX_LENGTH = 5_000
TAG_MAX_LENGTH = 50
TAGS_PER_POST = 10
_TAG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def _refuse_forbidden_characters(field: str, label: str, text: str) -> None:
    # The project's one plain-text rule (apps/operations/plain_text.py).
    found = forbidden_character(text)
    if found:
        raise InvalidContent(
            field,
            f"{label} cannot contain U+{ord(found):04X}: no control characters "
            f"other than tab and line breaks, and no unpaired surrogates.",
        )


def clean_title(title: str) -> str:
    _refuse_forbidden_characters("title", "A title", title or "")
    title = (title or "").strip()
    if not title:
        raise InvalidContent("title", "A title is required.")
    if len(title) > TITLE_MAX_LENGTH:
        raise InvalidContent("title", f"A title has at most {TITLE_MAX_LENGTH} characters.")
    return title


def clean_body(body: str) -> str:
    body = body or ""
    _refuse_forbidden_characters("body", "A body", body)
    if len(body) > BODY_MAX_LENGTH:
        raise InvalidContent("body", f"A body has at most {BODY_MAX_LENGTH} characters.")
    return body


def clean_comment_body(body: str) -> str:
    _refuse_forbidden_characters("body", "A comment", body or "")
    body = (body or "").strip()
    if not body:
        raise InvalidContent("body", "A comment cannot be empty.")
    if len(body) > COMMENT_MAX_LENGTH:
        raise InvalidContent("body", f"A comment has at most {COMMENT_MAX_LENGTH} characters.")
    return body


def normalize_tag_name(raw) -> str:
    """A tag name as stored: trimmed, lower case, hyphens for spaces."""
    return str(raw).strip().lower().replace(" ", "-")


def is_tag_name(name: str) -> bool:
    """Whether a normalized name is one a tag may have (filters by any other match nothing)."""
    return len(name) <= TAG_MAX_LENGTH and _TAG_PATTERN.match(name) is not None


def check_tag_filter(tag: str | None) -> None:
    """Refuse a tag filter holding a character no text may hold (InvalidContent on `tag`).

    Checked before the name is normalized (stripping would hide some controls). Any other
    name no tag could have is no error: such a filter matches nothing, like an unknown tag.
    """
    _refuse_forbidden_characters("tag", "A tag", tag or "")


def clean_tag_names(names) -> list[str]:
    """Lower-case, de-duplicate (keeping order) and check tag names."""
    cleaned: list[str] = []
    for raw in names or ():
        _refuse_forbidden_characters("tags", "A tag", str(raw))
        name = normalize_tag_name(raw)
        if not name:
            continue
        if not is_tag_name(name):
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
