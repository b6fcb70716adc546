"""What the post and comment endpoints read and write.

Input serializers check only the shape of a request (types, required fields); the content
rules (title length, tag format and count, ...) are the services', reported as 422 problems.
"""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.accounts.models import User
from apps.content.models import Comment, Post, Tag


class AuthorSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "name"]
        read_only_fields = fields


# A post as the API shows it. The OpenAPI schema reads it (a docstring here would become its
# description there); responses are built by presenters.PostPresenter, held to the same
# output by the tests.
class PostSerializer(serializers.ModelSerializer):
    author = AuthorSerializer(read_only=True)
    tags = serializers.SlugRelatedField[Tag](many=True, read_only=True, slug_field="name")
    comment_count = serializers.IntegerField(read_only=True)
    url = serializers.SerializerMethodField(help_text="The post's page in the web UI.")

    class Meta:
        model = Post
        fields = [
            "id",
            "title",
            "slug",
            "body",
            "status",
            "published_at",
            "created_at",
            "updated_at",
            "author",
            "tags",
            "comment_count",
            "url",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, post: Post) -> str:
        path = reverse("content:post", kwargs={"slug": post.slug})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class PostInputSerializer(serializers.Serializer):
    """A post's writable fields; a PATCH may send any subset of them."""

    title = serializers.CharField(allow_blank=True, trim_whitespace=False)
    body = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    tags = serializers.ListField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        help_text="Tag names: letters, digits and hyphens; at most 10 per post.",
    )


class PostFilterSerializer(serializers.Serializer):
    # Untrimmed: the selector refuses a control character, which trimming could hide.
    tag = serializers.CharField(
        required=False, trim_whitespace=False, help_text="Only posts with this tag."
    )
    mine = serializers.BooleanField(
        required=False, default=False, help_text="Only your own posts, drafts included."
    )


class CommentSerializer(serializers.ModelSerializer):
    author = AuthorSerializer(read_only=True)

    class Meta:
        model = Comment
        fields = ["id", "body", "author", "created_at"]
        read_only_fields = fields


class CommentInputSerializer(serializers.Serializer):
    body = serializers.CharField(allow_blank=True, trim_whitespace=False)
