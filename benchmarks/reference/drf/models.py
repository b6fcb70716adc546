"""Unmanaged views of Keel's tables: users, posts, tags, comments."""

from django.db import models


class Author(models.Model):
    email = models.EmailField()
    display_name = models.CharField(max_length=150, blank=True)

    class Meta:
        managed = False
        db_table = "accounts_user"

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        # The same rule as Keel's User.name: the display name, else the e-mail's local part.
        return self.display_name or self.email.split("@", 1)[0]


class Tag(models.Model):
    name = models.CharField(max_length=50)

    class Meta:
        managed = False
        db_table = "content_tag"

    def __str__(self) -> str:
        return self.name


class Post(models.Model):
    author = models.ForeignKey(Author, on_delete=models.DO_NOTHING, related_name="posts")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220)
    body = models.TextField()
    status = models.CharField(max_length=10)
    published_at = models.DateTimeField(null=True)
    tags = models.ManyToManyField(Tag, through="PostTag", related_name="posts")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "content_post"

    def __str__(self) -> str:
        return self.title


class PostTag(models.Model):
    post = models.ForeignKey(Post, on_delete=models.DO_NOTHING)
    tag = models.ForeignKey(Tag, on_delete=models.DO_NOTHING)

    class Meta:
        managed = False
        db_table = "content_post_tags"

    def __str__(self) -> str:
        return f"{self.post_id}:{self.tag_id}"


class Comment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.DO_NOTHING, related_name="comments")
    author = models.ForeignKey(Author, on_delete=models.DO_NOTHING, related_name="comments")
    body = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "content_comment"

    def __str__(self) -> str:
        return f"Comment {self.pk}"
