"""Post and comment endpoints, mounted under /api/."""

from rest_framework.routers import SimpleRouter

from apps.content.api.views import CommentViewSet, PostViewSet

# Path converters, not regexes: ids are typed as integers in the URLs and the schema.
router = SimpleRouter(use_regex_path=False)
router.register("posts", PostViewSet, basename="post")
router.register("comments", CommentViewSet, basename="comment")

urlpatterns = router.urls
