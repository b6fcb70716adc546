import pytest

from apps.content.errors import CommentsClosed, InvalidContent, NotPostAuthor, PostAlreadyPublished
from apps.content.models import Post
from apps.content.services import add_comment, publish_post, update_post
from apps.events.models import OutboxEvent
from tests.accounts.factories import make_user
from tests.content.factories import make_post

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
        add_comment(post=draft, author=make_user(), body="First!")
    with pytest.raises(InvalidContent):
        add_comment(post=make_post(published=True), author=make_user(), body="  ")


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
        add_comment(post=post, author=make_user(), body="Hello\x00")

    assert refusal.value.field == "body"
    assert not post.comments.exists()
