"""The admin: every model is there, searchable and filterable, for staff only."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from apps.accounts.models import User
from tests.accounts.factories import make_user
from tests.content.factories import make_comment, make_post

pytestmark = pytest.mark.django_db

KEEL_MODELS = [model for model in apps.get_models() if model.__module__.startswith("apps.")]


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
def test_changelist_searches_and_filters_for_staff(staff_client, model):
    make_comment(post=make_post(title="Searchable title", published=True))
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")

    response = staff_client.get(url, {"q": "Searchable"})

    assert response.status_code == 200


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
