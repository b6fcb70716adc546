"""The admin writes through the content services: their rules, permissions and events hold."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from apps.accounts.services import create_account
from apps.content.models import Comment, Post, Tag
from apps.events.models import OutboxEvent
from tests.accounts.factories import PASSWORD, make_user
from tests.content.factories import make_comment, make_post

pytestmark = pytest.mark.django_db


def staff(*permissions: str, superuser: bool = False) -> Client:
    """A client signed in as a staff member holding these model permissions."""
    member = create_account(
        email=f"staff-{len(permissions)}-{superuser}@example.com",
        password=PASSWORD,
        is_staff=True,
        is_superuser=superuser,
    )
    for permission in permissions:
        app_label, codename = permission.split(".")
        member.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    client = Client()
    client.force_login(member)
    return client


def superuser() -> Client:
    return staff(superuser=True)


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


def events(event_type: str) -> list[dict]:
    return [event.payload for event in OutboxEvent.objects.filter(event_type=event_type)]


# --- saving ------------------------------------------------------------------------------------


def test_tags_chosen_in_the_admin_are_stored_as_the_tag_rules_name_them():
    # Given a tag stored under a name the rules would not give it (written around them)
    post = make_post(title="Tagged", tags=["kept"], published=True)
    stray = Tag.objects.create(name="Web Dev")
    before = Post.objects.get(pk=post.pk).updated_at

    # When staff give the post that tag in the admin
    response = superuser().post(
        f"/admin/content/post/{post.pk}/change/",
        _post_change(post, tags=[*[tag.pk for tag in post.tags.all()], stray.pk]),
    )

    # Then the post carries the tag under its rule name, saved by update_post
    post.refresh_from_db()
    assert response.status_code == 302
    assert sorted(post.tags.values_list("name", flat=True)) == ["kept", "web-dev"]
    assert post.updated_at > before


def test_the_admin_keeps_to_the_tag_count_and_saves_nothing():
    post = make_post(title="Before", tags=["kept"], published=True)
    tags = [Tag.objects.create(name=f"tag-{n}") for n in range(11)]

    response = superuser().post(
        f"/admin/content/post/{post.pk}/change/",
        _post_change(post, title="After", tags=[tag.pk for tag in tags]),
    )

    post.refresh_from_db()
    assert response.status_code == 200
    assert "A post has at most 10 tags." in response.text
    assert (post.title, list(post.tags.values_list("name", flat=True))) == ("Before", ["kept"])


def test_staff_holding_change_post_may_correct_anyones_post_and_others_may_not():
    post = make_post(title="Typo", published=True)

    editor = staff("content.view_post", "content.change_post").post(
        f"/admin/content/post/{post.pk}/change/", _post_change(post, title="Fixed")
    )
    viewer = staff("content.view_post").post(
        f"/admin/content/post/{post.pk}/change/", _post_change(post, title="Hijacked")
    )

    post.refresh_from_db()
    assert editor.status_code == 302
    assert viewer.status_code == 403
    assert post.title == "Fixed"


def test_a_staff_author_without_model_permissions_may_change_only_their_own_posts():
    author = create_account(email="writer@example.com", password=PASSWORD, is_staff=True)
    own = make_post(author=author, title="Mine", published=True)
    theirs = make_post(title="Theirs", published=True)
    client = Client()
    client.force_login(author)

    mine = client.post(f"/admin/content/post/{own.pk}/change/", _post_change(own, title="Mine!"))
    other = client.post(
        f"/admin/content/post/{theirs.pk}/change/", _post_change(theirs, title="Taken")
    )

    assert (mine.status_code, other.status_code) == (302, 403)
    assert Post.objects.get(pk=own.pk).title == "Mine!"
    assert Post.objects.get(pk=theirs.pk).title == "Theirs"


def test_a_comment_corrected_in_the_admin_keeps_to_the_comment_rules():
    comment = make_comment(body="Before")
    client = staff("content.view_comment", "content.change_comment")

    too_long = client.post(f"/admin/content/comment/{comment.pk}/change/", {"body": "x" * 5001})
    fixed = client.post(f"/admin/content/comment/{comment.pk}/change/", {"body": " After "})

    comment.refresh_from_db()
    assert too_long.status_code == 200
    assert "A comment has at most 5000 characters." in too_long.text
    assert fixed.status_code == 302
    assert comment.body == "After"


def test_tags_made_and_deleted_in_the_admin_go_through_the_services():
    client = staff("content.view_tag", "content.add_tag", "content.delete_tag")

    added = client.post("/admin/content/tag/add/", {"name": "Machine Learning"})
    tag = Tag.objects.get(name="machine-learning")
    post = make_post(tags=["machine-learning"], published=True)
    deleted = client.post(f"/admin/content/tag/{tag.pk}/delete/", {"post": "yes"})

    assert added.status_code == 302
    assert added["Location"] == "/admin/content/tag/"
    assert deleted.status_code == 302
    assert not Tag.objects.filter(name="machine-learning").exists()
    assert not post.tags.exists()


# --- deleting announces the deletion -----------------------------------------------------------


def test_deleting_a_post_in_the_admin_publishes_post_deleted():
    post = make_post(published=True)
    make_comment(post=post)

    response = superuser().post(f"/admin/content/post/{post.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Post.objects.filter(pk=post.pk).exists()
    assert events("post.deleted") == [
        {"post_id": post.pk, "author_id": post.author_id, "was_published": True}
    ]


def test_deleting_posts_in_bulk_in_the_admin_publishes_one_event_each():
    posts = [make_post(published=True), make_post()]

    response = superuser().post(
        "/admin/content/post/",
        {"action": "delete_selected", "_selected_action": [p.pk for p in posts], "post": "yes"},
    )

    assert response.status_code == 302
    assert not Post.objects.exists()
    assert sorted(event["post_id"] for event in events("post.deleted")) == sorted(
        p.pk for p in posts
    )


def test_deleting_a_comment_in_the_admin_publishes_comment_deleted():
    comment = make_comment()

    response = superuser().post(f"/admin/content/comment/{comment.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Comment.objects.filter(pk=comment.pk).exists()
    assert events("comment.deleted") == [{"comment_id": comment.pk, "post_id": comment.post_id}]


def test_deleting_a_comment_from_its_posts_page_publishes_comment_deleted():
    post = make_post(published=True)
    kept, spam = make_comment(post=post, body="Kind."), make_comment(post=post, body="Spam")

    response = superuser().post(
        f"/admin/content/post/{post.pk}/change/",
        {
            **_post_change(post),
            "comments-TOTAL_FORMS": "2",
            "comments-INITIAL_FORMS": "2",
            "comments-0-id": str(kept.pk),
            "comments-0-post": str(post.pk),
            "comments-1-id": str(spam.pk),
            "comments-1-post": str(post.pk),
            "comments-1-DELETE": "on",
        },
    )

    assert response.status_code == 302
    assert list(post.comments.values_list("body", flat=True)) == ["Kind."]
    assert events("comment.deleted") == [{"comment_id": spam.pk, "post_id": post.pk}]


def test_staff_without_delete_comment_cannot_delete_a_comment():
    comment = make_comment()

    response = staff("content.view_comment").post(
        f"/admin/content/comment/{comment.pk}/delete/", {"post": "yes"}
    )

    assert response.status_code == 403
    assert Comment.objects.filter(pk=comment.pk).exists()
    assert events("comment.deleted") == []


# --- hiding ------------------------------------------------------------------------------------


def test_a_staff_moderator_hides_comments_with_the_admin_action():
    comments = [make_comment(body="Rude."), make_comment(body="Ruder.")]
    kept = make_comment(body="Fine.")

    response = staff("content.view_comment", "content.hide_comment").post(
        "/admin/content/comment/",
        {"action": "hide_comments", "_selected_action": [c.pk for c in comments]},
        follow=True,
    )

    assert response.status_code == 200
    assert "2 comment(s) hidden." in response.text
    assert set(Comment.objects.filter(hidden_at__isnull=False).values_list("pk", flat=True)) == {
        c.pk for c in comments
    }
    assert Comment.objects.get(pk=kept.pk).hidden_at is None
    assert sorted(event["comment_id"] for event in events("comment.hidden")) == sorted(
        c.pk for c in comments
    )


def test_the_hide_action_is_offered_only_to_those_who_may_hide():
    make_comment()

    moderator = staff("content.view_comment", "content.hide_comment").get("/admin/content/comment/")
    viewer = staff("content.view_comment").get("/admin/content/comment/")

    assert 'value="hide_comments"' in moderator.text
    assert 'value="hide_comments"' not in viewer.text


def test_a_member_who_is_not_staff_never_reaches_the_admin():
    client = Client()
    client.force_login(make_user())

    response = client.get("/admin/content/comment/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
