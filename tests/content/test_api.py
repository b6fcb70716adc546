"""Posts and comments over REST: who sees and changes what, input checks, pagination."""

import re

import pytest
from django.core import mail
from rest_framework.test import APIClient

from apps.content.models import Comment, Post
from apps.content.services import publish_post
from apps.events.models import OutboxEvent
from tests.accounts.factories import PASSWORD, make_user
from tests.api.rest_client import PROBLEM, token_client
from tests.content.factories import make_comment, make_post

pytestmark = pytest.mark.django_db


def iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def titles(response) -> list[str]:
    return [post["title"] for post in response.json()["results"]]


# --- list -----------------------------------------------------------------------------------


def test_anonymous_list_shows_published_posts_newest_first_in_full():
    author = make_user(display_name="Ann")
    older = make_post(author=author, title="Older", published=True)
    newer = make_post(author=author, title="Newer", body="Fresh.", tags=["web"], published=True)
    make_post(author=author, title="Draft")
    make_comment(post=newer)
    newer.refresh_from_db()

    response = APIClient().get("/api/posts/")

    assert response.status_code == 200
    assert response.json()["next"] is None
    assert response.json()["previous"] is None
    assert titles(response) == ["Newer", "Older"]
    assert response.json()["results"][0] == {
        "id": newer.pk,
        "title": "Newer",
        "slug": "newer",
        "body": "Fresh.",
        "status": "published",
        "published_at": iso(newer.published_at),
        "created_at": iso(newer.created_at),
        "updated_at": iso(newer.updated_at),
        "author": {"id": author.pk, "name": "Ann"},
        "tags": ["web"],
        "comment_count": 1,
        "url": "http://testserver/posts/newer/",
    }
    assert older.pk == response.json()["results"][1]["id"]


def test_list_adds_your_own_drafts_but_never_others():
    me, other = make_user(), make_user()
    make_post(author=other, title="Their published", published=True)
    make_post(author=other, title="Their draft")
    make_post(author=me, title="My draft")

    response = token_client(me).get("/api/posts/")

    assert titles(response) == ["My draft", "Their published"]


def test_each_signed_in_reader_sees_their_own_drafts_in_list_and_detail():
    ann, bo = make_user(), make_user()
    anns_draft = make_post(author=ann, title="Ann's draft")
    bos_draft = make_post(author=bo, title="Bo's draft")
    make_post(author=ann, title="Published", published=True)

    # The same page shape for both readers: only the reader's id differs.
    ann_list = token_client(ann).get("/api/posts/")
    bo_list = token_client(bo).get("/api/posts/")
    anonymous_list = APIClient().get("/api/posts/")

    assert titles(ann_list) == ["Published", "Ann's draft"]
    assert titles(bo_list) == ["Published", "Bo's draft"]
    assert titles(anonymous_list) == ["Published"]
    assert token_client(ann).get(f"/api/posts/{anns_draft.pk}/").status_code == 200
    assert token_client(bo).get(f"/api/posts/{anns_draft.pk}/").status_code == 404
    assert token_client(bo).get(f"/api/posts/{bos_draft.pk}/").status_code == 200
    assert APIClient().get(f"/api/posts/{bos_draft.pk}/").status_code == 404


def test_list_filters_by_tag_and_by_mine():
    me, other = make_user(), make_user()
    make_post(author=other, title="Their django", tags=["django"], published=True)
    make_post(author=me, title="My rust", tags=["rust"], published=True)
    make_post(author=me, title="My django draft", tags=["django"])
    client = token_client(me)

    by_tag = client.get("/api/posts/", {"tag": "django"})
    mine = client.get("/api/posts/", {"mine": "true"})
    mine_by_tag = client.get("/api/posts/", {"mine": "true", "tag": "django"})

    assert titles(by_tag) == ["My django draft", "Their django"]
    assert titles(mine) == ["My django draft", "My rust"]
    assert titles(mine_by_tag) == ["My django draft"]


def test_mine_is_empty_for_anonymous_and_must_be_a_boolean():
    make_post(published=True)

    anonymous = APIClient().get("/api/posts/", {"mine": "true"})
    nonsense = APIClient().get("/api/posts/", {"mine": "perhaps"})

    assert anonymous.json()["results"] == []
    assert nonsense.status_code == 422
    assert nonsense.json()["errors"] == [
        {"field": "mine", "message": "Must be a valid boolean.", "code": "invalid"}
    ]


def test_list_pages_by_cursor_and_the_next_link_leads_on():
    author = make_user()
    for n in range(25):
        make_post(author=author, title=f"Post {n:02}", published=True)
    client = APIClient()

    first = client.get("/api/posts/")
    second = client.get(first.json()["next"])
    back = client.get(second.json()["previous"])

    assert titles(first) == [f"Post {n:02}" for n in range(24, 4, -1)]
    assert titles(second) == [f"Post {n:02}" for n in range(4, -1, -1)]
    assert second.json()["next"] is None
    assert titles(back) == titles(first)


def test_a_post_published_while_paging_does_not_shift_the_next_page():
    author = make_user()
    for n in range(5):
        make_post(author=author, title=f"Post {n}", published=True)
    client = APIClient()

    first = client.get("/api/posts/", {"page_size": 2})
    make_post(author=author, title="Breaking", published=True)
    second = client.get(first.json()["next"])
    fresh = client.get("/api/posts/", {"page_size": 2})

    assert titles(first) == ["Post 4", "Post 3"]
    assert titles(second) == ["Post 2", "Post 1"]
    assert titles(fresh) == ["Breaking", "Post 4"]


def test_posts_listed_at_the_same_moment_page_by_id_without_loss_or_repeat():
    author = make_user()
    posts = [make_post(author=author, title=f"Same {n}", published=True) for n in range(5)]
    moment = posts[0].published_at
    Post.objects.filter(pk__in=[p.pk for p in posts]).update(published_at=moment)
    client = APIClient()

    pages = [client.get("/api/posts/", {"page_size": 2})]
    while pages[-1].json()["next"]:
        pages.append(client.get(pages[-1].json()["next"]))
    back = client.get(pages[-1].json()["previous"])

    assert [titles(page) for page in pages] == [
        ["Same 4", "Same 3"],
        ["Same 2", "Same 1"],
        ["Same 0"],
    ]
    assert titles(back) == ["Same 2", "Same 1"]
    assert client.get(back.json()["previous"]).json()["previous"] is None


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64!",
        "cD1ub3QtYS1kYXRlLDE=",  # p=not-a-date,1
        "cD0yMDI2LTAxLTAxLHg=",  # p=2026-01-01,x
        "",  # no position at all
        "cj0x",  # r=1: backwards from nowhere
        # p=2026-01-01T00:00:00+00:00,99999999999999999999: an id no bigint holds
        "cD0yMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwLDk5OTk5OTk5OTk5OTk5OTk5OTk5",
    ],
)
def test_a_cursor_the_api_did_not_make_is_a_404_problem(cursor):
    make_post(title="Anything", published=True)

    response = APIClient().get("/api/posts/", {"cursor": cursor})

    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.json()["detail"] == "Invalid cursor"


def three_posts_paged_by_two(client):
    author = make_user()
    posts = [make_post(author=author, title=f"Post {n}", published=True) for n in range(3)]
    first = client.get("/api/posts/", {"page_size": 2})
    second = client.get(first.json()["next"])
    assert (titles(first), titles(second)) == (["Post 2", "Post 1"], ["Post 0"])
    return posts, first, second


def test_a_next_page_emptied_by_deletions_links_back_to_the_posts_left():
    client = APIClient()
    (oldest, _, _), first, _ = three_posts_paged_by_two(client)
    oldest.delete()

    emptied = client.get(first.json()["next"])
    back = client.get(emptied.json()["previous"])

    assert (titles(emptied), emptied.json()["next"]) == ([], None)
    assert titles(back) == ["Post 2", "Post 1"]
    assert back.json()["previous"] is None


def test_a_previous_page_emptied_by_deletions_leads_to_the_first_page():
    client = APIClient()
    (_, middle, newest), _, second = three_posts_paged_by_two(client)
    middle.delete()
    newest.delete()

    emptied = client.get(second.json()["previous"])
    top = client.get(emptied.json()["next"])

    assert (titles(emptied), emptied.json()["previous"]) == ([], None)
    assert "cursor=" not in emptied.json()["next"]
    assert titles(top) == ["Post 0"]


def test_page_size_is_chosen_by_the_client_up_to_100():
    author = make_user()
    for n in range(101):
        make_post(author=author, title=f"Post {n}", published=True)
    client = APIClient()

    small = client.get("/api/posts/", {"page_size": 3})
    capped = client.get("/api/posts/", {"page_size": 500})

    assert titles(small) == ["Post 100", "Post 99", "Post 98"]
    assert len(capped.json()["results"]) == 100
    assert capped.json()["next"] is not None


def test_drafts_page_among_published_posts_by_creation_time():
    author = make_user()
    early_draft = make_post(author=author, title="Written first, published last")
    make_post(author=author, title="Published early", published=True)
    make_post(author=author, title="Draft")
    publish_post(post=early_draft, actor=author)
    client = token_client(author)

    first = client.get("/api/posts/", {"page_size": 2})
    second = client.get(first.json()["next"])

    assert titles(first) == ["Written first, published last", "Draft"]
    assert titles(second) == ["Published early"]


@pytest.mark.parametrize("count", [3, 20])
def test_list_query_count_does_not_grow_with_the_page(count, django_assert_num_queries):
    for n in range(count):
        make_post(title=f"Post {n}", tags=["a", "b"], published=True)
    client = APIClient()

    # One query for the page: authors joined, comments counted, tag names gathered.
    with django_assert_num_queries(1):
        response = client.get("/api/posts/")

    assert len(response.json()["results"]) == count
    assert all(post["tags"] == ["a", "b"] for post in response.json()["results"])


def test_authenticated_list_adds_only_the_token_lookup(django_assert_num_queries):
    me = make_user()
    for n in range(5):
        make_post(author=me, title=f"Post {n}", tags=["a"])
    client = token_client(me)

    # The page, the token lookup and the token's use (written at most once a minute).
    with django_assert_num_queries(3):
        response = client.get("/api/posts/")

    assert len(response.json()["results"]) == 5


# --- create ---------------------------------------------------------------------------------


def test_create_makes_a_draft_of_the_caller():
    me = make_user(display_name="Ann")

    response = token_client(me).post(
        "/api/posts/",
        {"title": "Hello REST", "body": "First.", "tags": ["Django", "web dev"]},
        format="json",
    )

    post = Post.objects.get(author=me)
    assert response.status_code == 201
    assert response["Location"] == f"http://testserver/api/posts/{post.pk}/"
    body = response.json()
    assert (body["id"], body["title"], body["slug"], body["status"]) == (
        post.pk,
        "Hello REST",
        post.slug,  # private until publication
        "draft",
    )
    assert post.slug.startswith("_draft-")
    assert body["published_at"] is None
    assert body["author"] == {"id": me.pk, "name": "Ann"}
    assert body["tags"] == ["django", "web-dev"]
    assert body["comment_count"] == 0
    assert post.status == Post.Status.DRAFT


def test_anonymous_create_is_a_401_and_saves_nothing():
    response = APIClient().post("/api/posts/", {"title": "Hello"}, format="json")

    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert not Post.objects.exists()


def test_create_with_a_blank_title_is_a_422_on_title():
    me = make_user()

    response = token_client(me).post("/api/posts/", {"title": "  ", "body": "x"}, format="json")

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "title"
    assert response.json()["errors"][0]["message"] == "A title is required."
    assert not Post.objects.filter(author=me).exists()


def test_create_with_too_many_tags_is_a_422_on_tags():
    me = make_user()
    tags = [f"tag-{n}" for n in range(11)]

    response = token_client(me).post(
        "/api/posts/", {"title": "Tagged", "tags": tags}, format="json"
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "tags", "message": "A post has at most 10 tags.", "code": "invalid_content"}
    ]
    assert not Post.objects.filter(author=me).exists()


def test_create_with_a_malformed_tag_is_a_422_on_tags():
    me = make_user()

    response = token_client(me).post(
        "/api/posts/", {"title": "Tagged", "tags": ["c++"]}, format="json"
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "tags"
    assert response.json()["errors"][0]["message"].startswith("Tag 'c++' is not valid")


def test_create_with_an_overlong_title_is_a_422_on_title():
    response = token_client(make_user()).post("/api/posts/", {"title": "x" * 201}, format="json")

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "title",
            "message": "A title has at most 200 characters.",
            "code": "invalid_content",
        }
    ]


# --- retrieve -------------------------------------------------------------------------------


def test_retrieve_a_published_post_with_its_comment_count():
    post = make_post(title="Open", published=True)
    make_comment(post=post)
    make_comment(post=post)

    response = APIClient().get(f"/api/posts/{post.pk}/")

    assert response.status_code == 200
    assert response.json()["title"] == "Open"
    assert response.json()["comment_count"] == 2


def test_the_author_sees_their_draft():
    draft = make_post(title="Secret")

    response = token_client(draft.author).get(f"/api/posts/{draft.pk}/")

    assert response.status_code == 200
    assert response.json()["status"] == "draft"


def test_an_id_beyond_any_bigint_is_a_404_problem():
    response = APIClient().get(f"/api/posts/{2**63}/")

    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM


def test_someone_elses_draft_is_a_404_not_a_403():
    draft = make_post(title="Secret")

    as_other = token_client(make_user()).get(f"/api/posts/{draft.pk}/")
    as_anonymous = APIClient().get(f"/api/posts/{draft.pk}/")

    assert as_other.status_code == 404
    assert as_other.json()["code"] == "post_not_found"
    assert as_anonymous.status_code == 404
    assert as_anonymous.json() == as_other.json()


# --- update ---------------------------------------------------------------------------------


def test_author_patches_title_and_tags_and_keeps_the_body():
    post = make_post(title="Before", body="Kept.", tags=["old"])

    response = token_client(post.author).patch(
        f"/api/posts/{post.pk}/", {"title": "After", "tags": ["new", "fresh"]}, format="json"
    )

    post.refresh_from_db()
    assert response.status_code == 200
    assert response.json()["title"] == "After"
    assert response.json()["tags"] == ["fresh", "new"]
    assert (post.title, post.body) == ("After", "Kept.")


def test_patching_someone_elses_published_post_is_a_403_and_changes_nothing():
    post = make_post(title="Theirs", body="Original.", tags=["keep"], published=True)
    client = token_client(make_user())  # issuing the token is an event of its own
    events = OutboxEvent.objects.count()

    response = client.patch(
        f"/api/posts/{post.pk}/", {"title": "Mine", "tags": ["stolen"]}, format="json"
    )

    post.refresh_from_db()
    assert response.status_code == 403
    assert response.json()["code"] == "not_post_author"
    assert (post.title, post.body) == ("Theirs", "Original.")
    assert list(post.tags.values_list("name", flat=True)) == ["keep"]
    assert OutboxEvent.objects.count() == events


def test_patching_someone_elses_draft_is_a_404_and_changes_nothing():
    draft = make_post(title="Theirs")

    response = token_client(make_user()).patch(
        f"/api/posts/{draft.pk}/", {"title": "Mine"}, format="json"
    )

    draft.refresh_from_db()
    assert response.status_code == 404
    assert draft.title == "Theirs"


def test_anonymous_patch_is_a_401():
    post = make_post(title="Theirs", published=True)

    response = APIClient().patch(f"/api/posts/{post.pk}/", {"title": "Mine"}, format="json")

    post.refresh_from_db()
    assert response.status_code == 401
    assert post.title == "Theirs"


def test_patch_with_a_blank_title_is_a_422_and_changes_nothing():
    post = make_post(title="Before")

    response = token_client(post.author).patch(
        f"/api/posts/{post.pk}/", {"title": ""}, format="json"
    )

    post.refresh_from_db()
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "title"
    assert post.title == "Before"


# --- delete ---------------------------------------------------------------------------------


def test_author_deletes_their_post():
    post = make_post(published=True)

    response = token_client(post.author).delete(f"/api/posts/{post.pk}/")

    assert response.status_code == 204
    assert not Post.objects.filter(pk=post.pk).exists()


def test_deleting_someone_elses_post_is_a_403_or_404_and_keeps_it():
    published = make_post(published=True)
    draft = make_post()
    client = token_client(make_user())

    on_published = client.delete(f"/api/posts/{published.pk}/")
    on_draft = client.delete(f"/api/posts/{draft.pk}/")

    assert on_published.status_code == 403
    assert on_draft.status_code == 404
    assert Post.objects.filter(pk__in=[published.pk, draft.pk]).count() == 2


def test_anonymous_delete_is_a_401_and_keeps_the_post():
    post = make_post(published=True)

    response = APIClient().delete(f"/api/posts/{post.pk}/")

    assert response.status_code == 401
    assert Post.objects.filter(pk=post.pk).exists()


# --- publish --------------------------------------------------------------------------------


def test_author_publishes_a_draft_once():
    draft = make_post(title="Ready")
    client = token_client(draft.author)

    first = client.post(f"/api/posts/{draft.pk}/publish/")
    again = client.post(f"/api/posts/{draft.pk}/publish/")

    draft.refresh_from_db()
    assert first.status_code == 200
    assert first.json()["status"] == "published"
    assert first.json()["published_at"] == iso(draft.published_at)
    assert again.status_code == 409
    assert again.json()["code"] == "post_already_published"
    assert OutboxEvent.objects.filter(event_type="post.published").count() == 1


def test_publishing_someone_elses_draft_is_a_404_and_writes_no_event():
    draft = make_post()

    response = token_client(make_user()).post(f"/api/posts/{draft.pk}/publish/")

    draft.refresh_from_db()
    assert response.status_code == 404
    assert draft.status == Post.Status.DRAFT
    assert not OutboxEvent.objects.filter(event_type="post.published").exists()


def test_publishing_someone_elses_published_post_is_a_403_and_writes_no_event():
    post = make_post(published=True)
    published_at = post.published_at
    client = token_client(make_user())  # issuing the token is an event of its own
    events = OutboxEvent.objects.count()

    response = client.post(f"/api/posts/{post.pk}/publish/")

    post.refresh_from_db()
    assert response.status_code == 403
    assert post.published_at == published_at
    assert OutboxEvent.objects.count() == events


def test_anonymous_publish_is_a_401():
    draft = make_post()

    response = APIClient().post(f"/api/posts/{draft.pk}/publish/")

    draft.refresh_from_db()
    assert response.status_code == 401
    assert draft.status == Post.Status.DRAFT


# --- comments -------------------------------------------------------------------------------


def test_comments_list_oldest_first_by_cursor():
    post = make_post(published=True)
    commenter = make_user(display_name="Bo")
    for n in range(3):
        make_comment(post=post, author=commenter, body=f"Comment {n}")
    client = APIClient()

    first = client.get(f"/api/posts/{post.pk}/comments/", {"page_size": 2})
    second = client.get(first.json()["next"])

    first_comment = Comment.objects.get(body="Comment 0")
    assert first.status_code == 200
    assert first.json()["results"][0] == {
        "id": first_comment.pk,
        "body": "Comment 0",
        "author": {"id": commenter.pk, "name": "Bo"},
        "created_at": iso(first_comment.created_at),
    }
    assert [c["body"] for c in first.json()["results"]] == ["Comment 0", "Comment 1"]
    assert [c["body"] for c in second.json()["results"]] == ["Comment 2"]


def test_comment_on_a_published_post():
    post = make_post(published=True)
    me = make_user(display_name="Cy")

    response = token_client(me).post(
        f"/api/posts/{post.pk}/comments/", {"body": "  Nice post.  "}, format="json"
    )

    comment = Comment.objects.get(post=post)
    assert response.status_code == 201
    assert response.json() == {
        "id": comment.pk,
        "body": "Nice post.",
        "author": {"id": me.pk, "name": "Cy"},
        "created_at": iso(comment.created_at),
    }
    assert OutboxEvent.objects.filter(event_type="comment.created").count() == 1


def test_commenting_on_your_own_draft_is_a_409():
    draft = make_post()

    response = token_client(draft.author).post(
        f"/api/posts/{draft.pk}/comments/", {"body": "Early."}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "comments_closed"
    assert not Comment.objects.exists()


def test_comments_of_someone_elses_draft_are_a_404():
    draft = make_post()
    client = token_client(make_user())

    listed = client.get(f"/api/posts/{draft.pk}/comments/")
    added = client.post(f"/api/posts/{draft.pk}/comments/", {"body": "Hi"}, format="json")

    assert listed.status_code == 404
    assert added.status_code == 404
    assert not Comment.objects.exists()


def test_anonymous_comment_is_a_401():
    post = make_post(published=True)

    response = APIClient().post(f"/api/posts/{post.pk}/comments/", {"body": "Hi"}, format="json")

    assert response.status_code == 401
    assert not Comment.objects.exists()


def test_blank_comment_is_a_422_on_body():
    post = make_post(published=True)

    response = token_client(make_user()).post(
        f"/api/posts/{post.pk}/comments/", {"body": "   "}, format="json"
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "body", "message": "A comment cannot be empty.", "code": "invalid_content"}
    ]
    assert not Comment.objects.exists()


# --- end to end -----------------------------------------------------------------------------


def test_token_flow_from_sign_up_to_the_public_list():
    client = APIClient()

    signed_up = client.post(
        "/api/auth/signup/",
        {"email": "dee@example.com", "password": PASSWORD, "display_name": "Dee"},
        format="json",
    )
    # The sign-up e-mail's link verifies the address; the token needs it.
    verify_token = re.search(r"/accounts/verify/([^/\s]+)/", mail.outbox[0].body).group(1)
    client.post("/api/auth/verify/", {"token": verify_token}, format="json")
    token = client.post(
        "/api/auth/token/", {"email": "dee@example.com", "password": PASSWORD}, format="json"
    ).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    created = client.post("/api/posts/", {"title": "Hello world", "tags": ["intro"]}, format="json")
    hidden = APIClient().get("/api/posts/")
    published = client.post(f"/api/posts/{created.json()['id']}/publish/")
    public = APIClient().get("/api/posts/", {"tag": "intro"})

    assert signed_up.status_code == 202
    assert created.status_code == 201
    assert hidden.json()["results"] == []
    assert published.status_code == 200
    assert [(p["title"], p["author"]["name"], p["status"]) for p in public.json()["results"]] == [
        ("Hello world", "Dee", "published")
    ]
