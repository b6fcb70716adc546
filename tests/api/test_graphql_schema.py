"""The GraphQL schema: the committed file matches the live schema, and clients can introspect it."""

import json
from pathlib import Path

import pytest
from graphql import get_introspection_query, print_schema

from apps.api.graphql_schema import schema

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"
REGENERATE = (
    ".venv/bin/python manage.py graphql_schema"
    " --schema apps.api.graphql_schema.schema --out schema.graphql"
)


def test_committed_schema_file_matches_the_live_schema():
    committed = SCHEMA_FILE.read_text(encoding="utf-8")
    live = print_schema(schema.graphql_schema)

    assert committed.rstrip("\n") == live.rstrip("\n"), (
        "schema.graphql is out of date with the apps' GraphQL declarations; "
        f"regenerate it with `{REGENERATE}` "
        "and commit the result."
    )


@pytest.mark.django_db
def test_graphiqls_introspection_query_passes_the_depth_limit(client):
    response = client.post(
        "/graphql/",
        json.dumps({"query": get_introspection_query(descriptions=True)}),
        content_type="application/json",
    )

    assert response.status_code == 200
    assert response.json()["data"]["__schema"]["queryType"] == {"kind": "OBJECT", "name": "Query"}
