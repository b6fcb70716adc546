"""Bad input is a clean 4xx, never a 500 or database text: REST, web pages, GraphQL, /healthz."""

import base64
import json
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client, override_settings

from apps.accounts.models import User
from apps.accounts.services import issue_api_token
from apps.api.pagination import cursor_signer
from apps.content.models import Comment, Post, Tag
from tests.accounts.factories import PASSWORD, make_user
from tests.content.factories import make_comment, make_post
from tests.live import WsgiServer, free_port

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
# C0 controls but tab, line feed and carriage return, DEL, and C1 controls: none may be stored.
CONTROL_CHARACTERS = [
    "\x00",
    "\x01",
    "\x08",
    "\x0b",
    "\x1b",
    "\x1f",
    "\x7f",
    "\x80",
    "\x85",
    "\x9f",
]
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

    # Then it is refused as nested too deeply, in a problem document
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json() == {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": "The JSON body is nested too deeply.",
        "code": "parse_error",
    }
    assert not Post.objects.filter(author=author).exists()


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b'{"title": "\xff"}', "The body is not UTF-8."),
        (b'{"title": "\\ud800"}', "The body is not valid JSON."),
        (b'{"title": "Unclosed', "The body is not valid JSON."),
        (b"NaN", "The body is not valid JSON."),
    ],
    ids=["not utf-8", "unpaired surrogate escape", "unclosed", "nan"],
)
def test_a_body_that_is_no_json_is_a_400_problem_without_parser_text(body, detail):
    # Given an author and a body the JSON parser cannot read
    author = make_user()

    # When they post it
    response = post_json("/api/posts/", body, user=author)

    # Then the problem says what is wrong in fixed words, not the parser's (no line, column,
    # "str is not valid UTF-8: surrogates not allowed")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json()["detail"] == detail
    assert response.json()["code"] == "parse_error"
    assert "line 1" not in response.text
    assert not Post.objects.exists()


def test_a_body_not_in_its_declared_charset_is_a_400_problem_without_codec_text():
    response = client().generic(
        "POST",
        "/api/posts/",
        '{"title": "café"}'.encode(),
        content_type="application/json; charset=ascii",
        **token_headers(make_user()),
    )

    assert response.status_code == 400
    assert response.json()["detail"] == "The body is not in the charset its Content-Type names."
    assert "codec" not in response.text


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

TAG_FILTER_QUERY = "query Posts($tag: String) { posts(tag: $tag) { items { id } } }"


@pytest.mark.parametrize(
    ("tag", "character"),
    [("%01", "\x01"), ("web%1F", "\x1f"), ("%1F", "\x1f"), ("we%7Fb", "\x7f"), ("%C2%85", "\x85")],
)
def test_a_tag_filter_with_a_control_character_is_refused_with_a_message_on_the_web(tag, character):
    # Given a published post tagged "web"
    make_post(published=True, tags=["web"], title="Tagged")

    # When the feed is asked for a tag holding a control character
    response = client().get(f"/?tag={tag}")

    # Then the page says why, is a 400, and is not offered to the edge cache
    assert response.status_code == 400
    assert _refusal_of(character, "A tag") in response.text
    assert "Surrogate-Control" not in response
    assert "Posts tagged" not in response.text


@pytest.mark.parametrize(
    ("tag", "character"),
    [("%01", "\x01"), ("we%1Fb", "\x1f"), ("%1F", "\x1f"), ("%7F", "\x7f"), ("%C2%9F", "\x9f")],
)
def test_a_tag_filter_with_a_control_character_is_a_422_problem_on_rest(tag, character):
    make_post(published=True, tags=["web"])

    response = client().get(f"/api/posts/?tag={tag}")

    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert response.json()["errors"] == [
        {"field": "tag", "message": _refusal_of(character, "A tag"), "code": "invalid_content"}
    ]
    assert "Surrogate-Control" not in response


@pytest.mark.parametrize(
    ("tag", "character"),
    [("\x00", "\x00"), ("\x01", "\x01"), ("web\x7f", "\x7f"), ("\x85", "\x85")],
)
def test_a_tag_filter_with_a_control_character_is_an_error_on_graphql(tag, character):
    make_post(published=True, tags=["web"])

    status, text = graphql(TAG_FILTER_QUERY, user=make_user(), tag=tag)

    assert status == 200
    answer = json.loads(text)
    assert answer["data"] is None
    assert [(e["message"], e["extensions"]["code"]) for e in answer["errors"]] == [
        (_refusal_of(character, "A tag"), "invalid_content")
    ]
    assert not any(word in text for word in DATABASE_WORDS)


def test_a_tag_no_post_carries_or_no_tag_could_have_still_matches_nothing():
    # Given a published post tagged "web"
    make_post(published=True, tags=["web"], title="Tagged")
    too_long = "a" * 60

    # When each door is asked for a tag it does not carry, or one too long to be a tag
    for tag in ("unknown", too_long):
        page = client().get("/", {"tag": tag})
        rest = client().get("/api/posts/", {"tag": tag})
        status, text = graphql(TAG_FILTER_QUERY, user=make_user(), tag=tag)

        # Then each answers with no posts, and no error
        assert page.status_code == 200
        assert "Tagged" not in page.text
        assert "No published posts carry this tag yet." in page.text
        assert (rest.status_code, rest.json()["results"]) == (200, [])
        assert (status, json.loads(text)) == (200, {"data": {"posts": {"items": []}}})


@pytest.mark.parametrize("page", ["%01", "-1", "99999999999999999999"])
def test_a_page_number_with_control_characters_shows_a_feed_page(page):
    make_post(published=True, title="The only post")

    response = client().get(f"/?page={page}")

    assert response.status_code == 200
    assert "The only post" in response.text


@pytest.mark.parametrize("page_size", ["%01", "99999999999999999999"])
def test_a_page_size_with_control_characters_is_the_default_or_the_maximum(page_size):
    make_post(published=True)

    response = client().get(f"/api/posts/?page_size={page_size}")

    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


# --- NUL in a query string ------------------------------------------------------------------

NUL_REFUSAL = "The query string holds a NUL character (%00), which no parameter may contain."


def staff_client() -> Client:
    staff = client()
    staff.force_login(User.objects.create_superuser("staff@example.com", PASSWORD))
    return staff


@pytest.mark.parametrize(
    "query",
    ["status=%00", "status=draft%00", "q=%00", "tags__id__exact=%00", "%00=1", "o=%00"],
)
def test_nul_in_an_admin_changelist_query_is_a_400_page(query):
    # Given a staff member and a post
    make_post(published=True)

    # When they open the posts' changelist with a NUL in a filter, search or parameter name
    response = staff_client().get(f"/admin/content/post/?{query}")

    # Then a 400 page says why, instead of a 500 from the database
    assert response.status_code == 400
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert f"{NUL_REFUSAL} Please go back and try again." in response.text
    assert not any(word in response.text for word in DATABASE_WORDS)


@pytest.mark.parametrize("path", ["/?tag=%00", "/?page=1%00", "/?%00", "/posts/new/?x=a%00b"])
def test_nul_in_a_page_query_is_a_400_page(path):
    web = client()
    web.force_login(make_user())

    response = web.get(path)

    assert response.status_code == 400
    assert f"{NUL_REFUSAL} Please go back and try again." in response.text


@pytest.mark.parametrize(
    "path", ["/api/posts/?tag=%00", "/api/posts/?page_size=%00", "/api/posts/?cursor=%00"]
)
def test_nul_in_an_api_query_is_a_400_problem(path):
    response = client().get(path)

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json() == {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": NUL_REFUSAL,
        "code": "bad_request",
    }


def test_nul_in_a_graphql_query_string_is_a_400_graphql_error():
    response = client().get("/graphql/?query=%7Bposts(tag:%22%00%22)%7Bitems%7Bid%7D%7D%7D")

    assert response.status_code == 400
    assert response.json() == {"errors": [{"message": NUL_REFUSAL}]}


# --- the admin's edits ----------------------------------------------------------------------


def _post_change(post: Post, **changes) -> dict:
    """What a post's admin change page posts back, with `changes` applied."""
    return {
        "title": post.title,
        "body": post.body,
        "tags": [tag.pk for tag in post.tags.all()],
        "comments-TOTAL_FORMS": "0",
        "comments-INITIAL_FORMS": "0",
        **changes,
    }


@pytest.mark.parametrize("character", ["\x01", "\x1b", "\x7f", "\x85"])
@pytest.mark.parametrize(("field", "label"), [("title", "A title"), ("body", "A body")])
def test_the_post_admin_refuses_control_characters(field, label, character):
    # Given a staff member and a post
    post = make_post(title="Before", body="Body before.", published=True)

    # When they change the post's title or body to hold a control character
    response = staff_client().post(
        f"/admin/content/post/{post.pk}/change/",
        _post_change(post, **{field: f"Bad{character}value"}),
    )

    # Then the form comes back with the content rule's reason, and nothing is saved
    assert response.status_code == 200
    assert _refusal_of(character, label) in response.text
    post.refresh_from_db()
    assert (post.title, post.body) == ("Before", "Body before.")


def test_the_post_admin_keeps_to_the_tag_count():
    post = make_post(title="Before", published=True)
    tags = [Tag.objects.create(name=f"tag-{n}") for n in range(11)]

    response = staff_client().post(
        f"/admin/content/post/{post.pk}/change/",
        _post_change(post, title="After", tags=[tag.pk for tag in tags]),
    )

    assert response.status_code == 200
    assert "A post has at most 10 tags." in response.text
    post.refresh_from_db()
    assert (post.title, post.tags.count()) == ("Before", 0)


def test_the_post_admin_still_saves_plain_text():
    post = make_post(title="Before", published=True)

    response = staff_client().post(
        f"/admin/content/post/{post.pk}/change/",
        _post_change(post, title="  After  ", body="Line one\r\nLine\ttwo"),
    )

    assert response.status_code == 302
    post.refresh_from_db()
    assert (post.title, post.body) == ("After", "Line one\r\nLine\ttwo")


@pytest.mark.parametrize("character", ["\x01", "\x7f", "\x85"])
def test_the_comment_admin_refuses_control_characters(character):
    comment = make_comment(post=make_post(published=True), body="Before")

    response = staff_client().post(
        f"/admin/content/comment/{comment.pk}/change/", {"body": f"Bad{character}value"}
    )

    assert response.status_code == 200
    assert _refusal_of(character, "A comment") in response.text
    comment.refresh_from_db()
    assert comment.body == "Before"


@pytest.mark.parametrize("character", ["\x01", "\x7f", "\x9f"])
def test_the_tag_admin_refuses_control_characters(character):
    tag = Tag.objects.create(name="web")

    response = staff_client().post(
        f"/admin/content/tag/{tag.pk}/change/", {"name": f"we{character}b"}
    )

    assert response.status_code == 200
    assert _refusal_of(character, "A tag") in response.text
    tag.refresh_from_db()
    assert tag.name == "web"


def test_the_tag_admin_stores_names_as_the_rules_do():
    tag = Tag.objects.create(name="web")

    staff = staff_client()

    bad = staff.post(f"/admin/content/tag/{tag.pk}/change/", {"name": "web_dev!"})
    good = staff.post(f"/admin/content/tag/{tag.pk}/change/", {"name": "Web Dev"})

    assert bad.status_code == 200
    assert "is not valid: use letters, digits and hyphens" in bad.text
    assert good.status_code == 302
    tag.refresh_from_db()
    assert tag.name == "web-dev"


@pytest.mark.parametrize("character", ["\x01", "\x1b", "\x7f", "\x85"])
def test_the_user_admin_refuses_control_characters_in_a_display_name(character):
    # Given a user, and a staff member changing their display name to hold a control character
    user = make_user(display_name="Grace")
    data = {
        "email": user.email,
        "display_name": f"Gr{character}ace",
        "is_active": "on",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "last_login_0": "",
        "last_login_1": "",
    }

    # When the change is saved
    response = staff_client().post(f"/admin/accounts/user/{user.pk}/change/", data)

    # Then the form shows the display-name rule's reason, and the name is unchanged
    assert response.status_code == 200
    assert "The display name may not contain control characters." in response.text
    user.refresh_from_db()
    assert user.display_name == "Grace"


@pytest.mark.parametrize("character", ["\x80", "\x85", "\x9f"])
def test_sign_up_refuses_c1_controls_in_a_display_name(character):
    response = post_json(
        "/api/auth/signup/",
        {"email": "new@example.com", "password": PASSWORD, "display_name": f"An{character}n"},
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "display_name",
            "message": "The display name may not contain control characters.",
            "code": "invalid_display_name",
        }
    ]
    assert not User.objects.filter(email="new@example.com").exists()


# --- /healthz -------------------------------------------------------------------------------


def test_healthz_names_the_failing_check_and_nothing_more(tmp_path):
    # Given a live server whose database cannot be reached (a closed port, a named role)
    closed_port = free_port()
    env = {"DATABASE_URL": f"postgres://secret_role@127.0.0.1:{closed_port}/keel_secret_db"}
    server = WsgiServer(log_path=tmp_path / "server.log", env=env)
    try:
        # When anyone asks it for its health
        status, body = server.start(healthy=False).health()
    finally:
        server.stop()

    # Then it says the database check fails, and nothing of the database's error
    assert status == 503
    assert json.loads(body) == {
        "status": "failing",
        "checks": {"database": "failing", "cache": "ok"},
    }
    for secret in (str(closed_port), "127.0.0.1", "secret_role", "keel_secret_db", "refused"):
        assert secret not in body
    # The error itself is in the server's log, for operators
    assert "Health check: the database is failing" in (tmp_path / "server.log").read_text()
