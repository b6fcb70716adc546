"""Pages of personal access tokens, mounted at /tokens/."""

from django.urls import path

from apps.tokens import views

app_name = "tokens"

urlpatterns = [
    path("", views.token_list, name="list"),
    path("<int:token_id>/revoke/", views.token_revoke, name="revoke"),
]
