from django.apps import AppConfig


class TokensConfig(AppConfig):
    name = "apps.tokens"
    label = "tokens"
    verbose_name = "Personal access tokens"
    # What the app plugs into the platform (apps/kernel/declarations.py).
    rest_urls = "apps.tokens.api.urls"
    # Token lookups are cached (apps/tokens/authentication.py): revoking a token, or changing
    # its user, must invalidate them.
    cached_models = ("tokens.PersonalAccessToken", "accounts.User")

    def ready(self) -> None:
        from apps.tokens.api import openapi  # noqa: F401  (registers the schema's auth scheme)
