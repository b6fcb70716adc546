"""The project's URLs: web UI, admin, REST API with its schema and docs, GraphQL, health."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.api.graphql_view import KeelGraphQLView
from apps.operations import views as operations_views

api_patterns = [
    path("", include("apps.accounts.api.urls")),
    path("", include("apps.content.api.urls")),
    path("hello/", operations_views.hello, name="hello"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include((api_patterns, "api"))),
    path("graphql/", KeelGraphQLView.as_view(graphiql=True), name="graphql"),
    path("accounts/", include("apps.accounts.urls")),
    path("", include("apps.caching.urls")),
    path("", include("apps.operations.urls")),
    path("", include("apps.content.urls")),
]

handler404 = "apps.operations.views.not_found"
handler500 = "apps.operations.views.server_error"
