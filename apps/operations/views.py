"""Health endpoint and the site's error pages (problem+json under /api/)."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from apps.operations.health import health_report


def healthz(request: HttpRequest) -> JsonResponse:
    report = health_report()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)


def hello(request: HttpRequest) -> JsonResponse:
    """A constant JSON answer through the whole middleware stack: the benchmarks' baseline."""
    return JsonResponse({"hello": "world"})


def _problem(status: int, title: str, detail: str) -> JsonResponse:
    return JsonResponse(
        {"type": "about:blank", "title": title, "status": status, "detail": detail},
        status=status,
        content_type="application/problem+json",
    )


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return _problem(404, "Not Found", "No resource at this address.")
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return _problem(500, "Internal Server Error", "The server failed; it has been logged.")
    return render(request, "500.html", status=500)
