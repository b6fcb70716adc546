"""Refuse with a 400 any request whose query string holds a NUL, before any view reads it.

PostgreSQL cannot hold NUL in text at all: a filter passing one on to the ORM (the admin's
changelist filters do, with raw values) raised DataError, a 500. No parameter of any surface
can use NUL, so it is refused here once, in the surface's format (views.nul_in_query).
"""

from apps.operations.views import nul_in_query


class NulQueryStringMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        # Percent-decoding turns every "%00" into NUL, and only those (or a raw NUL byte),
        # so the raw query string tells without parsing it; names and values alike.
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query:
            return nul_in_query(request)
        return self.get_response(request)
