"""Account endpoints, mounted under /api/."""

from django.urls import path

from apps.accounts.api import views

urlpatterns = [
    path("auth/signup/", views.SignUpView.as_view(), name="auth-signup"),
    path("auth/token/", views.TokenView.as_view(), name="auth-token"),
    path("auth/session/", views.SessionView.as_view(), name="auth-session"),
    path("me/", views.MeView.as_view(), name="me"),
]
