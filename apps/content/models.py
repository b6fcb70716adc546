"""Posts, their comments and tags."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Post(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="posts"
    )
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    body = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="posts")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        # Beyond add/change/delete/view: what rules.py lets holders do to any post.
        permissions = [("publish_post", "Can publish any post")]
        indexes = [
            # The public feed: published posts, newest first.
            models.Index(fields=["status", "-published_at", "-id"], name="content_post_feed"),
            # Every surface lists posts by when they appeared (published, else created).
            models.Index(
                Coalesce("published_at", "created_at").desc(),
                models.F("id").desc(),
                name="content_post_listed",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Comment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments"
    )
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # A hidden comment stays stored (for moderators and the admin) but leaves every read surface.
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["created_at", "id"]
        # The `moderator` role holds it: "may hide comments on any post" (rules.py).
        permissions = [("hide_comment", "Can hide comments on any post")]

    def __str__(self) -> str:
        return f"Comment {self.pk} on {self.post_id}"

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None
