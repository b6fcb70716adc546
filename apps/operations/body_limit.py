"""Refuse request bodies over DATA_UPLOAD_MAX_MEMORY_SIZE with a 413, before any view runs.

Django checks the limit only when a view reads the body, and answers with its bare 400
page; GraphQL reported Django's exception text. Checking the declared Content-Length here
gives every endpoint the same answer, in its surface's format (views.request_too_large).
Bodies without an honest Content-Length are still caught where they are read: Django raises
RequestDataTooBig, and the 400 handler (views.bad_request) answers 413 too.
"""

from django.conf import settings

from apps.operations.views import request_too_large


class BodySizeLimitMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0  # as Django reads a malformed Content-Length
        if limit is not None and declared > limit:
            return request_too_large(request)
        return self.get_response(request)
