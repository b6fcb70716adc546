"""The cache's statistics for people (a staff page) and for Prometheus (/metrics)."""

import hmac

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.caching import stats, warming
from apps.caching.metrics import prometheus_lines


@staff_member_required
def cache_stats(request: HttpRequest) -> HttpResponse:
    fleet = stats.fleet_snapshot()
    return render(
        request,
        "caching/stats.html",
        {
            "fleet": fleet,
            "local": stats.snapshot(),
            "levels": [("L1 (in-process)", fleet["l1"]), ("L2 (Redis)", fleet["l2"])],
            "hot_patterns": warming.hot_patterns(limit=20),
        },
    )


def _may_scrape(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        return hmac.compare_digest(header.removeprefix("Bearer ").encode(), token.encode())
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_active and user.is_staff)


def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus scrape endpoint: `Authorization: Bearer $METRICS_TOKEN`, or a staff session."""
    if not _may_scrape(request):
        response = HttpResponse("Authentication required.\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    body = "\n".join(prometheus_lines(stats.fleet_snapshot())) + "\n"
    return HttpResponse(body, content_type="text/plain; version=0.0.4; charset=utf-8")
