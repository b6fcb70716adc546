"""The admin: every model is there, searchable and filterable, for staff only."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from apps.accounts.models import User
from apps.content.models import Comment, Post
from apps.events.models import OutboxEvent
from tests.accounts.factories import make_user
from tests.content.factories import make_comment, make_post

pytestmark = pytest.mark.django_db

KEEL_MODELS = [model for model in apps.get_models() if model.__module__.startswith("apps.")]
# What searching "Searchable" finds, told by a field a person would recognise. Models left
# out hold nothing that search could tell apart here.
SEARCH_FINDS = {
    "Post": ("title", ["Searchable title"]),
    "Comment": ("body", ["Searchable remark"]),
    "Tag": ("name", ["searchable"]),
    "User": ("email", ["searchable@example.com"]),
    "OutboxEvent": ("event_type", ["comment.created"]),
}


@pytest.fixture
def staff_client(client):
    client.force_login(User.objects.create_superuser("root@example.com", "x" * 12))
    return client


def test_every_keel_model_is_registered_with_search_and_filters():
    for model in KEEL_MODELS:
        model_admin = admin.site._registry.get(model)
        assert model_admin is not None, f"{model.__name__} is not in the admin"
        assert model_admin.search_fields, f"{model.__name__} admin has no search"
        assert model_admin.list_filter or model.__name__ == "Tag", model.__name__


@pytest.mark.parametrize("model", KEEL_MODELS, ids=lambda model: model.__name__)
def test_changelist_search_finds_what_matches_and_nothing_else(staff_client, model):
    make_comment(
        post=make_post(title="Searchable title", tags=["searchable"], published=True),
        author=make_user(email="searchable@example.com"),
        body="Searchable remark",
    )
    make_comment(post=make_post(title="Other", tags=["other"], published=True), body="Remark")
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")

    response = staff_client.get(url, {"q": "Searchable"})

    assert response.status_code == 200
    if model.__name__ in SEARCH_FINDS:
        field, expected = SEARCH_FINDS[model.__name__]
        found = [getattr(row, field) for row in response.context["cl"].result_list]
        assert found == expected


def test_post_search_finds_by_title_and_filter_by_status(staff_client):
    make_post(title="Findable draft")
    make_post(title="Other published", published=True)
    url = reverse("admin:content_post_changelist")

    found = staff_client.get(url, {"q": "Findable"}).context["cl"].result_list
    drafts = staff_client.get(url, {"status__exact": "draft"}).context["cl"].result_list

    assert [post.title for post in found] == ["Findable draft"]
    assert [post.title for post in drafts] == ["Findable draft"]


def test_non_staff_users_are_sent_to_the_admin_login(client):
    client.force_login(make_user())
    response = client.get(reverse("admin:content_post_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


# --- posts and comments change only through the services -------------------------------------


def test_post_change_form_shows_status_slug_and_publication_read_only(staff_client):
    draft = make_post(title="Quiet draft")

    response = staff_client.get(reverse("admin:content_post_change", args=[draft.pk]))

    form = response.context["adminform"].form
    assert response.status_code == 200
    assert sorted(form.fields) == ["body", "tags", "title"]
    assert '<div class="readonly">Draft</div>' in response.text
    assert f'<div class="readonly">{draft.slug}</div>' in response.text
    assert 'name="status"' not in response.text


def test_posting_a_status_to_the_post_admin_neither_publishes_nor_moves_the_post(staff_client):
    draft = make_post(title="Quiet draft", body="Draft body.")
    slug = draft.slug

    response = staff_client.post(
        reverse("admin:content_post_change", args=[draft.pk]),
        {
            "title": "Quiet draft, corrected",
            "body": "Draft body.",
            "status": "published",
            "published_at_0": "2026-01-01",
            "published_at_1": "12:00:00",
            "slug": "taken-over",
            "comments-TOTAL_FORMS": "0",
            "comments-INITIAL_FORMS": "0",
            "comments-MIN_NUM_FORMS": "0",
            "comments-MAX_NUM_FORMS": "1000",
        },
    )

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "Quiet draft, corrected"
    assert draft.status == Post.Status.DRAFT
    assert draft.published_at is None
    assert draft.slug == slug
    assert not OutboxEvent.objects.filter(event_type="post.published").exists()


def test_post_admin_offers_no_add_form(staff_client):
    response = staff_client.get(reverse("admin:content_post_add"))
    changelist = staff_client.get(reverse("admin:content_post_changelist"))

    assert response.status_code == 403
    assert reverse("admin:content_post_add") not in changelist.text


def test_comments_of_a_post_are_read_only_in_its_admin_but_may_be_deleted(staff_client):
    post = make_post(published=True)
    kept = make_comment(post=post, body="Kind words.")
    spam = make_comment(post=post, body="Buy now!")
    url = reverse("admin:content_post_change", args=[post.pk])

    page = staff_client.get(url)
    response = staff_client.post(
        url,
        {
            "title": post.title,
            "body": post.body,
            "comments-TOTAL_FORMS": "2",
            "comments-INITIAL_FORMS": "2",
            "comments-MIN_NUM_FORMS": "0",
            "comments-MAX_NUM_FORMS": "1000",
            "comments-0-id": str(kept.pk),
            "comments-0-post": str(post.pk),
            "comments-0-body": "Rewritten by staff.",
            "comments-1-id": str(spam.pk),
            "comments-1-post": str(post.pk),
            "comments-1-DELETE": "on",
        },
    )

    inline = page.context["inline_admin_formsets"][0]
    assert not inline.has_add_permission
    assert not inline.has_change_permission
    assert inline.has_delete_permission
    assert 'name="comments-0-body"' not in page.text
    assert '<td class="field-body">' in page.text
    assert "<p>Kind words.</p>" in page.text
    assert response.status_code == 302
    assert list(Comment.objects.filter(post=post).values_list("body", flat=True)) == ["Kind words."]


def test_comment_admin_offers_no_add_form_and_cannot_move_a_comment(staff_client):
    comment = make_comment(body="Stays put.")
    draft = make_post()
    url = reverse("admin:content_comment_change", args=[comment.pk])

    add = staff_client.get(reverse("admin:content_comment_add"))
    response = staff_client.post(
        url, {"post": str(draft.pk), "author": str(draft.author.pk), "body": "Moderated."}
    )

    assert add.status_code == 403
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.post_id != draft.pk
    assert comment.author_id != draft.author.pk
    assert comment.body == "Moderated."
