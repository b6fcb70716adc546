"""Seed the benchmark database with the same data for every app (fixed random seed).

Run by benchmarks/run.py as `python -m benchmarks.seed` with Keel's settings, after
migrating. Rows are bulk-inserted through Keel's models rather than its services: the
services publish events and enqueue tasks per post, which a load fixture does not need.
Prints one JSON line: the post the detail scenarios read and a personal access token of a
user (`read` scope).
"""

import json
import os
import random
from datetime import UTC, datetime, timedelta

import django

USERS = 10
TAGS = 30
POSTS = 2000
TAGS_PER_POST = 3
MAX_COMMENTS_PER_POST = 3
VOCABULARY = (
    "keel platform cache query edge latency request worker thread database index "
    "page token author post comment tag publish draft feed event outbox webhook "
    "socket redis postgres granian throughput percentile benchmark serializer render "
    "response header"
)
WORDS = tuple(VOCABULARY.split())


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def _paragraphs(rng: random.Random) -> str:
    return "\n\n".join(
        " ".join(_sentence(rng, rng.randint(6, 14)) for _ in range(rng.randint(2, 4)))
        for _ in range(rng.randint(2, 3))
    )


def seed() -> dict:
    from django.db import connection

    from apps.accounts.models import User
    from apps.content.models import Comment, Post, Tag
    from apps.tokens import token_format
    from apps.tokens.models import PersonalAccessToken

    rng = random.Random(20_260_503)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    users = User.objects.bulk_create(
        User(
            email=f"writer{index}@bench.example",
            display_name=f"Writer {index}" if index % 2 else "",
            password="!unusable",
        )
        for index in range(USERS)
    )
    tags = Tag.objects.bulk_create(Tag(name=f"topic-{index:02d}") for index in range(TAGS))
    posts = Post.objects.bulk_create(
        Post(
            author=rng.choice(users),
            title=(title := _sentence(rng, rng.randint(3, 7)).rstrip(".")),
            slug=f"{title.lower().replace(' ', '-')[:200]}-{index}",
            body=_paragraphs(rng),
            status=Post.Status.PUBLISHED,
            published_at=start + timedelta(minutes=37 * index),
        )
        for index in range(POSTS)
    )
    Post.tags.through.objects.bulk_create(
        Post.tags.through(post_id=post.pk, tag_id=tag.pk)
        for post in posts
        for tag in rng.sample(tags, TAGS_PER_POST)
    )
    Comment.objects.bulk_create(
        Comment(post=post, author=rng.choice(users), body=_sentence(rng, rng.randint(5, 20)))
        for post in posts
        for _ in range(rng.randint(0, MAX_COMMENTS_PER_POST))
    )
    public_id = token_format.new_public_id()
    token = token_format.new_token(public_id)
    PersonalAccessToken.objects.create(
        user=users[0],
        name="benchmark",
        scopes=["read"],
        public_id=public_id,
        secret_hash=token_format.token_hash(token),
        expires_at=start + timedelta(days=3650),
    )
    # Fresh planner statistics, as a database in service has (autovacuum would get there
    # later): without them PostgreSQL plans every app's queries for an empty table.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "detail_post_id": posts[POSTS // 2].pk,
        "token": token,
        "posts": POSTS,
        "users": USERS,
        "comments": Comment.objects.count(),
    }


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")
    django.setup()
    print(json.dumps(seed()))
