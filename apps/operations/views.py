"""Health endpoint and the site's error pages (problem+json under /api/)."""

from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from apps.operations.health import health_report


def healthz(request: HttpRequest) -> JsonResponse:
    report = health_report()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)


def hello(request: HttpRequest) -> JsonResponse:
    """A constant JSON answer through the whole middleware stack: the benchmarks' baseline."""
    return JsonResponse({"hello": "world"})


def _problem(status: int, title: str, detail: str, code: str | None = None) -> JsonResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if code is not None:
        body["code"] = code
    return JsonResponse(body, status=status, content_type="application/problem+json")


def _error_page(status: int, heading: str, message: str) -> HttpResponse:
    # Rendered without the request, as Django renders its own 400 page: the request may be
    # the very thing that is wrong (a host not allowed, say).
    return render(None, "400.html", {"heading": heading, "message": message}, status=status)


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return _problem(404, "Not Found", "No resource at this address.")
    return render(request, "404.html", status=404)


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    """Requests Django refuses before or while reading them: too many fields, a host not
    allowed, a body over the limit that had no honest Content-Length. Never its text."""
    if isinstance(exception, RequestDataTooBig):
        return request_too_large(request)
    return _bad_request(request, "The request could not be read.")


def nul_in_query(request: HttpRequest) -> HttpResponse:
    """400 for a query string holding NUL, in the format of the surface asked."""
    return _bad_request(
        request, "The query string holds a NUL character (%00), which no parameter may contain."
    )


def _bad_request(request: HttpRequest, detail: str) -> HttpResponse:
    return _refusal(
        request,
        400,
        detail=detail,
        code="bad_request",
        heading="Bad request",
        page_message=f"{detail} Please go back and try again.",
    )


def request_too_large(request: HttpRequest) -> HttpResponse:
    """413 in the format of the surface asked: a problem, a GraphQL error, or a page."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return _refusal(
        request,
        413,
        detail=f"The request body is larger than the {limit} bytes this server accepts.",
        code="request_too_large",
        heading="Too much to send",
        page_message=f"What you sent is larger than this site accepts (at most {limit // 1024} "
        "KiB). Please shorten it and try again.",
    )


def _refusal(
    request: HttpRequest, status: int, *, detail: str, code: str, heading: str, page_message: str
) -> HttpResponse:
    """A refused request in its surface's format: a problem on /api/, a GraphQL error on
    /graphql/, a standalone page elsewhere."""
    if request.path.startswith("/api/"):
        return _problem(status, HTTPStatus(status).phrase, detail, code=code)
    if request.path.startswith("/graphql/"):
        return JsonResponse({"errors": [{"message": detail}]}, status=status)
    return _error_page(status, heading, page_message)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return _problem(500, "Internal Server Error", "The server failed; it has been logged.")
    return render(request, "500.html", status=500)
