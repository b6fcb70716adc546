"""Load demo data: an admin, two writers, published posts with comments, and a draft.

Idempotent: running it again changes nothing. With DEBUG on (`make run`) the accounts get
the published demo password (or KEEL_DEMO_PASSWORD), printed every time. With DEBUG off it
refuses to run, because a superuser with a published password on a reachable server is an
open door; `--allow-without-debug` runs it anyway with a random password, printed once,
when the accounts are created.
"""

import os
import secrets

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
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

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="Run with DEBUG off (a shared server): the accounts get a random password, "
            "printed once.",
        )

    @transaction.atomic
    def handle(self, *args, allow_without_debug: bool = False, **options) -> None:
        if not settings.DEBUG and not allow_without_debug:
            raise CommandError(
                "seed_demo creates a superuser; with DEBUG off it runs only with "
                "--allow-without-debug, and then with a random password printed once."
            )
        password = DEMO_PASSWORD if settings.DEBUG else secrets.token_urlsafe(18)
        created_accounts = []
        admin = User.objects.filter(email=ADMIN_EMAIL).first()
        if admin is None:
            User.objects.create_superuser(ADMIN_EMAIL, password, display_name="Admin")
            created_accounts.append(ADMIN_EMAIL)
        writers = {}
        for email in sorted({email for email, *_ in POSTS}):
            writers[email] = User.objects.filter(email=email).first()
            if writers[email] is None:
                writers[email] = User.objects.create_user(
                    email, password, display_name=email.split("@")[0].title()
                )
                created_accounts.append(email)
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
        if settings.DEBUG:
            self.stdout.write(f"  admin:   {ADMIN_EMAIL} / {password}")
            self.stdout.write(f"  writers: {', '.join(sorted(writers))} / {password}")
        elif created_accounts:
            # The only time this password is ever shown: it is stored hashed.
            self.stdout.write(f"  new accounts: {', '.join(created_accounts)}")
            self.stdout.write(f"  their password (shown once): {password}")
        else:
            self.stdout.write(
                "  The demo accounts exist already; their password is not shown again."
            )
