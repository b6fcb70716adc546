"""The query parameters a cached view reads: cache keys are built from those alone.

A view that the edge or the query cache keeps declares the parameters it reads
(`edge_cached(..., params=("page", "tag"))`, `mark_for_edge(..., params=...)`). Keys hold
only those, sorted, one value each: the last one, which is what `QueryDict.get` (and so
the view) reads. Any other parameter (`?utm_source=...`) is not part of the key, so a
flood of new query strings makes no new entries.
"""

import re
from urllib.parse import parse_qsl, urlencode

# A query string that decoding and encoding again leave unchanged (no escapes, no `+`).
_PLAIN_QUERY = re.compile(r"[\w.~=&-]*", re.ASCII)


def canonical_query(query_string: str, params: tuple[str, ...]) -> str:
    """The query string of `params` alone, sorted, each with the last value given."""
    if not query_string or not params:
        return ""
    if _PLAIN_QUERY.fullmatch(query_string):
        # The common case, without decoding: the same result as below, in a third the time.
        pairs = {}
        for pair in query_string.split("&"):
            name, equals, value = pair.partition("=")
            if "=" in value:
                break  # encoded as %3D below
            if name in params:
                pairs[name] = pair if equals else pair + "="
        else:
            return "&".join(pairs[name] for name in sorted(pairs))
    values = {}
    for name, value in parse_qsl(query_string, keep_blank_values=True):
        if name in params:
            values[name] = value
    return urlencode(sorted(values.items()))


def declared_values(query, params: tuple[str, ...]) -> tuple[tuple[str, str], ...] | None:
    """The declared parameters of a `QueryDict`, sorted, for a cache key.

    None when the request carries anything else or repeats a parameter: what such a
    request renders (its pagination links keep every parameter) must not be stored for
    the canonical request.
    """
    values = []
    for name, given in query.lists():
        if name not in params or len(given) != 1:
            return None
        values.append((name, given[0]))
    values.sort()
    return tuple(values)
