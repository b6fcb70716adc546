"""GraphQL limits: cost, tokens and fields; no schema handed out in production; no raw errors."""

import base64
import json
import logging
import os
import secrets

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from apps.content.models import Post
from tests.content.factories import make_comment, make_post
from tests.live import shell_json

pytestmark = pytest.mark.django_db

URL = "/graphql/"
POSTS_WITH_COMMENTS = "posts(first: 100) { items { comments(first: 100) { body } } }"


def client() -> Client:
    """A client that sees the response a user would, 500s included, instead of the exception."""
    return Client(raise_request_exception=False)


def graphql(query: str, **variables) -> tuple[int, dict]:
    response = client().post(
        URL, json.dumps({"query": query, "variables": variables}), content_type="application/json"
    )
    return response.status_code, response.json()


def cost_refusal(cost: int) -> dict:
    return {
        "errors": [
            {
                "message": f"The document costs {cost} (objects its lists may return); "
                "at most 20000 is allowed.",
                "extensions": {"code": "cost_limit", "cost": cost, "limit": 20000},
            }
        ]
    }


# --- cost -----------------------------------------------------------------------------------


def test_thirty_aliases_of_full_pages_of_posts_and_comments_are_refused_before_they_run(
    django_assert_num_queries,
):
    # Given 30 aliases, within the alias limit, each asking 100 posts with 100 comments each
    query = "{ " + " ".join(f"p{n}: {POSTS_WITH_COMMENTS}" for n in range(30)) + " }"

    # When an anonymous client sends them, then not one SQL query runs
    with django_assert_num_queries(0):
        status, body = graphql(query)

    # and the refusal says what the document costs: 30 * (100 + 100 * 100) objects
    assert status == 400
    assert body == cost_refusal(303_000)


def test_page_sizes_multiply_through_nesting(settings):
    # Given a cost limit just under one page of 100 posts with 100 comments each
    settings.GRAPHQL_MAX_COST = 10_099
    post = make_post(published=True)
    make_comment(post=post, body="Hello")
    query = "{ " + POSTS_WITH_COMMENTS + " }"

    # When the page is asked for, it costs 100 posts + 100 * 100 comments, one too many
    refused_status, refused = graphql(query)
    settings.GRAPHQL_MAX_COST = 10_100
    allowed_status, allowed = graphql(query)

    assert refused_status == 400
    assert refused["errors"][0]["message"] == (
        "The document costs 10100 (objects its lists may return); at most 10099 is allowed."
    )
    assert allowed_status == 200
    assert allowed == {"data": {"posts": {"items": [{"comments": [{"body": "Hello"}]}]}}}


def test_a_page_size_given_by_a_variable_counts_its_value():
    make_post(title="Only one", published=True)
    query = (
        "query Pages($posts: Int, $comments: Int) { "
        + " ".join(
            f"p{n}: posts(first: $posts) "
            "{ items { title comments(first: $comments) { body } } }"
            for n in range(2)
        )
        + " }"
    )

    small_status, small = graphql(query, posts=10, comments=10)
    large_status, large = graphql(query, posts=100, comments=100)

    assert small_status == 200
    assert small["data"]["p1"] == {"items": [{"title": "Only one", "comments": []}]}
    # 2 * (100 + 100 * 100)
    assert large_status == 400
    assert large == cost_refusal(20_200)


# --- caps checked before validation ---------------------------------------------------------


def test_a_document_over_the_token_cap_is_refused_while_parsing():
    # Given 500 repeated `me { id }`: 2,002 tokens
    query = "{" + " me { id }" * 500 + " }"

    status, body = graphql(query)

    assert status == 400
    assert body["errors"][0]["message"] == (
        "Syntax Error: Document contains more than 1000 tokens. Parsing aborted."
    )


def test_a_document_over_the_field_cap_is_refused_before_validation(django_assert_num_queries):
    # Given 201 repeated `me { id }`: 804 tokens, under the token cap, but 402 fields, whose
    # overlap check in validation grows with the square of their number
    query = "{" + " me { id }" * 201 + " }"

    with django_assert_num_queries(0):
        status, body = graphql(query)

    assert status == 400
    assert body == {
        "errors": [{"message": "The document has 402 fields; at most 200 are allowed."}]
    }


# --- production settings --------------------------------------------------------------------


def _under_production_settings(extra_env: dict[str, str]) -> dict:
    """What anonymous clients get from /graphql/ in a process on the production settings."""
    script = """
import json
from django.test import Client

client = Client(HTTP_HOST="keel.example.com", raise_request_exception=False)

def ask(query):
    response = client.post(
        "/graphql/", json.dumps({"query": query}), content_type="application/json", secure=True
    )
    return [response.status_code, response.json()]

page = client.get("/graphql/", HTTP_ACCEPT="text/html", secure=True)
print(json.dumps({
    "introspection": ask("{ __schema { queryType { name } } }"),
    "type": ask('{ __type(name: "Post") { name } }'),
    "typename": ask("{ __typename }"),
    "suggestion": ask("{ postz { items { title } } }"),
    "graphiql": [page.status_code, page["Content-Type"]],
}))
"""
    clean = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    env = {
        **clean,
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "keel.example.com",
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "REDIS_URL": settings.REDIS_URL,
        "REDIS_CACHE_URL": settings.REDIS_CACHE_URL,
        "EMAIL_URL": "smtp+tls://keel:secret@smtp.example.com:587",
        **extra_env,
    }
    return shell_json(script, env)


def test_production_hides_the_schema_introspection_suggestions_and_graphiql():
    answers = _under_production_settings({})

    assert answers["introspection"] == [
        400,
        {
            "errors": [
                {
                    "message": "Cannot query '__schema': introspection is disabled.",
                    "locations": [{"line": 1, "column": 3}],
                }
            ]
        },
    ]
    assert answers["type"][0] == 400
    assert answers["type"][1]["errors"][0]["message"] == (
        "Cannot query '__type': introspection is disabled."
    )
    assert answers["typename"] == [200, {"data": {"__typename": "Query"}}]
    # no "Did you mean 'posts'?"
    assert answers["suggestion"][1]["errors"][0]["message"] == (
        "Cannot query field 'postz' on type 'Query'."
    )
    assert answers["graphiql"] == [400, "application/json"]


def test_production_shows_the_schema_when_the_settings_say_so():
    answers = _under_production_settings(
        {"GRAPHQL_INTROSPECTION": "true", "GRAPHQL_SUGGESTIONS": "true", "GRAPHQL_GRAPHIQL": "true"}
    )

    assert answers["introspection"] == [
        200,
        {"data": {"__schema": {"queryType": {"name": "Query"}}}},
    ]
    assert answers["suggestion"][1]["errors"][0]["message"] == (
        "Cannot query field 'postz' on type 'Query'. Did you mean 'post' or 'posts'?"
    )
    assert answers["graphiql"] == [200, "text/html; charset=utf-8"]


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "after",
    [
        base64.urlsafe_b64encode(f"offset:{2**63}".encode()).decode(),
        base64.urlsafe_b64encode(f"offset:{10**30}".encode()).decode(),
        "%%%garbage",
    ],
)
def test_an_out_of_range_cursor_is_a_clean_error(after):
    query = "query Page($after: String) { posts(after: $after) { items { title } } }"

    status, body = graphql(query, after=after)

    assert status == 200
    assert body == {
        "errors": [
            {
                "message": "`after` is not a cursor this API gave out.",
                "locations": [{"line": 1, "column": 30}],
                "path": ["posts"],
            }
        ],
        "data": None,
    }


def test_a_database_error_in_a_resolver_is_an_internal_error_logged_with_its_traceback(caplog):
    # Given the posts table locked by another connection, and this one waiting 100 ms at most
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"],
        port=db["PORT"],
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=db["NAME"],
        options="-c lock_timeout=10s",
    ) as locker:
        locker.execute(f'LOCK TABLE "{Post._meta.db_table}" IN ACCESS EXCLUSIVE MODE')
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '100ms'")

        # When a client lists the posts, PostgreSQL cancels the query
        with caplog.at_level(logging.ERROR, logger="apps.api.graphql_errors"):
            status, body = graphql("{ posts { items { title } } }")

    # Then the client learns nothing of the database
    assert status == 200
    assert body == {
        "errors": [
            {
                "message": "Internal error.",
                "locations": [{"line": 1, "column": 3}],
                "path": ["posts"],
                "extensions": {"code": "internal_error"},
            }
        ],
        "data": None,
    }
    # and the server's log has the whole story
    [record] = caplog.records
    assert record.getMessage() == "GraphQL error at posts: OperationalError"
    assert "canceling statement due to lock timeout" in str(record.exc_info[1])


# --- bodies ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "body", "message"),
    [
        (
            "application/json",
            '{"query": "{ me { id } }", "variables": ' + "[" * 100_000 + "]" * 100_000 + "}",
            "The JSON body is nested too deeply.",
        ),
        ("application/json", b'{"query": "\xff"}', "The request body is not UTF-8."),
        ("application/graphql", b"{ me { id \xff } }", "The request body is not UTF-8."),
        (
            "application/json",
            '{"query": "{ me { id } }", "variables": 5}',
            "`variables` must be a JSON object.",
        ),
        (
            "application/json",
            '{"query": "{ me { id } }", "variables": [1]}',
            "`variables` must be a JSON object.",
        ),
        ("application/json", '{"query": 5}', "`query` must be a string."),
        (
            "application/json",
            '[{"query": "{ me { id } }"}]',
            "The received data is not a valid JSON query.",
        ),
    ],
    ids=[
        "deep",
        "json-not-utf-8",
        "graphql-not-utf-8",
        "variables-number",
        "variables-list",
        "query-number",
        "not-an-object",
    ],
)
def test_a_malformed_body_is_a_clean_400(content_type, body, message):
    response = client().post(URL, body, content_type=content_type)

    assert response.status_code == 400
    assert response.json() == {"errors": [{"message": message}]}
