"""The reference's endpoints: a read-only ModelViewSet of published posts, and a hello view."""

from django.http import JsonResponse
from rest_framework import viewsets

from benchmarks.reference.drf.models import Post
from benchmarks.reference.drf.serializers import PostSerializer


class PostViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PostSerializer
    queryset = (
        Post.objects.filter(status="published")
        .select_related("author")
        .prefetch_related("tags")
        .order_by("-published_at", "-id")
    )


def hello(request):
    return JsonResponse({"message": "Hello, world!"})
