"""Posts as the reference serves them: author with name, tag names."""

from rest_framework import serializers

from benchmarks.reference.drf.models import Author, Post


class AuthorSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Author
        fields = ["id", "name"]


class PostSerializer(serializers.ModelSerializer):
    author = AuthorSerializer(read_only=True)
    tags = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

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
        ]
