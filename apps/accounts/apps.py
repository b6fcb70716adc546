from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    verbose_name = "Accounts"
    # What the app plugs into the platform (apps/kernel/declarations.py).
    rest_urls = "apps.accounts.api.urls"
    graphql_schema = "apps.accounts.schema"
    # Pages and answers cache users (token lookups are apps/tokens').
    cached_models = ("accounts.User",)

    def ready(self) -> None:
        from apps.accounts import receivers  # noqa: F401  (connects the auth signals)


class KeelAdminConfig(admin_apps.AdminConfig):
    """Django's admin app with Keel's site (apps/accounts/admin_site.py) as `admin.site`."""

    default = False  # not the config of apps.accounts: INSTALLED_APPS names it
    default_site = "apps.accounts.admin_site.KeelAdminSite"
