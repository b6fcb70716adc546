"""The pages of posts and comments: feed, post page, writing, editing, publishing, drafts."""

import pytest

from apps.content.models import Comment, Post
from apps.events.models import OutboxEvent
from tests.accounts.factories import make_user
from tests.content.factories import make_comment, make_post

pytestmark = pytest.mark.django_db


# --- feed -----------------------------------------------------------------------------------


def test_feed_lists_published_posts_newest_first_and_never_drafts(client):
    author = make_user(display_name="Ada")
    older = make_post(author=author, title="Older news", published=True, tags=["django"])
    newer = make_post(author=author, title="Newer news", published=True)
    make_post(author=author, title="Secret draft")
    make_comment(post=older, body="First!")
    make_comment(post=older, body="Second!")

    response = client.get("/")

    assert response.status_code == 200
    page = response.text
    assert page.index("Newer news") < page.index("Older news")
    assert "Secret draft" not in page
    assert f'href="/posts/{older.slug}/"' in page
    assert f'href="/posts/{newer.slug}/"' in page
    assert 'By <span class="meta__author">Ada</span>' in page
    assert "2 comments" in page
    assert "0 comments" in page
    assert 'href="/?tag=django">#django</a>' in page


def test_feed_hides_drafts_even_from_their_author(client):
    author = make_user()
    make_post(author=author, title="Work in progress")
    client.force_login(author)

    response = client.get("/")

    assert "Work in progress" not in response.text
    assert "Nothing published yet." in response.text


def test_feed_filters_by_tag(client):
    make_post(title="About Django", tags=["django"], published=True)
    make_post(title="About Redis", tags=["redis"], published=True)

    response = client.get("/?tag=django")

    assert "About Django" in response.text
    assert "About Redis" not in response.text
    assert "Posts tagged" in response.text


def test_feed_paginates_ten_posts_a_page(client):
    author = make_user()
    for n in range(1, 13):
        make_post(author=author, title=f"Entry {n:02d}", published=True)

    first = client.get("/").text
    second = client.get("/?page=2").text

    assert "Entry 12" in first
    assert "Entry 03" in first
    assert "Entry 02" not in first
    assert "Page 1 of 2" in first
    assert "Entry 02" in second
    assert "Entry 01" in second
    assert "Entry 03" not in second


def test_feed_query_count_does_not_grow_with_posts(client, django_assert_max_num_queries):
    author = make_user()
    for n in range(10):
        post = make_post(author=author, title=f"Post {n}", tags=["a", "b"], published=True)
        make_comment(post=post)

    # Session-less visitor: count, page of posts with authors and comment counts, tags.
    with django_assert_max_num_queries(3):
        response = client.get("/")
    assert response.status_code == 200


# --- post page --------------------------------------------------------------------------------


def test_post_page_shows_body_tags_and_comments_oldest_first(client):
    post = make_post(title="Hello", body="Line one.\n\nLine two.", tags=["intro"], published=True)
    first = make_comment(post=post, author=make_user(display_name="Bea"), body="Nice <b>post</b>")
    second = make_comment(post=post, body="Agreed.")

    response = client.get(f"/posts/{post.slug}/")

    page = response.text
    assert response.status_code == 200
    assert "<p>Line one.</p>" in page
    assert "<p>Line two.</p>" in page
    assert "#intro" in page
    assert f'data-post-id="{post.pk}"' in page
    assert page.index(f'data-comment-id="{first.pk}"') < page.index(
        f'data-comment-id="{second.pk}"'
    )
    assert "Nice &lt;b&gt;post&lt;/b&gt;" in page
    assert "Bea" in page
    assert "live-comments.js" in page


def test_post_page_offers_the_comment_form_only_to_signed_in_users(client):
    post = make_post(published=True)

    anonymous = client.get(f"/posts/{post.slug}/").text
    client.force_login(make_user())
    member = client.get(f"/posts/{post.slug}/").text

    assert 'id="comment-form"' not in anonymous
    assert f'href="/accounts/signin/?next=/posts/{post.slug}/"' in anonymous
    assert 'id="comment-form"' in member


def test_post_page_of_someone_elses_draft_is_not_found(client):
    draft = make_post(title="Not yet")

    anonymous = client.get(f"/posts/{draft.slug}/")
    client.force_login(make_user())
    stranger = client.get(f"/posts/{draft.slug}/")

    assert anonymous.status_code == 404
    assert stranger.status_code == 404
    assert "Not yet" not in stranger.text
    assert "Page not found" in stranger.text


def test_author_sees_own_draft_with_publish_button_and_no_comments(client):
    draft = make_post(title="My draft")
    client.force_login(draft.author)

    response = client.get(f"/posts/{draft.slug}/")

    assert response.status_code == 200
    assert "My draft" in response.text
    assert 'data-testid="draft-badge"' in response.text
    assert f'action="/posts/{draft.slug}/publish/"' in response.text
    assert 'id="comment-form"' not in response.text
    assert "live-comments.js" not in response.text


def test_unknown_post_is_not_found(client):
    assert client.get("/posts/no-such-post/").status_code == 404


# --- writing ----------------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_sign_in_to_write(client):
    response = client.get("/posts/new/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/signin/?next=/posts/new/"


def test_writing_saves_a_draft_with_comma_separated_tags(client):
    author = make_user()
    client.force_login(author)

    response = client.post(
        "/posts/new/",
        {
            "title": "First words",
            "body": "Hello.",
            "tags": "Django, web dev, ,django",
            "action": "draft",
        },
    )

    post = Post.objects.get(author=author)
    assert response.status_code == 302
    assert response["Location"] == f"/posts/{post.slug}/"
    assert post.title == "First words"
    assert post.status == Post.Status.DRAFT
    assert sorted(post.tags.values_list("name", flat=True)) == ["django", "web-dev"]


def test_writing_and_publishing_at_once(client):
    author = make_user()
    client.force_login(author)

    client.post(
        "/posts/new/", {"title": "Straight out", "body": "", "tags": "", "action": "publish"}
    )

    post = Post.objects.get(author=author)
    assert post.is_published
    assert "Straight out" in client.get("/").text


def test_post_titled_new_does_not_hide_the_writing_page(client):
    author = make_user()
    client.force_login(author)

    client.post("/posts/new/", {"title": "New", "action": "publish"})

    post = Post.objects.get(author=author)
    assert post.slug != "new"
    assert '<h1 class="post__title">New</h1>' in client.get(f"/posts/{post.slug}/").text
    assert "Write a post" in client.get("/posts/new/").text


def test_blank_title_keeps_the_users_text_and_shows_the_error(client):
    author = make_user()
    client.force_login(author)

    response = client.post(
        "/posts/new/",
        {"title": "   ", "body": "A long body I do not want to lose.", "tags": "keep, these"},
    )

    assert response.status_code == 200
    assert "A title is required." in response.text
    assert "A long body I do not want to lose." in response.text
    assert 'value="keep, these"' in response.text
    assert not Post.objects.filter(author=author).exists()


def test_invalid_tag_keeps_the_users_text_and_shows_the_error(client):
    author = make_user()
    client.force_login(author)

    response = client.post(
        "/posts/new/", {"title": "Tagged", "body": "Body kept.", "tags": "good, bad_tag!"}
    )

    assert response.status_code == 200
    assert "Tag &#x27;bad_tag!&#x27; is not valid" in response.text
    assert 'value="Tagged"' in response.text
    assert "Body kept." in response.text
    assert not Post.objects.filter(author=author).exists()


# --- editing ----------------------------------------------------------------------------------


def test_author_edits_a_post(client):
    post = make_post(title="Before", body="Old body.", tags=["old"])
    client.force_login(post.author)

    form_page = client.get(f"/posts/{post.slug}/edit/")
    response = client.post(
        f"/posts/{post.slug}/edit/", {"title": "After", "body": "New body.", "tags": "new, fresh"}
    )

    assert 'value="Before"' in form_page.text
    assert 'value="old"' in form_page.text
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.title == "After"
    assert post.body == "New body."
    assert sorted(post.tags.values_list("name", flat=True)) == ["fresh", "new"]


def test_bad_edit_keeps_the_users_text_and_changes_nothing(client):
    post = make_post(title="Stable", body="Stored body.")
    client.force_login(post.author)

    response = client.post(
        f"/posts/{post.slug}/edit/", {"title": "", "body": "My unsaved rewrite.", "tags": ""}
    )

    assert response.status_code == 200
    assert "A title is required." in response.text
    assert "My unsaved rewrite." in response.text
    post.refresh_from_db()
    assert post.title == "Stable"
    assert post.body == "Stored body."


def test_editing_someone_elses_draft_is_not_found_and_changes_nothing(client):
    draft = make_post(title="Theirs", body="Their body.")
    client.force_login(make_user())

    page = client.get(f"/posts/{draft.slug}/edit/")
    attempt = client.post(
        f"/posts/{draft.slug}/edit/", {"title": "Hijacked", "body": "", "tags": ""}
    )

    assert page.status_code == 404
    assert attempt.status_code == 404
    draft.refresh_from_db()
    assert draft.title == "Theirs"
    assert draft.body == "Their body."


def test_editing_someone_elses_published_post_is_forbidden_and_changes_nothing(client):
    post = make_post(title="Public", body="Public body.", published=True)
    client.force_login(make_user())

    page = client.get(f"/posts/{post.slug}/edit/")
    attempt = client.post(
        f"/posts/{post.slug}/edit/", {"title": "Hijacked", "body": "", "tags": ""}
    )

    assert page.status_code == 403
    assert attempt.status_code == 403
    assert "Only the author of a post may change it." in attempt.text
    post.refresh_from_db()
    assert post.title == "Public"
    assert post.body == "Public body."


def test_anonymous_edit_is_sent_to_sign_in(client):
    post = make_post(published=True)

    response = client.post(f"/posts/{post.slug}/edit/", {"title": "Hijacked"})

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/signin/?next=/posts/{post.slug}/edit/"
    post.refresh_from_db()
    assert post.title != "Hijacked"


# --- publishing -------------------------------------------------------------------------------


def test_author_publishes_a_draft_and_it_reaches_the_feed(client):
    draft = make_post(title="Ready now")
    client.force_login(draft.author)

    response = client.post(f"/posts/{draft.slug}/publish/", follow=True)

    draft.refresh_from_db()
    assert response.redirect_chain == [(f"/posts/{draft.slug}/", 302)]
    assert "Your post is published." in response.text
    assert draft.is_published
    assert "Ready now" in client.get("/").text


def test_publishing_someone_elses_draft_is_not_found_and_changes_nothing(client):
    draft = make_post()
    client.force_login(make_user())

    response = client.post(f"/posts/{draft.slug}/publish/")

    assert response.status_code == 404
    draft.refresh_from_db()
    assert draft.status == Post.Status.DRAFT
    assert not OutboxEvent.objects.filter(event_type="post.published").exists()


def test_publishing_someone_elses_published_post_is_forbidden(client):
    post = make_post(published=True)
    published_at = post.published_at
    client.force_login(make_user())

    response = client.post(f"/posts/{post.slug}/publish/")

    assert response.status_code == 403
    post.refresh_from_db()
    assert post.published_at == published_at
    assert OutboxEvent.objects.filter(event_type="post.published").count() == 1


def test_publishing_twice_says_so(client):
    post = make_post(published=True)
    client.force_login(post.author)

    response = client.post(f"/posts/{post.slug}/publish/", follow=True)

    assert "This post is already published." in response.text
    assert OutboxEvent.objects.filter(event_type="post.published").count() == 1


def test_publish_by_get_is_refused(client):
    draft = make_post()
    client.force_login(draft.author)

    response = client.get(f"/posts/{draft.slug}/publish/")

    assert response.status_code == 405
    draft.refresh_from_db()
    assert draft.status == Post.Status.DRAFT


# --- comments ---------------------------------------------------------------------------------


def test_signed_in_user_comments_on_a_published_post(client):
    post = make_post(published=True)
    reader = make_user(display_name="Reader")
    client.force_login(reader)

    response = client.post(f"/posts/{post.slug}/comments/", {"body": "Well put."})

    comment = Comment.objects.get(post=post)
    assert response.status_code == 302
    assert response["Location"] == f"/posts/{post.slug}/#comment-{comment.pk}"
    assert comment.author == reader
    assert comment.body == "Well put."
    page = client.get(f"/posts/{post.slug}/").text
    assert f'data-comment-id="{comment.pk}"' in page
    assert "Well put." in page


def test_empty_comment_shows_the_error_and_saves_nothing(client):
    post = make_post(published=True)
    client.force_login(make_user())

    response = client.post(f"/posts/{post.slug}/comments/", {"body": "   "})

    assert response.status_code == 200
    assert "A comment cannot be empty." in response.text
    assert not Comment.objects.filter(post=post).exists()


def test_too_long_comment_keeps_the_users_text(client):
    post = make_post(published=True)
    client.force_login(make_user())
    long_text = "word " * 1001

    response = client.post(f"/posts/{post.slug}/comments/", {"body": long_text})

    assert "A comment has at most 5000 characters." in response.text
    assert long_text in response.text
    assert not Comment.objects.filter(post=post).exists()


def test_comment_on_own_draft_is_refused(client):
    draft = make_post()
    client.force_login(draft.author)

    response = client.post(f"/posts/{draft.slug}/comments/", {"body": "Note to self."}, follow=True)

    assert response.redirect_chain == [(f"/posts/{draft.slug}/", 302)]
    assert "Comments open once the post is published." in response.text
    assert not Comment.objects.filter(post=draft).exists()


def test_comment_on_someone_elses_draft_is_not_found(client):
    draft = make_post()
    client.force_login(make_user())

    response = client.post(f"/posts/{draft.slug}/comments/", {"body": "Sneaky."})

    assert response.status_code == 404
    assert not Comment.objects.filter(post=draft).exists()


def test_anonymous_comment_is_sent_to_sign_in(client):
    post = make_post(published=True)

    response = client.post(f"/posts/{post.slug}/comments/", {"body": "Drive-by."})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/signin/?next=")
    assert not Comment.objects.filter(post=post).exists()


# --- drafts -----------------------------------------------------------------------------------


def test_my_drafts_lists_only_my_drafts(client):
    me = make_user()
    make_post(author=me, title="My unfinished piece")
    make_post(author=me, title="My published piece", published=True)
    make_post(title="Someone else's draft")
    client.force_login(me)

    response = client.get("/drafts/")

    assert "My unfinished piece" in response.text
    assert "My published piece" not in response.text
    assert "Someone else&#x27;s draft" not in response.text


def test_my_drafts_needs_sign_in(client):
    response = client.get("/drafts/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/signin/?next=/drafts/"


# --- query counts -----------------------------------------------------------------------------


@pytest.mark.parametrize("comment_count", [1, 6])
def test_post_page_costs_seven_queries_whatever_its_comments_and_tags(
    client, django_assert_num_queries, comment_count
):
    post = make_post(tags=["one", "two", "three"], published=True)
    for n in range(comment_count):
        make_comment(post=post, author=make_user(display_name=f"Reader {n}"), body=f"Note {n}")
    client.force_login(make_user())

    # Session, user, the post with its author and comment count, its tags, the comments
    # with their authors; the viewer's model permissions, direct and through groups, read
    # once for all the comments' actions (apps/content/rules.py).
    with django_assert_num_queries(7):
        response = client.get(f"/posts/{post.slug}/")

    assert response.text.count("data-comment-id=") == comment_count
    assert f"Reader {comment_count - 1}" in response.text
    assert f"Note {comment_count - 1}" in response.text
    assert "#three" in response.text


@pytest.mark.parametrize("draft_count", [1, 6])
def test_drafts_page_costs_four_queries_whatever_its_drafts_and_tags(
    client, django_assert_num_queries, draft_count
):
    me = make_user(display_name="Drafter")
    for n in range(draft_count):
        make_post(author=me, title=f"Draft {n}", tags=[f"tag-{n}", "shared"])
    client.force_login(me)

    # Session, user, the drafts with their author, their tags.
    with django_assert_num_queries(4):
        response = client.get("/drafts/")

    assert response.text.count('class="post-summary"') == draft_count
    assert f"Draft {draft_count - 1}" in response.text
    assert f"#tag-{draft_count - 1}" in response.text
    assert response.text.count("#shared") == draft_count
