"""The project's URLs: web UI, admin, REST API with its schema and docs, GraphQL, health.

The REST routes under /api/ and the GraphQL types are each app's own declarations
(apps/kernel/declarations.py); an app's web pages are one `include` here.
"""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csp import csp_override, csp_report_only_override

from apps.api.graphql_schema import PAGE_SIZE_LIMITS
from apps.api.graphql_view import KeelGraphQLView

# GraphiQL's page needs the CDN its React app comes from; the site's report-only switch
# holds for it too.
graphiql_csp = (csp_report_only_override if settings.CSP_REPORT_ONLY else csp_override)(
    settings.GRAPHIQL_CSP
)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("apps.api.urls")),
    # GraphiQL is on or off by settings.GRAPHQL_GRAPHIQL, read on each request.
    path(
        "graphql/",
        graphiql_csp(KeelGraphQLView.as_view(page_size_limits=PAGE_SIZE_LIMITS)),
        name="graphql",
    ),
    path("accounts/", include("apps.accounts.urls")),
    path("tokens/", include("apps.tokens.urls")),
    path("", include("apps.caching.urls")),
    path("", include("apps.operations.urls")),
    path("", include("apps.content.urls")),
]

handler400 = "apps.operations.views.bad_request"
handler404 = "apps.operations.views.not_found"
handler500 = "apps.operations.views.server_error"
