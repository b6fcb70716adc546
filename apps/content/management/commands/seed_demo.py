"""Load demo data: an admin, two writers, published posts with comments, and a draft.

Idempotent: running it again changes nothing and prints the same credentials.
"""

import os

from django.core.management.base import BaseCommand
from django.db import transaction

from apps.accounts.models import User
from apps.content.models import Post
from apps.content.services import add_comment, create_post

DEMO_PASSWORD = os.environ.get("KEEL_DEMO_PASSWORD", "keel-demo-password")
ADMIN_EMAIL = "admin@keel.localhost"

POSTS = [
    (
        "ada@keel.localhost",
        "Welcome to Keel",
        "Keel ships accounts, APIs, websockets, jobs and "
        "events out of the box, so a team writes only its own domain.",
        ["keel", "announcement"],
    ),
    (
        "grace@keel.localhost",
        "How the event backbone works",
        "Services publish events inside "
        "their transaction; an outbox row makes sure every committed event is delivered.",
        ["events", "architecture"],
    ),
    (
        "ada@keel.localhost",
        "Live comments over websockets",
        "Open this post in two windows and comment in one: the other shows it at once.",
        ["realtime"],
    ),
]


class Command(BaseCommand):
    help = "Create demo users and posts (idempotent) and print the demo admin's credentials."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        admin = User.objects.filter(email=ADMIN_EMAIL).first()
        if admin is None:
            User.objects.create_superuser(ADMIN_EMAIL, DEMO_PASSWORD, display_name="Admin")
        writers = {}
        for email in {email for email, *_ in POSTS}:
            writers[email] = User.objects.filter(email=email).first() or User.objects.create_user(
                email, DEMO_PASSWORD, display_name=email.split("@")[0].title()
            )
        created = 0
        for email, title, body, tags in POSTS:
            if Post.objects.filter(title=title, author=writers[email]).exists():
                continue
            post = create_post(
                author=writers[email], title=title, body=body, tags=tags, publish_now=True
            )
            other = next(user for mail, user in writers.items() if mail != email)
            add_comment(post=post, author=other, body="Great read, thanks for writing it up.")
            created += 1
        draft_author = writers["ada@keel.localhost"]
        if not Post.objects.filter(author=draft_author, status=Post.Status.DRAFT).exists():
            create_post(
                author=draft_author,
                title="A draft only Ada can see",
                body="Drafts are visible to their author alone.",
                tags=["draft"],
            )
            created += 1
        self.stdout.write(f"Demo data ready ({created} post(s) created).")
        self.stdout.write(f"  admin:   {ADMIN_EMAIL} / {DEMO_PASSWORD}")
        self.stdout.write(f"  writers: {', '.join(sorted(writers))} / {DEMO_PASSWORD}")
