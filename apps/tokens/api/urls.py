"""Personal access token endpoints, mounted under /api/."""

from django.urls import path

from apps.tokens.api import views

urlpatterns = [
    path("tokens/", views.TokenListView.as_view(), name="tokens"),
    path("tokens/<int:token_id>/", views.TokenDetailView.as_view(), name="token"),
]
