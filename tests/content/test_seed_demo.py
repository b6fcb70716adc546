"""seed_demo makes its data through the services: roles included, under the site's rules."""

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from apps.accounts.models import User
from apps.content.models import Comment, Post

pytestmark = pytest.mark.django_db


def test_seed_demo_makes_a_moderator_who_may_hide_comments_on_any_post(settings, capsys):
    settings.DEBUG = True

    call_command("seed_demo")
    call_command("seed_demo")  # idempotent
    output = capsys.readouterr().out

    moderator = User.objects.get(email="moderator@keel.localhost")
    comment = Comment.objects.select_related("post").first()
    assert "moderator@keel.localhost / keel-demo-password" in output
    assert authenticate(username="moderator@keel.localhost", password="keel-demo-password")
    assert list(moderator.groups.values_list("name", flat=True)) == ["moderator"]
    assert moderator.get_all_permissions() == {"content.hide_comment"}
    assert comment.post.author != moderator
    assert moderator.has_perm("content.hide_comment", comment)
    assert not moderator.has_perm("content.delete_comment", comment)
    assert not moderator.is_staff
    assert Post.objects.count() == 4
    assert Comment.objects.count() == 3
