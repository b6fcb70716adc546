"""Load demo data: an admin, two writers, a moderator, published posts with comments, and a
draft. Everything is made through the services, under the rules the site applies.

Idempotent: running it again changes nothing. With DEBUG on (`make run`) the accounts get
the published demo password (or KEEL_DEMO_PASSWORD), printed every time. With DEBUG off it
refuses to run, because a superuser with a published password on a reachable server is an
open door; `--allow-without-debug` runs it anyway with a random password, printed once,
when the accounts are created.
"""

import os
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.accounts.models import User
from apps.accounts.services import create_account, define_role, grant_role
from apps.content.models import Post
from apps.content.rules import MODERATOR_GROUP, MODERATOR_PERMISSIONS
from apps.content.services import add_comment, create_post

DEMO_PASSWORD = os.environ.get("KEEL_DEMO_PASSWORD", "keel-demo-password")
ADMIN_EMAIL = "admin@keel.localhost"
# May hide comments on any post (the `moderator` role), and nothing else beyond a member.
MODERATOR_EMAIL = "moderator@keel.localhost"

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

        def account(email: str, display_name: str, **rights) -> User:
            existing = User.objects.filter(email=email).first()
            if existing is not None:
                return existing
            try:
                user = create_account(
                    email=email, password=password, display_name=display_name, **rights
                )
            except ValidationError as error:  # a KEEL_DEMO_PASSWORD the validators refuse
                refused = " ".join(error.messages)
                raise CommandError(f"The demo password is refused: {refused}") from error
            created_accounts.append(email)
            return user

        account(ADMIN_EMAIL, "Admin", is_superuser=True)
        writers = {
            email: account(email, email.split("@")[0].title())
            for email in sorted({email for email, *_ in POSTS})
        }
        define_role(name=MODERATOR_GROUP, permissions=MODERATOR_PERMISSIONS)
        moderator = account(MODERATOR_EMAIL, "Moderator")
        if not moderator.groups.filter(name=MODERATOR_GROUP).exists():
            grant_role(user=moderator, name=MODERATOR_GROUP)
        created = 0
        for email, title, body, tags in POSTS:
            if Post.objects.filter(title=title, author=writers[email]).exists():
                continue
            post = create_post(
                actor=writers[email], title=title, body=body, tags=tags, publish_now=True
            )
            other = next(user for mail, user in writers.items() if mail != email)
            add_comment(post=post, actor=other, body="Great read, thanks for writing it up.")
            created += 1
        draft_author = writers["ada@keel.localhost"]
        if not Post.objects.filter(author=draft_author, status=Post.Status.DRAFT).exists():
            create_post(
                actor=draft_author,
                title="A draft only Ada can see",
                body="Drafts are visible to their author alone.",
                tags=["draft"],
            )
            created += 1
        self.stdout.write(f"Demo data ready ({created} post(s) created).")
        if settings.DEBUG:
            self.stdout.write(f"  admin:     {ADMIN_EMAIL} / {password}")
            self.stdout.write(f"  writers:   {', '.join(sorted(writers))} / {password}")
            self.stdout.write(
                f"  moderator: {MODERATOR_EMAIL} / {password} (may hide comments on any post)"
            )
        elif created_accounts:
            # The only time this password is ever shown: it is stored hashed.
            self.stdout.write(f"  new accounts: {', '.join(created_accounts)}")
            self.stdout.write(f"  their password (shown once): {password}")
        else:
            self.stdout.write(
                "  The demo accounts exist already; their password is not shown again."
            )
