"""The content part of the GraphQL API: posts, comments and their mutations, over HTTP."""

import json

import pytest
from django.test import Client

from apps.content.models import Comment, Post
from apps.events.models import OutboxEvent
from tests.accounts.factories import make_user
from tests.content.factories import make_comment, make_post
from tests.live import wait_until

pytestmark = pytest.mark.django_db

URL = "/graphql/"

POSTS = """
query Posts($first: Int, $after: String, $tag: String, $mine: Boolean) {
  posts(first: $first, after: $after, tag: $tag, mine: $mine) {
    items { title status author { name } tags commentCount comments { body author { name } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
POST = """
query Post($id: ID!) {
  post(id: $id) { id title slug body status publishedAt createdAt author { id name } tags
                  commentCount comments(first: 2) { body } }
}
"""
CREATE_POST = """
mutation Create($input: CreatePostInput!) {
  createPost(input: $input) { post { id title slug status tags } errors { field message code } }
}
"""
PUBLISH_POST = """
mutation Publish($id: ID!) {
  publishPost(id: $id) { post { id status publishedAt } errors { field message code } }
}
"""
ADD_COMMENT = """
mutation Comment($postId: ID!, $body: String!) {
  addComment(postId: $postId, body: $body) {
    comment { body author { name } } errors { field message code }
  }
}
"""


def graphql(client: Client, query: str, **variables) -> tuple[int, dict]:
    response = client.post(
        URL, json.dumps({"query": query, "variables": variables}), content_type="application/json"
    )
    return response.status_code, response.json()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def titles(body: dict) -> list[str]:
    return [item["title"] for item in body["data"]["posts"]["items"]]


# --- queries ------------------------------------------------------------------------------------


def test_posts_lists_published_posts_newest_first_with_author_tags_and_comments():
    author = make_user(display_name="Ada")
    older = make_post(author=author, title="Older", tags=["django"], published=True)
    make_post(author=author, title="Newer", tags=["web", "api"], published=True)
    make_comment(post=older, author=make_user(display_name="Bob"), body="First!")
    make_comment(post=older, author=author, body="Thanks.")

    status, body = graphql(Client(), POSTS)

    assert status == 200
    assert body["data"]["posts"] == {
        "items": [
            {
                "title": "Newer",
                "status": "PUBLISHED",
                "author": {"name": "Ada"},
                "tags": ["api", "web"],
                "commentCount": 0,
                "comments": [],
            },
            {
                "title": "Older",
                "status": "PUBLISHED",
                "author": {"name": "Ada"},
                "tags": ["django"],
                "commentCount": 2,
                "comments": [
                    {"body": "First!", "author": {"name": "Bob"}},
                    {"body": "Thanks.", "author": {"name": "Ada"}},
                ],
            },
        ],
        "pageInfo": {
            "hasNextPage": False,
            "endCursor": body["data"]["posts"]["pageInfo"]["endCursor"],
        },
    }


def test_posts_pages_through_every_post_once_with_the_cursor():
    for n in range(1, 6):
        make_post(title=f"Post {n}", published=True)
    client = Client()

    _, first_page = graphql(client, POSTS, first=2)
    cursor = first_page["data"]["posts"]["pageInfo"]["endCursor"]
    _, second_page = graphql(client, POSTS, first=2, after=cursor)
    cursor = second_page["data"]["posts"]["pageInfo"]["endCursor"]
    _, last_page = graphql(client, POSTS, first=2, after=cursor)

    assert titles(first_page) == ["Post 5", "Post 4"]
    assert first_page["data"]["posts"]["pageInfo"]["hasNextPage"] is True
    assert titles(second_page) == ["Post 3", "Post 2"]
    assert titles(last_page) == ["Post 1"]
    assert last_page["data"]["posts"]["pageInfo"]["hasNextPage"] is False


def test_posts_refuses_a_forged_cursor_and_an_oversized_page():
    client = Client()

    _, forged = graphql(client, POSTS, after="not-a-cursor")
    _, oversized = graphql(client, POSTS, first=101)

    assert forged["errors"][0]["message"] == "`after` is not a cursor this API gave out."
    assert oversized["errors"][0]["message"] == "`first` must be between 1 and 100."


def test_posts_with_an_explicit_null_page_size_uses_the_default():
    for n in range(21):
        make_post(title=f"Post {n}", published=True)

    _, body = graphql(Client(), POSTS, first=None)

    assert len(titles(body)) == 20
    assert body["data"]["posts"]["pageInfo"]["hasNextPage"] is True


def test_posts_shows_own_drafts_but_never_drafts_of_others():
    viewer = make_user()
    make_post(author=viewer, title="My draft")
    make_post(title="Their draft")
    make_post(title="Their published post", published=True)

    _, as_viewer = graphql(signed_in(viewer), POSTS)
    _, mine = graphql(signed_in(viewer), POSTS, mine=True)
    _, anonymous = graphql(Client(), POSTS)

    # newest first by when each appeared: the post was published after the draft was written
    assert titles(as_viewer) == ["Their published post", "My draft"]
    assert titles(mine) == ["My draft"]
    assert titles(anonymous) == ["Their published post"]


def test_posts_filters_by_tag():
    make_post(title="About Django", tags=["django"], published=True)
    make_post(title="About cooking", tags=["food"], published=True)

    _, body = graphql(Client(), POSTS, tag="django")

    assert titles(body) == ["About Django"]


@pytest.mark.parametrize("page_size", [1, 20])
def test_posts_costs_the_same_number_of_queries_whatever_the_page_size(
    page_size, django_assert_num_queries
):
    viewer = make_user()
    for n in range(20):
        post = make_post(title=f"Post {n}", tags=["one", "two"], published=True)
        make_comment(post=post, body=f"Comment on {n}")
        make_comment(post=post, body=f"Reply on {n}")
    client = signed_in(viewer)

    # session + user, then posts with authors and counts, their tags, their comments with authors
    with django_assert_num_queries(5):
        status, body = graphql(client, POSTS, first=page_size)

    assert status == 200
    items = body["data"]["posts"]["items"]
    assert len(items) == page_size
    assert all(item["commentCount"] == 2 and len(item["comments"]) == 2 for item in items)


def test_post_by_id_returns_the_post_with_its_first_comments_oldest_first():
    author = make_user(display_name="Ada")
    post = make_post(author=author, title="Hello World", body="Hi.", tags=["intro"], published=True)
    for text in ["one", "two", "three"]:
        make_comment(post=post, body=text)

    _, body = graphql(Client(), POST, id=str(post.pk))

    post.refresh_from_db()
    assert body["data"]["post"] == {
        "id": str(post.pk),
        "title": "Hello World",
        "slug": "hello-world",
        "body": "Hi.",
        "status": "PUBLISHED",
        "publishedAt": post.published_at.isoformat(),
        "createdAt": post.created_at.isoformat(),
        "author": {"id": str(author.pk), "name": "Ada"},
        "tags": ["intro"],
        "commentCount": 3,
        "comments": [{"body": "one"}, {"body": "two"}],
    }


@pytest.mark.parametrize("which", ["draft of someone else", "missing", "not a number", "huge"])
def test_post_by_id_is_null_when_hidden_or_missing_without_an_error(which):
    viewer = make_user()
    draft = make_post(title="Secret draft")
    ids = {
        "draft of someone else": str(draft.pk),
        "missing": str(draft.pk + 1000),
        "not a number": "abc",
        "huge": str(2**70),
    }

    status, body = graphql(signed_in(viewer), POST, id=ids[which])

    assert status == 200
    assert body == {"data": {"post": None}}


def test_post_by_id_shows_a_draft_to_its_author():
    author = make_user()
    draft = make_post(author=author, title="My draft")

    _, body = graphql(signed_in(author), POST, id=str(draft.pk))

    assert body["data"]["post"]["title"] == "My draft"
    assert body["data"]["post"]["status"] == "DRAFT"
    assert body["data"]["post"]["publishedAt"] is None


# --- mutations ----------------------------------------------------------------------------------


def test_create_post_makes_a_draft_of_the_viewer():
    author = make_user()

    _, body = graphql(
        signed_in(author),
        CREATE_POST,
        input={"title": "Hello World", "tags": ["Django", "web dev"]},
    )

    payload = body["data"]["createPost"]
    post = Post.objects.get(author=author)
    assert payload == {
        "post": {
            "id": str(post.pk),
            "title": "Hello World",
            "slug": post.slug,  # a draft's slug is private; the service chooses it
            "status": "DRAFT",
            "tags": ["django", "web-dev"],
        },
        "errors": [],
    }


def test_create_post_with_blank_title_reports_the_field_and_saves_nothing():
    author = make_user()

    status, body = graphql(signed_in(author), CREATE_POST, input={"title": "   "})

    assert status == 200
    assert body["data"]["createPost"] == {
        "post": None,
        "errors": [
            {"field": "title", "message": "A title is required.", "code": "invalid_content"}
        ],
    }
    assert not Post.objects.filter(author=author).exists()


@pytest.mark.parametrize(
    ("post_input", "expected"),
    [
        (
            # the service checks title, then body, then tags, and stops at the first
            {"title": "", "tags": ["no_underscores"]},
            {"field": "title", "message": "A title is required.", "code": "invalid_content"},
        ),
        (
            {"title": "Long", "body": "x" * 100_001},
            {
                "field": "body",
                "message": "A body has at most 100000 characters.",
                "code": "invalid_content",
            },
        ),
        (
            {"title": "Tagged", "tags": ["no_underscores"]},
            {
                "field": "tags",
                "message": "Tag 'no_underscores' is not valid: use letters, digits and hyphens, "
                "at most 50 characters.",
                "code": "invalid_content",
            },
        ),
        (
            {"title": "Tagged", "tags": [f"tag-{n}" for n in range(11)]},
            {"field": "tags", "message": "A post has at most 10 tags.", "code": "invalid_content"},
        ),
    ],
)
def test_create_post_reports_the_first_content_rule_broken_and_saves_nothing(post_input, expected):
    author = make_user()

    status, body = graphql(signed_in(author), CREATE_POST, input=post_input)

    assert status == 200
    assert body["data"]["createPost"] == {"post": None, "errors": [expected]}
    assert not Post.objects.filter(author=author).exists()


@pytest.mark.parametrize(
    ("mutation", "field"),
    [(CREATE_POST, "createPost"), (PUBLISH_POST, "publishPost"), (ADD_COMMENT, "addComment")],
)
def test_anonymous_mutations_are_refused_as_unauthenticated_and_change_nothing(mutation, field):
    post = make_post(title="Published", published=True)
    draft = make_post(title="Draft")
    comments_before = Comment.objects.count()
    events_before = OutboxEvent.objects.count()
    variables = {
        "createPost": {"input": {"title": "Sneaky"}},
        "publishPost": {"id": str(draft.pk)},
        "addComment": {"postId": str(post.pk), "body": "Anonymous words"},
    }[field]

    status, body = graphql(Client(), mutation, **variables)

    assert status == 200
    assert body["data"][field]["errors"] == [
        {"field": None, "message": "Sign in to do this.", "code": "unauthenticated"}
    ]
    assert Post.objects.count() == 2
    assert Post.objects.get(pk=draft.pk).status == Post.Status.DRAFT
    assert Comment.objects.count() == comments_before
    assert OutboxEvent.objects.count() == events_before


def test_publish_post_publishes_the_viewers_draft_and_writes_one_event():
    author = make_user()
    draft = make_post(author=author, title="Ready")

    _, body = graphql(signed_in(author), PUBLISH_POST, id=str(draft.pk))

    draft.refresh_from_db()
    assert body["data"]["publishPost"] == {
        "post": {
            "id": str(draft.pk),
            "status": "PUBLISHED",
            "publishedAt": draft.published_at.isoformat(),
        },
        "errors": [],
    }
    event = OutboxEvent.objects.get(event_type="post.published")
    assert event.payload["post_id"] == draft.pk
    assert event.actor_id == author.pk


def test_publish_post_of_someone_elses_draft_is_not_found_and_changes_nothing():
    intruder = make_user()
    draft = make_post(title="Not yours")

    _, body = graphql(signed_in(intruder), PUBLISH_POST, id=str(draft.pk))

    assert body["data"]["publishPost"] == {
        "post": None,
        "errors": [{"field": "id", "message": "No such post.", "code": "post_not_found"}],
    }
    draft.refresh_from_db()
    assert draft.status == Post.Status.DRAFT
    assert draft.published_at is None
    assert not OutboxEvent.objects.filter(event_type="post.published").exists()


def test_publish_post_of_someone_elses_published_post_is_refused_and_changes_nothing():
    intruder = make_user()
    post = make_post(title="Theirs", published=True)
    published_at = Post.objects.get(pk=post.pk).published_at
    events_before = OutboxEvent.objects.count()

    _, body = graphql(signed_in(intruder), PUBLISH_POST, id=str(post.pk))

    assert body["data"]["publishPost"]["errors"] == [
        {
            "field": None,
            "message": "Only the author of a post may change it.",
            "code": "not_post_author",
        }
    ]
    assert Post.objects.get(pk=post.pk).published_at == published_at
    assert OutboxEvent.objects.count() == events_before


def test_publish_post_twice_reports_already_published():
    author = make_user()
    post = make_post(author=author, published=True)

    _, body = graphql(signed_in(author), PUBLISH_POST, id=str(post.pk))

    assert body["data"]["publishPost"]["errors"] == [
        {
            "field": None,
            "message": "This post is already published.",
            "code": "post_already_published",
        }
    ]
    assert OutboxEvent.objects.filter(event_type="post.published").count() == 1


def test_add_comment_comments_on_a_published_post():
    commenter = make_user(display_name="Bob")
    post = make_post(published=True)

    _, body = graphql(signed_in(commenter), ADD_COMMENT, postId=str(post.pk), body="  Nice post.  ")

    assert body["data"]["addComment"] == {
        "comment": {"body": "Nice post.", "author": {"name": "Bob"}},
        "errors": [],
    }
    assert list(post.comments.values_list("body", flat=True)) == ["Nice post."]
    assert OutboxEvent.objects.filter(event_type="comment.created").count() == 1


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        (
            "blank body",
            {"field": "body", "message": "A comment cannot be empty.", "code": "invalid_content"},
        ),
        (
            "own draft",
            {
                "field": None,
                "message": "Comments open once the post is published.",
                "code": "comments_closed",
            },
        ),
        (
            "draft of someone else",
            {"field": "postId", "message": "No such post.", "code": "post_not_found"},
        ),
        ("missing post", {"field": "postId", "message": "No such post.", "code": "post_not_found"}),
    ],
)
def test_add_comment_reports_why_nothing_was_added(case, expected):
    commenter = make_user()
    post_id = {
        "blank body": lambda: make_post(published=True).pk,
        "own draft": lambda: make_post(author=commenter).pk,
        "draft of someone else": lambda: make_post().pk,
        "missing post": lambda: 999_999,
    }[case]()
    text = "   " if case == "blank body" else "Hello"

    _, body = graphql(signed_in(commenter), ADD_COMMENT, postId=str(post_id), body=text)

    assert body["data"]["addComment"] == {"comment": None, "errors": [expected]}
    assert not Comment.objects.exists()
    assert not OutboxEvent.objects.filter(event_type="comment.created").exists()


PUBLISH_THEN_COMMENT = """
mutation PublishThenComment($postId: ID!, $draftId: ID!) {
  publishPost(id: $postId) { post { status } errors { code } }
  addComment(postId: $draftId, body: "Too early") { comment { body } errors { field code } }
}
"""


@pytest.mark.django_db(transaction=True)
def test_a_failed_mutation_leaves_nothing_and_the_request_commits_the_others(celery_worker):
    # Real commits (transaction=True) and a real worker: the event is dispatched only if the
    # request's transaction committed before the dispatch task looked for the event's row.
    author = make_user()
    post = make_post(author=author, title="Ready")
    other_draft = make_post(author=author, title="Not yet")

    status, body = graphql(
        signed_in(author), PUBLISH_THEN_COMMENT, postId=str(post.pk), draftId=str(other_draft.pk)
    )

    assert status == 200
    assert body["data"] == {
        "publishPost": {"post": {"status": "PUBLISHED"}, "errors": []},
        "addComment": {
            "comment": None,
            "errors": [{"field": None, "code": "comments_closed"}],
        },
    }
    assert Post.objects.get(pk=post.pk).status == Post.Status.PUBLISHED
    assert Post.objects.get(pk=other_draft.pk).status == Post.Status.DRAFT
    assert not Comment.objects.exists()
    assert not OutboxEvent.objects.filter(event_type="comment.created").exists()
    event = OutboxEvent.objects.get(event_type="post.published")
    assert event.payload["post_id"] == post.pk
    assert wait_until(
        lambda: OutboxEvent.objects.filter(pk=event.pk, dispatched_at__isnull=False).exists()
    )


# --- limits -------------------------------------------------------------------------------------


def test_an_operation_deeper_than_the_limit_is_refused(settings):
    settings.GRAPHQL_MAX_DEPTH = 3
    make_post(published=True)

    status, body = graphql(Client(), "{ posts { items { comments { author { name } } } } }")

    assert status == 400
    assert body == {
        "errors": [
            {
                "message": "'anonymous' exceeds maximum operation depth of 3.",
                "locations": [{"line": 1, "column": 39}],
            }
        ]
    }


def test_the_deepest_operation_of_the_schema_passes_the_default_limit():
    make_comment(body="Deep enough")

    status, body = graphql(Client(), "{ posts { items { comments { author { name } } } } }")

    assert status == 200
    assert body["data"]["posts"]["items"][0]["comments"][0]["author"]["name"].startswith("user")


def test_the_spec_validation_rules_still_apply_next_to_the_depth_limit():
    status, body = graphql(Client(), "{ posts { items { secret } } }")

    assert status == 400
    assert body["errors"][0]["message"] == "Cannot query field 'secret' on type 'Post'."


def aliased_posts(count: int) -> str:
    return (
        "{ "
        + " ".join(f"p{n}: posts(first: 1) {{ items {{ title }} }}" for n in range(count))
        + " }"
    )


def test_a_document_with_more_aliases_than_the_limit_is_refused_before_it_runs(
    django_assert_num_queries,
):
    make_post(title="Only one", published=True)

    # refused during validation: not one SQL query runs
    with django_assert_num_queries(0):
        status, body = graphql(Client(), aliased_posts(31))

    assert status == 400
    assert body == {
        "errors": [
            {
                "message": "The document uses 31 aliases; at most 30 are allowed.",
                "locations": [{"line": 1, "column": 1}],
            }
        ]
    }


def test_a_document_with_as_many_aliases_as_the_limit_runs():
    make_post(title="Only one", published=True)

    status, body = graphql(Client(), aliased_posts(30))

    assert status == 200
    assert len(body["data"]) == 30
    assert body["data"]["p29"] == {"items": [{"title": "Only one"}]}


def test_the_alias_limit_is_read_from_the_settings_on_each_request(settings):
    settings.GRAPHQL_MAX_ALIASES = 2

    status, body = graphql(Client(), aliased_posts(3))

    assert status == 400
    assert body["errors"][0]["message"] == "The document uses 3 aliases; at most 2 are allowed."


def test_aliases_count_each_time_their_fragment_is_spread():
    post = make_post(title="Shown twice", published=True)
    titles_fragment = "fragment Titles on Post { " + " ".join(f"t{n}: title" for n in range(14))
    query = (
        "query Twice($id: ID!) { a: post(id: $id) { ...Titles } b: post(id: $id) { ...Titles } } "
    )

    # 2 + 2 * 14 = 30 aliases pass; one more in the fragment makes 32
    at_limit_status, at_limit = graphql(Client(), query + titles_fragment + " }", id=str(post.pk))
    over_status, over = graphql(
        Client(), query + titles_fragment + " t14: title }", id=str(post.pk)
    )

    assert at_limit_status == 200
    assert at_limit["data"]["b"]["t13"] == "Shown twice"
    assert over_status == 400
    assert over["errors"][0]["message"] == "The document uses 32 aliases; at most 30 are allowed."


def test_one_page_of_100_posts_with_100_comments_each_passes_the_default_cost_limit():
    post = make_post(title="Only one", published=True)
    make_comment(post=post, body="Hello")

    status, body = graphql(
        Client(), "{ posts(first: 100) { items { title comments(first: 100) { body } } } }"
    )

    assert status == 200
    assert body["data"]["posts"]["items"] == [
        {"title": "Only one", "comments": [{"body": "Hello"}]}
    ]


def test_a_fragments_page_sizes_count_each_time_it_is_spread(settings):
    settings.GRAPHQL_MAX_COST = 219
    query = (
        "{ a: posts(first: 10) { items { ...Comments } } "
        "b: posts(first: 10) { items { ...Comments } } }"
        " fragment Comments on Post { comments(first: 10) { body } }"
    )

    status, body = graphql(Client(), query)

    # 2 * (10 posts + 10 * 10 comments)
    assert status == 400
    assert body["errors"][0]["message"] == (
        "The document costs 220 (objects its lists may return); at most 219 is allowed."
    )


def test_a_page_size_over_the_maximum_counts_as_the_maximum_and_gets_the_fields_error(settings):
    settings.GRAPHQL_MAX_COST = 100
    make_post(published=True)

    status, body = graphql(
        Client(), POSTS.replace("comments {", "comments(first: 0) {"), first=5000
    )

    assert status == 200
    assert body["errors"][0]["message"] == "`first` must be between 1 and 100."


def test_the_spec_validation_rules_still_apply_next_to_the_alias_limit():
    query = aliased_posts(31).replace("p0: posts(first: 1) { items { title } }", "p0: secret")

    status, body = graphql(Client(), query)

    assert status == 400
    assert sorted(error["message"] for error in body["errors"]) == [
        "Cannot query field 'secret' on type 'Query'.",
        "The document uses 31 aliases; at most 30 are allowed.",
    ]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("{ ...Missing }", "Unknown fragment 'Missing'."),
        (
            "{ ...Loop } fragment Loop on Query { ...Loop }",
            "Cannot spread fragment 'Loop' within itself.",
        ),
        (
            "{ a: posts { items { title } } ...Ping } "
            "fragment Ping on Query { b: me { id } ...Pong } "
            "fragment Pong on Query { c: me { id } ...Ping }",
            "Cannot spread fragment 'Ping' within itself via 'Pong'.",
        ),
    ],
)
def test_broken_fragments_are_reported_not_crashed_on(query, message):
    status, body = graphql(Client(), query)

    assert status == 400
    assert message in [error["message"] for error in body["errors"]]


def test_mutations_over_get_are_refused():
    user = make_user()
    client = signed_in(user)

    response = client.get(
        URL,
        {"query": 'mutation { createPost(input: {title: "Via GET"}) { errors { code } } }'},
        HTTP_ACCEPT="application/json",
    )

    assert response.status_code == 405
    assert not Post.objects.exists()


def test_batched_requests_are_refused():
    make_post(published=True)

    response = Client().post(
        URL,
        json.dumps([{"query": "{ me { id } }"}, {"query": "{ me { id } }"}]),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "errors": [{"message": "The received data is not a valid JSON query."}]
    }
