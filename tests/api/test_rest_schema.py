"""The REST API describes itself: a valid OpenAPI 3 schema and its Swagger docs page."""

from django.core.management import call_command
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

PROBLEM = "application/problem+json"


def test_schema_is_valid_openapi_3_and_lists_the_endpoints():
    response = APIClient().get("/api/schema/", {"format": "json"})

    schema = response.json()
    validate_schema(schema)
    assert response.status_code == 200
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/auth/signup/",
        "/api/auth/token/",
        "/api/auth/session/",
        "/api/me/",
        "/api/posts/",
        "/api/posts/{id}/",
        "/api/posts/{id}/publish/",
        "/api/posts/{id}/comments/",
    } <= set(schema["paths"])
    not_found = schema["paths"]["/api/posts/{id}/"]["get"]["responses"]["404"]
    assert set(not_found["content"]) == {PROBLEM}


def test_schema_generation_has_no_warnings(tmp_path):
    # --fail-on-warn turns any drf-spectacular warning or error into a failure.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yaml"))

    assert (tmp_path / "s.yaml").read_text().startswith("openapi: 3")


def test_docs_page_is_served():
    response = APIClient().get("/api/docs/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"swagger-ui" in response.content
