"""The cache's statistics: a staff page and a Prometheus endpoint, both guarded."""

import pytest
from django.core.cache import cache

from tests.accounts.factories import make_user

pytestmark = pytest.mark.django_db


def _some_traffic() -> None:
    cache.set("stats:a", 1, 60)
    cache.get("stats:a")
    cache.get("stats:missing")
    cache.tags("stats-tag").remember("stats:b", 60, lambda: 2)
    cache.tags("stats-tag").remember("stats:b", 60, lambda: 2)


def test_staff_see_hit_ratios_per_level_and_tag(admin_client):
    _some_traffic()
    response = admin_client.get("/ops/cache/")

    assert response.status_code == 200
    page = response.text
    assert "L1 (in-process)" in page
    assert "L2 (Redis)" in page
    assert "<code>stats-tag</code>" in page


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_the_stats_page_is_for_staff_only(client, who):
    if who == "member":
        client.force_login(make_user())
    response = client.get("/ops/cache/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_prometheus_reads_the_counters_with_its_token(client, settings):
    settings.METRICS_TOKEN = "scrape-secret"
    _some_traffic()

    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    lines = response.text.splitlines()
    assert "# TYPE keel_cache_hits_total counter" in lines
    assert any(line.startswith('keel_cache_hits_total{level="l1"} ') for line in lines)
    assert any(
        line.startswith('keel_cache_tag_lookups_total{tag="stats-tag",outcome="hit"} ')
        for line in lines
    )


def test_metrics_refuse_a_wrong_token_and_anonymous_scrapes(client, settings):
    settings.METRICS_TOKEN = "scrape-secret"
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer guess")
    anonymous = client.get("/metrics")

    assert (wrong.status_code, anonymous.status_code) == (401, 401)
    assert anonymous["WWW-Authenticate"] == 'Bearer realm="metrics"'


def test_staff_may_read_metrics_in_the_browser(admin_client):
    assert admin_client.get("/metrics").status_code == 200
