"""JSON request bodies parsed by orjson, whose nesting limit turns deep documents into a 400.

DRF's JSONParser uses the standard library's `json`, which recurses once per level of
nesting: a body of 100,000 `[` raised RecursionError, a 500. orjson refuses documents nested
deeper than 1,024 levels with a JSONDecodeError like any other malformed body, so they
become DRF's ParseError (400 problem). Keel's bodies are flat objects; no client needs more.

Other differences from `json` that clients can see: NaN and Infinity are refused whatever
STRICT_JSON says (Keel keeps DRF's strict default anyway), an unpaired surrogate escape
(`"\\ud800"`) is a parse error rather than a string that cannot be stored, and an integer
beyond 64 bits is read as a float.
"""

import codecs
from collections.abc import Mapping
from typing import IO, Any

import orjson
from rest_framework.exceptions import ParseError

# get_encoding, DRF's charset check (it refuses non-text codecs), is newer than the stubs.
from rest_framework.parsers import (  # type: ignore[attr-defined]
    JSONParser,
    get_encoding,
)

_UTF_8 = codecs.lookup("utf-8").name


class ORJSONParser(JSONParser):
    """DRF's JSONParser, decoding with orjson.

    It stays a JSONParser subclass on purpose: DRF reads such a parser's body through
    `request.body`, which enforces DATA_UPLOAD_MAX_MEMORY_SIZE; other parsers get the raw
    stream, unbounded.
    """

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:  # any JSON value (the stubs say dict; DRF returns what the body holds)
        encoding: str = get_encoding(parser_context or {})
        content = stream.read()
        # Fixed messages: orjson's own name what it choked on and where, not for clients.
        try:
            if codecs.lookup(encoding).name != _UTF_8:
                content = content.decode(encoding)
        except UnicodeDecodeError:
            raise ParseError("The body is not in the charset its Content-Type names.") from None
        try:
            return orjson.loads(content)
        except orjson.JSONDecodeError as exc:
            if exc.msg.startswith("depth limit"):
                raise ParseError("The JSON body is nested too deeply.") from None
            if isinstance(content, bytes) and not _is_utf_8(content):
                raise ParseError("The body is not UTF-8.") from None
            raise ParseError("The body is not valid JSON.") from None


def _is_utf_8(content: bytes) -> bool:
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
