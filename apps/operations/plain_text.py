"""Plain text as Keel keeps it: the characters no text field or filter may hold."""

import re

# The C0 controls but tab, line feed and carriage return; DEL; the C1 controls; and UTF-16
# surrogates, which in a Python string are always unpaired (a pair decodes to one code
# point). PostgreSQL cannot store NUL at all, a surrogate cannot be encoded, and the other
# controls only ever arrive to confuse a reader (terminal escapes, hidden line breaks).
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def forbidden_character(text: str) -> str | None:
    """The first character of `text` that plain text may not hold, or None."""
    found = _FORBIDDEN.search(text)
    return found.group() if found else None
