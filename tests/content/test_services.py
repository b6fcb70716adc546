import pytest
from django.contrib.auth.models import AnonymousUser, Permission

from apps.accounts.services import create_account, define_role, grant_role
from apps.content.errors import CommentsClosed, InvalidContent, NotPostAuthor, PostAlreadyPublished
from apps.content.models import Comment, Post, Tag
from apps.content.rules import MODERATOR_GROUP, MODERATOR_PERMISSIONS
from apps.content.services import (
    add_comment,
    delete_comment,
    delete_post,
    delete_tag,
    hide_comment,
    publish_post,
    save_tag,
    update_comment,
    update_post,
)
from apps.events.models import OutboxEvent
from apps.kernel.errors import NotAllowed, NotSignedIn
from tests.accounts.factories import make_user
from tests.content.factories import make_comment, make_post

pytestmark = pytest.mark.django_db


def test_create_post_makes_a_draft_with_a_private_slug_and_clean_tags():
    draft = make_post(title="Hello World", tags=["Django", "django", " web dev "])

    assert draft.status == Post.Status.DRAFT
    assert draft.slug.startswith("_draft-")
    assert "hello" not in draft.slug
    assert sorted(draft.tags.values_list("name", flat=True)) == ["django", "web-dev"]


def test_publishing_gives_the_title_slug_and_the_next_free_one_on_a_clash():
    first = make_post(title="Hello World", published=True)
    second = make_post(title="Hello World", published=True)
    reserved = make_post(title="New", published=True)

    assert (first.slug, second.slug, reserved.slug) == ("hello-world", "hello-world-2", "new-2")


def test_someone_elses_draft_does_not_shape_a_published_slug():
    make_post(title="Secret plan")  # a draft: its title must not leak through slugs
    published = make_post(title="Secret plan", published=True)
    assert published.slug == "secret-plan"


def test_a_title_change_after_publishing_keeps_the_address():
    post = make_post(title="First title", published=True)
    update_post(post=post, actor=post.author, title="Second title")
    post.refresh_from_db()
    assert (post.title, post.slug) == ("Second title", "first-title")


def test_updating_one_field_does_not_undo_a_concurrent_change_to_another():
    post = make_post(title="Title", body="Old body")
    stale_copy = Post.objects.get(pk=post.pk)
    update_post(post=post, actor=post.author, body="New body")

    update_post(post=stale_copy, actor=post.author, title="New title")

    post.refresh_from_db()
    assert (post.title, post.body) == ("New title", "New body")


def test_a_bad_field_leaves_the_good_ones_unchanged():
    post = make_post(title="Title", body="Body")
    with pytest.raises(InvalidContent):
        update_post(post=post, actor=post.author, body="Changed", title=" ")
    post.refresh_from_db()
    assert (post.title, post.body) == ("Title", "Body")


def test_blank_title_is_refused_and_nothing_is_saved():
    author = make_user()
    with pytest.raises(InvalidContent) as error:
        make_post(author=author, title="   ")
    assert error.value.field == "title"
    assert Post.objects.filter(author=author).count() == 0


def test_only_the_author_may_update_or_publish():
    post = make_post(title="Mine")
    intruder = make_user()

    with pytest.raises(NotPostAuthor):
        update_post(post=post, actor=intruder, title="Hijacked")
    with pytest.raises(NotPostAuthor):
        publish_post(post=post, actor=intruder)

    post.refresh_from_db()
    assert post.title == "Mine"
    assert post.status == Post.Status.DRAFT
    assert not OutboxEvent.objects.filter(event_type="post.published").exists()


def test_publish_sets_time_and_writes_one_event():
    post = make_post()
    publish_post(post=post, actor=post.author)

    post.refresh_from_db()
    assert post.is_published
    assert post.published_at is not None
    event = OutboxEvent.objects.get(event_type="post.published")
    assert event.payload["post_id"] == post.pk
    assert event.actor_id == post.author_id
    with pytest.raises(PostAlreadyPublished):
        publish_post(post=post, actor=post.author)


def test_comments_only_on_published_posts():
    draft = make_post()
    with pytest.raises(CommentsClosed):
        add_comment(post=draft, actor=make_user(), body="First!")
    with pytest.raises(InvalidContent):
        add_comment(post=make_post(published=True), actor=make_user(), body="  ")


@pytest.mark.parametrize(
    ("field", "character", "label"),
    [
        ("title", "\x00", "A title"),
        ("body", "\x1b", "A body"),
        ("tags", "\x7f", "A tag"),
        ("title", "\ud800", "A title"),  # an unpaired surrogate cannot even be encoded
    ],
)
def test_text_that_cannot_be_stored_is_refused_by_the_service_itself(field, character, label):
    # Given input that no surface filtered (GraphQL variables, a command, the shell)
    fields = {"title": "Title", "body": "Body", "tags": ["web"]}
    fields[field] = [f"we{character}b"] if field == "tags" else f"Bad{character}text"

    # When a post is created with it
    with pytest.raises(InvalidContent) as refusal:
        make_post(**fields)

    # Then the service refuses it, naming the field, and nothing is saved
    assert refusal.value.field == field
    assert str(refusal.value) == (
        f"{label} cannot contain U+{ord(character):04X}: no control characters other than "
        f"tab and line breaks, and no unpaired surrogates."
    )
    assert not Post.objects.exists()


def test_a_comment_with_a_control_character_is_refused():
    post = make_post(published=True)

    with pytest.raises(InvalidContent) as refusal:
        add_comment(post=post, actor=make_user(), body="Hello\x00")

    assert refusal.value.field == "body"
    assert not post.comments.exists()


# --- permissions, asked by the services themselves --------------------------------------------


def _moderator():
    define_role(name=MODERATOR_GROUP, permissions=MODERATOR_PERMISSIONS)
    moderator = make_user()
    grant_role(user=moderator, name=MODERATOR_GROUP)
    return moderator


def _payloads(event_type: str) -> list[dict]:
    return [event.payload for event in OutboxEvent.objects.filter(event_type=event_type)]


def test_anonymous_actors_are_told_to_sign_in_and_nothing_changes():
    post = make_post(published=True)
    nobody = AnonymousUser()

    with pytest.raises(NotSignedIn):
        update_post(post=post, actor=nobody, title="Changed")
    with pytest.raises(NotSignedIn):
        add_comment(post=post, actor=nobody, body="Hello")
    with pytest.raises(NotSignedIn):
        make_post(author=nobody)

    assert Post.objects.get(pk=post.pk).title != "Changed"
    assert not Comment.objects.exists()


def test_staff_holding_a_model_permission_may_act_on_any_post():
    post = make_post(title="Typo", published=True)
    editor = make_user()
    editor.user_permissions.add(Permission.objects.get(codename="change_post"))

    update_post(post=post, actor=editor, title="Fixed")
    with pytest.raises(NotPostAuthor):
        delete_post(post=post, actor=editor)

    assert Post.objects.get(pk=post.pk).title == "Fixed"


def test_deleting_a_post_publishes_post_deleted_and_only_its_author_may():
    post = make_post(published=True)
    post_id = post.pk
    make_comment(post=post)

    with pytest.raises(NotPostAuthor):
        delete_post(post=post, actor=make_user())
    delete_post(post=post, actor=post.author)

    assert not Post.objects.filter(pk=post_id).exists()
    assert not Comment.objects.exists()
    assert _payloads("post.deleted") == [
        {"post_id": post_id, "author_id": post.author_id, "was_published": True}
    ]
    assert OutboxEvent.objects.get(event_type="post.deleted").actor_id == post.author_id


def test_the_posts_author_and_moderators_hide_comments_and_others_may_not():
    post = make_post(published=True)
    first, second = make_comment(post=post), make_comment(post=post)

    with pytest.raises(NotAllowed):
        hide_comment(comment=first, actor=first.author)  # its author may delete it, not hide it
    hide_comment(comment=first, actor=post.author)
    hide_comment(comment=second, actor=_moderator())

    hidden = Comment.objects.filter(hidden_at__isnull=False).order_by("pk")
    assert [comment.pk for comment in hidden] == [first.pk, second.pk]
    assert hidden[0].hidden_by == post.author
    assert [payload["comment_id"] for payload in _payloads("comment.hidden")] == [
        first.pk,
        second.pk,
    ]


def test_hiding_a_hidden_comment_changes_and_announces_nothing():
    comment = make_comment()
    author = comment.post.author
    hide_comment(comment=comment, actor=author)
    hidden_at = Comment.objects.get(pk=comment.pk).hidden_at

    hide_comment(comment=Comment.objects.get(pk=comment.pk), actor=author)

    assert Comment.objects.get(pk=comment.pk).hidden_at == hidden_at
    assert OutboxEvent.objects.filter(event_type="comment.hidden").count() == 1


def test_a_comments_author_deletes_it_and_the_deletion_is_announced():
    comment = make_comment()
    comment_id = comment.pk

    with pytest.raises(NotAllowed):
        delete_comment(comment=comment, actor=comment.post.author)
    with pytest.raises(NotAllowed):
        delete_comment(comment=comment, actor=_moderator())
    delete_comment(comment=comment, actor=comment.author)

    assert not Comment.objects.exists()
    assert _payloads("comment.deleted") == [{"comment_id": comment_id, "post_id": comment.post_id}]


def test_superusers_may_do_anything_a_rule_allows_anyone_but_comment_on_a_draft():
    root = create_account(
        email="root@example.com", password="x-long-passphrase-1", is_superuser=True
    )
    draft = make_post()

    update_post(post=draft, actor=root, title="Edited by root")
    with pytest.raises(CommentsClosed):
        add_comment(post=draft, actor=root, body="Hello")

    assert Post.objects.get(pk=draft.pk).title == "Edited by root"


def test_correcting_a_comment_needs_the_model_permission_and_keeps_the_rules():
    comment = make_comment(body="Befor")
    staff = make_user()
    staff.user_permissions.add(Permission.objects.get(codename="change_comment"))

    with pytest.raises(NotAllowed):
        update_comment(comment=comment, actor=comment.author, body="Changed")
    with pytest.raises(InvalidContent):
        update_comment(comment=comment, actor=staff, body="  ")
    update_comment(comment=comment, actor=staff, body="Before")

    assert Comment.objects.get(pk=comment.pk).body == "Before"


def test_tags_are_made_under_the_name_rules_by_those_who_may():
    staff = make_user()
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_tag", "change_tag", "delete_tag"])
    )

    with pytest.raises(NotAllowed):
        save_tag(actor=make_user(), name="web")
    tag = save_tag(actor=staff, name="Web Dev")
    renamed = save_tag(actor=staff, name="Django", tag=tag)
    with pytest.raises(InvalidContent):
        save_tag(actor=staff, name="no_underscores!")
    delete_tag(tag=renamed, actor=staff)

    assert (tag.pk, renamed.name) == (renamed.pk, "django")
    assert not Tag.objects.exists()
