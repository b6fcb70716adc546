"""Everything under /api/: each app's declared REST routes, the OpenAPI schema and its docs.

An app mounts its routes by naming a module in its AppConfig's `rest_urls`
(apps/kernel/declarations.py); they share the `api` namespace (`reverse("api:post-list")`).
"""

from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.kernel.declarations import declared_modules

app_name = "api"

urlpatterns: list[URLPattern | URLResolver] = [
    *(path("", include(module)) for module in declared_modules("rest_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's init script from a URL, not inline (CSP: docs/web.md).
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="api/swagger_ui.html"
        ),
        name="docs",
    ),
]
