"""Bad input is a clean 4xx, never a 500 or database text: REST, web pages, GraphQL, /healthz."""

import base64
import json
import subprocess
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client, override_settings

from apps.accounts.services import issue_api_token
from apps.api.pagination import cursor_signer
from apps.content.models import Comment, Post
from tests.accounts.factories import PASSWORD, make_user
from tests.content.factories import make_comment, make_post
from tests.live import BIN, ROOT, free_port, stop, subprocess_env, wait_until

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
# C0 controls but tab, line feed and carriage return, and DEL: none may be stored.
CONTROL_CHARACTERS = ["\x00", "\x01", "\x08", "\x0b", "\x1b", "\x1f", "\x7f"]
DATABASE_WORDS = ("PostgreSQL", "NUL (0x00)", "psycopg", "Traceback", "Error:")


def client() -> Client:
    """A client that sees the response a user would, 500s included, instead of the exception."""
    return Client(raise_request_exception=False)


def token_headers(user) -> dict[str, str]:
    token = issue_api_token(email=user.email, password=PASSWORD)
    return {"HTTP_AUTHORIZATION": f"Token {token.key}"}


def post_json(url: str, body, *, user=None, method: str = "post"):
    headers = token_headers(user) if user is not None else {}
    content = body if isinstance(body, str | bytes) else json.dumps(body)
    return getattr(client(), method)(url, content, content_type="application/json", **headers)


def graphql(query: str, *, user, **variables) -> tuple[int, str]:
    response = post_json("/graphql/", {"query": query, "variables": variables}, user=user)
    return response.status_code, response.text


def cursor(**fields: str) -> str:
    """A cursor as DRF writes one: a query string, in base64."""
    return base64.b64encode(urlencode(fields).encode()).decode()


def signed(value: str) -> str:
    """A cursor signed with the server's key, as one the API gave out (an older release's,
    say) would be: its content is checked all the same."""
    return cursor_signer.sign(value)


# --- deep JSON ------------------------------------------------------------------------------


def test_json_nested_100000_deep_is_a_400_problem_and_saves_nothing():
    # Given an author and a JSON document nested 100,000 levels deep
    author = make_user()
    deep = "[" * 100_000 + "]" * 100_000

    # When they post it to the REST API
    response = post_json("/api/posts/", deep, user=author)

    # Then it is refused as unparseable JSON, in a problem document
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "parse_error"
    assert response.json()["detail"].startswith("JSON parse error")
    assert not Post.objects.filter(author=author).exists()


# --- bodies over the limit ------------------------------------------------------------------

FIVE_MB = 5 * 2**20


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/posts/"),
        ("patch", "/api/posts/{post}/"),
        ("post", "/api/posts/{post}/comments/"),
        ("post", "/api/auth/token/"),
        ("post", "/api/auth/signup/"),
        ("post", "/api/hello/"),
    ],
)
def test_a_5_mb_body_is_a_413_problem_on_every_api_endpoint(method, path):
    # Given an author, their published post, and a 5 MB JSON body
    author = make_user()
    post = make_post(author=author, published=True)
    body = json.dumps({"title": "Big", "body": "a" * FIVE_MB})

    # When it is sent to an API endpoint
    response = post_json(path.format(post=post.pk), body, user=author, method=method)

    # Then the answer is a 413 problem naming the limit, and nothing changed
    assert response.status_code == 413
    assert response["Content-Type"] == PROBLEM
    assert response.json() == {
        "type": "about:blank",
        "title": "Content Too Large",
        "status": 413,
        "detail": "The request body is larger than the 2621440 bytes this server accepts.",
        "code": "request_too_large",
    }
    assert Post.objects.get().body == "Body text."
    assert not Comment.objects.exists()


def test_a_5_mb_body_is_a_413_graphql_error_without_exception_text():
    author = make_user()
    query = 'mutation { createPost(input: {title: "Big"}) { post { id } } }'

    response = post_json("/graphql/", {"query": query, "padding": "a" * FIVE_MB}, user=author)

    assert response.status_code == 413
    assert response.json() == {
        "errors": [
            {"message": "The request body is larger than the 2621440 bytes this server accepts."}
        ]
    }
    assert not Post.objects.exists()


def test_a_5_mb_form_is_a_413_page():
    # Given a signed-in writer on the web
    web = client()
    web.force_login(make_user())

    # When their form is larger than the site accepts
    response = web.post("/posts/new/", {"title": "Big", "body": "a" * FIVE_MB})

    # Then a page says so, in words
    assert response.status_code == 413
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "larger than this site accepts (at most 2560 KiB)" in response.text
    assert not Post.objects.exists()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_the_body_limit_is_a_setting():
    author = make_user()

    small = post_json("/api/posts/", {"title": "Small", "body": "a" * 900}, user=author)
    large = post_json("/api/posts/", {"title": "Large", "body": "a" * 1000}, user=author)

    assert small.status_code == 201
    assert large.status_code == 413
    assert large.json()["detail"] == (
        "The request body is larger than the 1000 bytes this server accepts."
    )


def test_too_many_query_parameters_is_a_400_problem():
    # Django refuses more than DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000) parameters.
    query = "&".join(f"p{n}=1" for n in range(1_001))

    response = client().get(f"/api/posts/?{query}&tag=django")

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json() == {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": "The request could not be read.",
        "code": "bad_request",
    }


# --- cursors --------------------------------------------------------------------------------

BAD_CURSORS = {
    "not a date": "cD1ub3RhZGF0ZQ==",  # base64 of p=notadate
    "no such month": cursor(p="2026-13-01 00:00:00+00:00"),
    "before year 1 in UTC": cursor(p="0001-01-01 00:00:00+14:00"),
    "after year 9999 in UTC": cursor(p="9999-12-31 23:59:59-14:00"),
    "a date without a time zone": cursor(p="2026-01-01"),
    "a NUL in the position": cursor(p="\x00"),
    "a negative offset": cursor(o="-1"),
    "a direction that is no number": cursor(r="backwards"),
    "undecodable base64": "%%%not-base64",
    "base64 of bytes that are not text": base64.b64encode(b"\xff\xfe").decode(),
    "non-ASCII": "é",
}


@pytest.mark.parametrize("sign", [False, True], ids=["forged", "signed"])
@pytest.mark.parametrize("kind", BAD_CURSORS)
def test_a_bad_comment_cursor_is_a_404_invalid_cursor_problem(kind, sign):
    # Given a published post with a comment
    post = make_post(published=True)
    make_comment(post=post)
    bad = signed(BAD_CURSORS[kind]) if sign else BAD_CURSORS[kind]

    # When its comments are asked for with a cursor the API did not make
    response = client().get(f"/api/posts/{post.pk}/comments/", {"cursor": bad})

    # Then the answer is DRF's "Invalid cursor", as a problem
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.json()["detail"] == "Invalid cursor"


# A post cursor holds "<listed_at>,<id>"; the id must fit in a bigint.
BAD_POST_CURSORS = BAD_CURSORS | {
    "an id past bigint": cursor(p="2026-01-01 00:00:00+00:00,99999999999999999999999"),
    "an id that is no number": cursor(p="2026-01-01 00:00:00+00:00,one"),
}


@pytest.mark.parametrize("sign", [False, True], ids=["forged", "signed"])
@pytest.mark.parametrize("kind", BAD_POST_CURSORS)
def test_a_bad_post_cursor_is_a_404_invalid_cursor_problem(kind, sign):
    make_post(published=True)
    bad = signed(BAD_POST_CURSORS[kind]) if sign else BAD_POST_CURSORS[kind]

    response = client().get("/api/posts/", {"cursor": bad})

    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.json()["detail"] == "Invalid cursor"


def test_a_comment_cursor_with_a_huge_offset_reads_past_the_end():
    post = make_post(published=True)
    make_comment(post=post)
    huge = signed(cursor(o="9" * 30, p="2026-01-01 00:00:00+00:00"))

    response = client().get(f"/api/posts/{post.pk}/comments/", {"cursor": huge})

    assert response.status_code == 200
    assert response.json()["results"] == []


def test_cursors_the_api_made_still_page_through_comments():
    post = make_post(published=True)
    for n in range(3):
        make_comment(post=post, body=f"Comment {n}")

    first = client().get(f"/api/posts/{post.pk}/comments/", {"page_size": 2}).json()
    second = client().get(first["next"]).json()
    back = client().get(second["previous"]).json()

    assert [c["body"] for c in first["results"]] == ["Comment 0", "Comment 1"]
    assert [c["body"] for c in second["results"]] == ["Comment 2"]
    assert [c["body"] for c in back["results"]] == ["Comment 0", "Comment 1"]


def test_a_cursor_the_api_made_is_refused_once_altered():
    # Given the link to the second page of posts, as the API wrote it
    for n in range(3):
        make_post(title=f"Post {n}", published=True)
    next_link = client().get("/api/posts/", {"page_size": 2}).json()["next"]
    given = parse_qs(urlsplit(next_link).query)["cursor"][0]
    plain, signature = given.rsplit(":", 1)

    # When a client moves its position to one of its own choosing, keeping the signature
    moved = cursor(p="2030-01-01T00:00:00+00:00,1")
    response = client().get("/api/posts/", {"cursor": f"{moved}:{signature}"})

    # Then it is refused, while the cursor as given still reads the next page
    assert response.status_code == 404
    assert response.json()["detail"] == "Invalid cursor"
    assert base64.b64decode(plain).decode().startswith("p=")
    assert [p["title"] for p in client().get(next_link).json()["results"]] == ["Post 0"]


# --- control characters in text -------------------------------------------------------------


def _refusal_of(character: str, label: str) -> str:
    return (
        f"{label} cannot contain U+{ord(character):04X}: no control characters other than "
        f"tab and line breaks, and no unpaired surrogates."
    )


@pytest.mark.parametrize("character", CONTROL_CHARACTERS)
@pytest.mark.parametrize(
    ("field", "value"),
    [("title", "Hello{c}world"), ("body", "Some{c}text"), ("tags", ["we{c}b"])],
)
def test_rest_refuses_control_characters_in_every_post_field(field, value, character):
    # Given an author and a post whose one field holds a control character
    author = make_user()
    data = {"title": "A title"}
    data[field] = (
        [v.format(c=character) for v in value] if field == "tags" else value.format(c=character)
    )

    # When it is posted
    response = post_json("/api/posts/", data, user=author)

    # Then it is a 422 problem about that field, and nothing is saved
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert [error["field"].split(".")[0] for error in response.json()["errors"]] == [field]
    assert not Post.objects.exists()


@pytest.mark.parametrize("character", CONTROL_CHARACTERS)
def test_rest_refuses_control_characters_in_a_comment(character):
    post = make_post(published=True)

    response = post_json(
        f"/api/posts/{post.pk}/comments/", {"body": f"Hi{character}"}, user=make_user()
    )

    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert response.json()["errors"][0]["field"] == "body"
    assert not Comment.objects.exists()


def test_rest_refuses_control_characters_in_a_title_change():
    post = make_post(title="Before")

    response = post_json(
        f"/api/posts/{post.pk}/", {"title": "After\x1b[2J"}, user=post.author, method="patch"
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "title", "message": _refusal_of("\x1b", "A title"), "code": "invalid_content"}
    ]
    post.refresh_from_db()
    assert post.title == "Before"


def test_tabs_and_line_breaks_are_still_text():
    author = make_user()

    response = post_json(
        "/api/posts/", {"title": "Tabbed\there", "body": "Line one\r\nLine two"}, user=author
    )

    assert response.status_code == 201
    assert Post.objects.get().body == "Line one\r\nLine two"


@pytest.mark.parametrize("character", ["\x01", "\x1f", "\x7f"])
@pytest.mark.parametrize("field", ["title", "body", "tags"])
def test_the_post_form_shows_control_characters_as_a_field_error(field, character):
    # Given a signed-in writer whose form has a control character in one field
    web = client()
    web.force_login(make_user())
    form = {"title": "A title", "body": "Text", "tags": "web"}
    form[field] = f"bad{character}value"

    # When they save it
    response = web.post("/posts/new/", form)

    # Then the form comes back with the reason, and nothing is saved
    assert response.status_code == 200
    label = {"title": "A title", "body": "A body", "tags": "A tag"}[field]
    assert _refusal_of(character, label) in response.content.decode()
    assert not Post.objects.exists()


def test_the_post_form_refuses_a_nul():
    web = client()
    web.force_login(make_user())

    response = web.post("/posts/new/", {"title": "Nul\x00title", "body": "Text"})

    assert response.status_code == 200
    assert "Null characters are not allowed." in response.text
    assert not Post.objects.exists()


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x7f"])
def test_the_comment_form_refuses_control_characters(character):
    post = make_post(published=True)
    web = client()
    web.force_login(make_user())

    response = web.post(f"/posts/{post.slug}/comments/", {"body": f"Hi{character}there"})

    assert response.status_code == 200
    assert not Comment.objects.exists()


CREATE_POST = """
mutation Create($input: CreatePostInput!) {
  createPost(input: $input) { post { id } errors { field message code } }
}
"""
ADD_COMMENT = """
mutation Comment($postId: ID!, $body: String!) {
  addComment(postId: $postId, body: $body) { comment { id } errors { field message code } }
}
"""


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x7f"])
@pytest.mark.parametrize(
    ("field", "post_input"),
    [
        ("title", {"title": "Hello{c}"}),
        ("body", {"title": "Hello", "body": "Text{c}"}),
        ("tags", {"title": "Hello", "tags": ["web{c}"]}),
    ],
)
def test_graphql_create_post_refuses_control_characters_cleanly(field, post_input, character):
    # Given an API client and a post input with a control character in one field
    author = make_user()
    post_input = json.loads(json.dumps(post_input).replace("{c}", json.dumps(character)[1:-1]))

    # When it calls createPost over HTTP
    status, text = graphql(CREATE_POST, user=author, input=post_input)

    # Then the payload names the field, no database text shows, and nothing is saved
    assert status == 200
    payload = json.loads(text)["data"]["createPost"]
    assert payload["post"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, "invalid_content")]
    assert not any(word in text for word in DATABASE_WORDS)
    assert not Post.objects.exists()


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x7f"])
def test_graphql_add_comment_refuses_control_characters_cleanly(character):
    post = make_post(published=True)

    status, text = graphql(
        ADD_COMMENT, user=make_user(), postId=str(post.pk), body=f"Hi{character}"
    )

    assert status == 200
    payload = json.loads(text)["data"]["addComment"]
    assert payload == {
        "comment": None,
        "errors": [
            {
                "field": "body",
                "message": _refusal_of(character, "A comment"),
                "code": "invalid_content",
            }
        ],
    }
    assert not Comment.objects.exists()


# --- control characters in filters and page numbers -----------------------------------------


@pytest.mark.parametrize("tag", ["%00", "%01", "web%00", "%7F", "a" * 60])
def test_a_tag_filter_no_tag_can_have_shows_no_posts_on_the_web(tag):
    make_post(published=True, tags=["web"], title="Tagged")

    response = client().get(f"/?tag={tag}")

    assert response.status_code == 200
    assert "Tagged" not in response.text


@pytest.mark.parametrize("tag", ["%01", "we%1Fb", "%7F", "a" * 60])
def test_a_tag_filter_no_tag_can_have_matches_nothing_on_rest(tag):
    make_post(published=True, tags=["web"])

    response = client().get(f"/api/posts/?tag={tag}")

    assert response.status_code == 200
    assert response.json()["results"] == []


def test_a_nul_tag_filter_is_a_422_problem_on_rest():
    response = client().get("/api/posts/?tag=%00")

    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert response.json()["errors"][0]["field"] == "tag"


@pytest.mark.parametrize("tag", ["\x00", "\x01", "web\x7f"])
def test_a_tag_filter_no_tag_can_have_matches_nothing_on_graphql(tag):
    make_post(published=True, tags=["web"])
    query = "query Posts($tag: String) { posts(tag: $tag) { items { id } } }"

    status, text = graphql(query, user=make_user(), tag=tag)

    assert status == 200
    assert json.loads(text) == {"data": {"posts": {"items": []}}}


@pytest.mark.parametrize("page", ["%00", "%01", "1%00", "-1", "99999999999999999999"])
def test_a_page_number_with_control_characters_shows_a_feed_page(page):
    make_post(published=True, title="The only post")

    response = client().get(f"/?page={page}")

    assert response.status_code == 200
    assert "The only post" in response.text


@pytest.mark.parametrize("page_size", ["%00", "%01", "99999999999999999999"])
def test_a_page_size_with_control_characters_is_the_default_or_the_maximum(page_size):
    make_post(published=True)

    response = client().get(f"/api/posts/?page_size={page_size}")

    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


# --- /healthz -------------------------------------------------------------------------------


def test_healthz_names_the_failing_check_and_nothing_more(tmp_path):
    # Given a live server whose database cannot be reached (a closed port, a named role)
    closed_port = free_port()
    port = free_port()
    env = subprocess_env() | {
        "DATABASE_URL": f"postgres://secret_role@127.0.0.1:{closed_port}/keel_secret_db"
    }
    log = open(tmp_path / "server.log", "wb")  # noqa: SIM115
    server = subprocess.Popen(
        [
            *(str(BIN / "granian"), "--interface", "wsgi", "--workers", "1"),
            *("--host", "127.0.0.1", "--port", str(port), "config.wsgi:application"),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    answers = []

    def health_answers() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
                answers.append((answer.status, answer.read().decode()))
        except urllib.error.HTTPError as refusal:
            answers.append((refusal.code, refusal.read().decode()))
        except OSError:
            return False
        return True

    try:
        # When anyone asks it for its health
        assert wait_until(health_answers, timeout=30)
    finally:
        stop(server)
        log.close()

    # Then it says the database check fails, and nothing of the database's error
    status, body = answers[-1]
    assert status == 503
    assert json.loads(body) == {
        "status": "failing",
        "checks": {"database": "failing", "cache": "ok"},
    }
    for secret in (str(closed_port), "127.0.0.1", "secret_role", "keel_secret_db", "refused"):
        assert secret not in body
    # The error itself is in the server's log, for operators
    assert "Health check: the database is failing" in (tmp_path / "server.log").read_text()
