"""The REST read path on the embedded defaults `make run` uses: SQLite, no Redis.

The rest of the suite runs on PostgreSQL; the post rows' tag names and timestamps, and the
keyset cursors, are built differently on SQLite, so they are checked here in a process of
their own, set up as `make run` sets itself up.
"""

from tests.live import embedded_env, shell_json

READ_THROUGH_THE_API = """
import json
from django.core.management import call_command
from django.test import Client
from apps.accounts.models import User
from apps.content.services import add_comment, create_post

call_command("migrate", verbosity=0)
ann = User.objects.create_user(email="ann@example.com", password="x-long-password-1")
bo = User.objects.create_user(
    email="bo@example.com", password="x-long-password-2", display_name="Bo"
)
first = create_post(actor=ann, title="First", body="b", tags=["zeta", "alpha"], publish_now=True)
create_post(actor=bo, title="Second", body="b", tags=[], publish_now=True)
create_post(actor=ann, title="Third", body="b", tags=["mid"], publish_now=True)
create_post(actor=ann, title="Draft", body="b", tags=["wip"])
add_comment(post=first, actor=bo, body="Nice.")

client = Client(HTTP_HOST="127.0.0.1")
page = client.get("/api/posts/", {"page_size": 2}).json()
second_page = client.get(page["next"]).json()
back = client.get(second_page["previous"]).json()
detail = client.get(f"/api/posts/{first.pk}/").json()
tagged = client.get("/api/posts/", {"tag": "alpha"}).json()
print(json.dumps({"page": page, "second_page": second_page, "back": back,
                  "detail": detail, "tagged": tagged}))
"""


def test_lists_pages_and_details_read_the_same_on_sqlite(tmp_path):
    read = shell_json(READ_THROUGH_THE_API, embedded_env(tmp_path))

    def titles(page):
        return [post["title"] for post in page["results"]]

    assert titles(read["page"]) == ["Third", "Second"]
    assert titles(read["second_page"]) == ["First"]
    assert read["second_page"]["next"] is None
    assert titles(read["back"]) == ["Third", "Second"]
    assert [post["tags"] for post in read["page"]["results"]] == [["mid"], []]
    assert [post["author"]["name"] for post in read["page"]["results"]] == ["ann", "Bo"]
    detail = read["detail"]
    assert (detail["title"], detail["tags"], detail["comment_count"]) == (
        "First",
        ["alpha", "zeta"],
        1,
    )
    assert detail["published_at"].endswith("Z")
    assert titles(read["tagged"]) == ["First"]
