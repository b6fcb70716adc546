"""How the OpenAPI schema describes token authentication (loaded by TokensConfig.ready)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "apps.tokens.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "keel_pat_<id>_<secret>",
            "description": (
                "A personal access token (`/api/tokens/`, `/tokens/`). Scopes: `read` for safe "
                "requests, `write` for changes. `Authorization: Token <key>` is deprecated."
            ),
        }
