from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "apps.content"
    label = "content"
    verbose_name = "Content"
    # What the app plugs into the platform (apps/kernel/declarations.py).
    rest_urls = "apps.content.api.urls"
    graphql_schema = "apps.content.schema"
    websocket_urls = "apps.content.routing"
    # Pages and API answers show posts with their tags, comments and authors' names.
    cached_models = ("content.Post", "content.Comment", "content.Tag", "accounts.User")
