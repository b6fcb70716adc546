"""The project's URLs: web UI, admin, REST API with its schema and docs, GraphQL, health."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csp import csp_override, csp_report_only_override
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.api.graphql_view import KeelGraphQLView
from apps.operations import views as operations_views
from config.schema import PAGE_SIZE_LIMITS

api_patterns = [
    path("", include("apps.accounts.api.urls")),
    path("", include("apps.content.api.urls")),
    path("hello/", operations_views.hello, name="hello"),
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

# GraphiQL's page needs the CDN its React app comes from; the site's report-only switch
# holds for it too.
graphiql_csp = (csp_report_only_override if settings.CSP_REPORT_ONLY else csp_override)(
    settings.GRAPHIQL_CSP
)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include((api_patterns, "api"))),
    # GraphiQL is on or off by settings.GRAPHQL_GRAPHIQL, read on each request.
    path(
        "graphql/",
        graphiql_csp(KeelGraphQLView.as_view(page_size_limits=PAGE_SIZE_LIMITS)),
        name="graphql",
    ),
    path("accounts/", include("apps.accounts.urls")),
    path("", include("apps.caching.urls")),
    path("", include("apps.operations.urls")),
    path("", include("apps.content.urls")),
]

handler400 = "apps.operations.views.bad_request"
handler404 = "apps.operations.views.not_found"
handler500 = "apps.operations.views.server_error"
