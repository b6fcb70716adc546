"""One authorization model: every surface gives the same answer to the same question.

Four people walk every surface (web pages and forms, REST, GraphQL, the post's websocket,
the admin): the post's owner, another member, a moderator (the `moderator` role: may hide
comments on any post) and an anonymous visitor. For each act the table below says what
each of them is answered, in words every surface translates into its own (a status and a
code, a GraphQL error code, a close code), and the database says whether the act happened.
"""

import json
from dataclasses import dataclass

import pytest
from django.test import Client
from rest_framework.test import APIClient
from websockets.exceptions import ConnectionClosed

from apps.accounts.services import define_role, grant_role
from apps.content.models import Comment, Post
from apps.content.rules import MODERATOR_GROUP, MODERATOR_PERMISSIONS
from apps.content.selectors import posts_visible_to
from apps.events.models import OutboxEvent
from tests.accounts.factories import make_user
from tests.api.rest_client import token_client
from tests.content.factories import make_comment, make_post
from tests.websocket_client import open_post_socket, receive_first

pytestmark = pytest.mark.django_db

ROLES = ("owner", "other", "moderator", "anonymous")

# What each person is answered, whatever the surface.
ALLOWED = "allowed"
NOT_FOUND = "not found"  # hidden from them: as if it did not exist
SIGN_IN = "sign in first"
NOT_AUTHOR = "not_post_author"  # the code clients knew before the rules
NOT_ALLOWED = "not_allowed"
CLOSED = "comments_closed"

EXPECTED = {
    "read the draft": {
        "owner": ALLOWED,
        "other": NOT_FOUND,
        "moderator": NOT_FOUND,
        "anonymous": NOT_FOUND,
    },
    "edit the post": {
        "owner": ALLOWED,
        "other": NOT_AUTHOR,
        "moderator": NOT_AUTHOR,
        "anonymous": SIGN_IN,
    },
    "publish the draft": {
        "owner": ALLOWED,
        "other": NOT_FOUND,
        "moderator": NOT_FOUND,
        "anonymous": SIGN_IN,
    },
    "delete the post": {
        "owner": ALLOWED,
        "other": NOT_AUTHOR,
        "moderator": NOT_AUTHOR,
        "anonymous": SIGN_IN,
    },
    "comment on the post": {
        "owner": ALLOWED,
        "other": ALLOWED,
        "moderator": ALLOWED,
        "anonymous": SIGN_IN,
    },
    "comment on the draft": {
        "owner": CLOSED,
        "other": NOT_FOUND,
        "moderator": NOT_FOUND,
        "anonymous": SIGN_IN,
    },
    # The comment is `other`'s, on the owner's post.
    "hide the comment": {
        "owner": ALLOWED,
        "other": NOT_ALLOWED,
        "moderator": ALLOWED,
        "anonymous": SIGN_IN,
    },
    "delete the comment": {
        "owner": NOT_ALLOWED,
        "other": ALLOWED,
        "moderator": NOT_ALLOWED,
        "anonymous": SIGN_IN,
    },
}
CASES = [(act, role) for act, answers in EXPECTED.items() for role in answers]


@dataclass
class World:
    """The owner's published post with a comment by `other`, and the owner's draft."""

    owner: object
    other: object
    moderator: object
    post: Post
    draft: Post
    comment: Comment

    def user(self, role: str):
        return None if role == "anonymous" else getattr(self, role)


@pytest.fixture
def world() -> World:
    owner = make_user(display_name="Owner")
    other = make_user(display_name="Other")
    moderator = make_user(display_name="Moderator")
    define_role(name=MODERATOR_GROUP, permissions=MODERATOR_PERMISSIONS)
    grant_role(user=moderator, name=MODERATOR_GROUP)
    post = make_post(author=owner, title="Public post", published=True)
    return World(
        owner=owner,
        other=other,
        moderator=moderator,
        post=post,
        draft=make_post(author=owner, title="Private draft"),
        comment=make_comment(post=post, author=other, body="A remark."),
    )


def happened(act: str, world: World) -> bool:
    """Whether the act took effect, read from the database (and the outbox)."""
    if act == "read the draft":
        return False  # reading changes nothing; the answer says what was shown
    if act == "edit the post":
        return Post.objects.get(pk=world.post.pk).title == "Changed"
    if act == "publish the draft":
        return Post.objects.get(pk=world.draft.pk).is_published
    if act == "delete the post":
        gone = not Post.objects.filter(pk=world.post.pk).exists()
        assert gone == OutboxEvent.objects.filter(event_type="post.deleted").exists()
        return gone
    if act in ("comment on the post", "comment on the draft"):
        return Comment.objects.filter(body="New remark.").exists()
    if act == "hide the comment":
        hidden = Comment.objects.get(pk=world.comment.pk).hidden_at is not None
        assert hidden == OutboxEvent.objects.filter(event_type="comment.hidden").exists()
        return hidden
    if act == "delete the comment":
        gone = not Comment.objects.filter(pk=world.comment.pk).exists()
        assert gone == OutboxEvent.objects.filter(event_type="comment.deleted").exists()
        return gone
    raise AssertionError(act)


def expected_change(act: str, answer: str) -> bool:
    return answer == ALLOWED and act != "read the draft"


# --- web pages and forms ------------------------------------------------------------------------


def web_client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def web_act(act: str, world: World, client: Client):
    post, draft, comment = world.post, world.draft, world.comment
    if act == "read the draft":
        return client.get(f"/posts/{draft.slug}/")
    if act == "edit the post":
        return client.post(
            f"/posts/{post.slug}/edit/", {"title": "Changed", "body": "", "tags": ""}
        )
    if act == "publish the draft":
        return client.post(f"/posts/{draft.slug}/publish/")
    if act == "delete the post":
        return client.post(f"/posts/{post.slug}/delete/")
    if act == "comment on the post":
        return client.post(f"/posts/{post.slug}/comments/", {"body": "New remark."})
    if act == "comment on the draft":
        return client.post(f"/posts/{draft.slug}/comments/", {"body": "New remark."})
    if act == "hide the comment":
        return client.post(f"/posts/{post.slug}/comments/{comment.pk}/hide/")
    if act == "delete the comment":
        return client.post(f"/posts/{post.slug}/comments/{comment.pk}/delete/")
    raise AssertionError(act)


def web_answer(response) -> str:
    if response.status_code == 302 and response["Location"].startswith("/accounts/signin/"):
        return SIGN_IN
    if response.status_code in (200, 302):
        # The page of a draft says whose it is; a comment on a draft is sent back to the
        # post with the reason.
        if "Comments open once the post is published." in _followed_messages(response):
            return CLOSED
        return ALLOWED
    if response.status_code == 404:
        return NOT_FOUND
    if response.status_code == 403:
        text = response.text
        return NOT_AUTHOR if "Only the author of a post may change it." in text else NOT_ALLOWED
    raise AssertionError(f"unexpected answer {response.status_code}")


def _followed_messages(response) -> str:
    return " ".join(str(message) for message in response.wsgi_request._messages)


@pytest.mark.parametrize(("act", "role"), CASES)
def test_web_pages_and_forms(world, act, role):
    response = web_act(act, world, web_client(world.user(role)))

    assert web_answer(response) == EXPECTED[act][role]
    assert happened(act, world) == expected_change(act, EXPECTED[act][role])
    if act == "read the draft" and EXPECTED[act][role] == ALLOWED:
        assert "Private draft" in response.text


# --- REST ---------------------------------------------------------------------------------------


def rest_act(act: str, world: World, client: APIClient):
    post, draft, comment = world.post, world.draft, world.comment
    if act == "read the draft":
        return client.get(f"/api/posts/{draft.pk}/")
    if act == "edit the post":
        return client.patch(f"/api/posts/{post.pk}/", {"title": "Changed"}, format="json")
    if act == "publish the draft":
        return client.post(f"/api/posts/{draft.pk}/publish/")
    if act == "delete the post":
        return client.delete(f"/api/posts/{post.pk}/")
    if act == "comment on the post":
        return client.post(
            f"/api/posts/{post.pk}/comments/", {"body": "New remark."}, format="json"
        )
    if act == "comment on the draft":
        return client.post(
            f"/api/posts/{draft.pk}/comments/", {"body": "New remark."}, format="json"
        )
    if act == "hide the comment":
        return client.post(f"/api/comments/{comment.pk}/hide/")
    if act == "delete the comment":
        return client.delete(f"/api/comments/{comment.pk}/")
    raise AssertionError(act)


REST_ANSWERS = {
    # answer: (status, problem code); successes vary in status (200, 201, 204)
    NOT_FOUND: (404, {"post_not_found", "comment_not_found"}),
    SIGN_IN: (401, {"not_authenticated"}),
    NOT_AUTHOR: (403, {"not_post_author"}),
    NOT_ALLOWED: (403, {"not_allowed"}),
    CLOSED: (409, {"comments_closed"}),
}


@pytest.mark.parametrize(("act", "role"), CASES)
def test_rest(world, act, role):
    user = world.user(role)
    client = token_client(user) if user is not None else APIClient()

    response = rest_act(act, world, client)

    answer = EXPECTED[act][role]
    if answer == ALLOWED:
        assert response.status_code in (200, 201, 204)
    else:
        status, codes = REST_ANSWERS[answer]
        assert response.status_code == status
        assert response.json()["code"] in codes
    assert happened(act, world) == expected_change(act, answer)


# --- GraphQL ------------------------------------------------------------------------------------

GRAPHQL = {
    "read the draft": ("query($id: ID!) { post(id: $id) { title } }", "post"),
    "edit the post": (
        'mutation($id: ID!) { updatePost(input: {id: $id, title: "Changed"}) {'
        " post { title } errors { code } } }",
        "updatePost",
    ),
    "publish the draft": (
        "mutation($id: ID!) { publishPost(id: $id) { post { status } errors { code } } }",
        "publishPost",
    ),
    "delete the post": (
        "mutation($id: ID!) { deletePost(id: $id) { deletedId errors { code } } }",
        "deletePost",
    ),
    "comment on the post": (
        'mutation($id: ID!) { addComment(postId: $id, body: "New remark.") {'
        " comment { body } errors { code } } }",
        "addComment",
    ),
    "comment on the draft": (
        'mutation($id: ID!) { addComment(postId: $id, body: "New remark.") {'
        " comment { body } errors { code } } }",
        "addComment",
    ),
    "hide the comment": (
        "mutation($id: ID!) { hideComment(id: $id) { hiddenId errors { code } } }",
        "hideComment",
    ),
    "delete the comment": (
        "mutation($id: ID!) { deleteComment(id: $id) { deletedId errors { code } } }",
        "deleteComment",
    ),
}
GRAPHQL_CODES = {
    NOT_FOUND: {"post_not_found", "comment_not_found"},
    SIGN_IN: {"unauthenticated"},
    NOT_AUTHOR: {"not_post_author"},
    NOT_ALLOWED: {"not_allowed"},
    CLOSED: {"comments_closed"},
}


def graphql_target(act: str, world: World) -> int:
    if act in ("read the draft", "publish the draft", "comment on the draft"):
        return world.draft.pk
    if act in ("hide the comment", "delete the comment"):
        return world.comment.pk
    return world.post.pk


@pytest.mark.parametrize(("act", "role"), CASES)
def test_graphql(world, act, role):
    query, field = GRAPHQL[act]
    client = web_client(world.user(role))

    response = client.post(
        "/graphql/",
        json.dumps({"query": query, "variables": {"id": str(graphql_target(act, world))}}),
        content_type="application/json",
    )

    answer = EXPECTED[act][role]
    result = response.json()["data"][field]
    assert response.status_code == 200
    if act == "read the draft":
        # A query answers null for what the viewer may not see, without an error.
        assert result == ({"title": "Private draft"} if answer == ALLOWED else None)
    elif answer == ALLOWED:
        assert result["errors"] == []
    else:
        [error] = result["errors"]
        assert error["code"] in GRAPHQL_CODES[answer]
    assert happened(act, world) == expected_change(act, answer)


# --- what each surface offers: only the acts the viewer may do ---------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_post_page_shows_each_viewer_only_the_actions_they_may_take(world, role):
    page = web_client(world.user(role)).get(f"/posts/{world.post.slug}/").text

    shown = {
        "edit": f'href="/posts/{world.post.slug}/edit/"' in page,
        "delete post": 'data-testid="delete-post"' in page,
        "hide comment": 'data-testid="hide-comment"' in page,
        "delete comment": 'data-testid="delete-comment"' in page,
    }

    assert shown == {
        "edit": role == "owner",
        "delete post": role == "owner",
        "hide comment": role in ("owner", "moderator"),
        "delete comment": role == "other",
    }


@pytest.mark.parametrize("role", ROLES)
def test_graphql_tells_each_viewer_what_they_may_do(world, role):
    query = (
        "query($id: ID!) { post(id: $id) { viewerCanChange viewerCanPublish viewerCanDelete"
        " viewerCanComment comments { viewerCanHide viewerCanDelete } } }"
    )

    response = web_client(world.user(role)).post(
        "/graphql/",
        json.dumps({"query": query, "variables": {"id": str(world.post.pk)}}),
        content_type="application/json",
    )

    post = response.json()["data"]["post"]
    assert post == {
        "viewerCanChange": role == "owner",
        "viewerCanPublish": role == "owner",
        "viewerCanDelete": role == "owner",
        "viewerCanComment": role != "anonymous",
        "comments": [
            {"viewerCanHide": role in ("owner", "moderator"), "viewerCanDelete": role == "other"}
        ],
    }


# --- websocket ----------------------------------------------------------------------------------


def _socket_answer(server, post_id: int, user) -> str:
    with open_post_socket(server, post_id, user=user) as socket:
        try:
            socket.send('{"type": "ping"}')
            receive_first(socket, message_type="pong", timeout=5)
        except ConnectionClosed:
            assert socket.close_code == 4404
            return NOT_FOUND
    return ALLOWED


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ROLES)
def test_websocket_subscribe(asgi_server, world, role):
    # The draft's socket answers as its page does; the published post's opens for everyone.
    assert (
        _socket_answer(asgi_server, world.draft.pk, world.user(role))
        == (EXPECTED["read the draft"][role])
    )
    assert _socket_answer(asgi_server, world.post.pk, world.user(role)) == ALLOWED


# --- the admin ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_admin_is_closed_to_people_who_are_not_staff(world, role):
    client = web_client(world.user(role))
    comments = "/admin/content/comment/"

    answers = [
        client.get(f"/admin/content/post/{world.post.pk}/change/"),
        client.post(f"/admin/content/post/{world.post.pk}/delete/", {"post": "yes"}),
        client.post(comments, {"action": "hide_comments", "_selected_action": [world.comment.pk]}),
        client.post(f"/admin/content/comment/{world.comment.pk}/delete/", {"post": "yes"}),
    ]

    assert all(answer.status_code == 302 for answer in answers)
    assert all(answer["Location"].startswith("/admin/login/") for answer in answers)
    assert Post.objects.filter(pk=world.post.pk).exists()
    comment = Comment.objects.get(pk=world.comment.pk)
    assert comment.hidden_at is None


# --- the rule and the list filter agree ---------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_lists_show_exactly_the_posts_the_rule_lets_each_viewer_read(world, role):
    from django.contrib.auth.models import AnonymousUser

    user = world.user(role) or AnonymousUser()
    listed = set(posts_visible_to(user).values_list("pk", flat=True))
    readable = {post.pk for post in Post.objects.all() if user.has_perm("content.view_post", post)}

    assert listed == readable
