"""URLs of the DRF reference: /api/posts/, /api/posts/<id>/, /hello."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from benchmarks.reference.drf.views import PostViewSet, hello

router = SimpleRouter()
router.register("posts", PostViewSet, basename="post")

urlpatterns = [
    path("api/", include(router.urls)),
    path("hello", hello),
]
