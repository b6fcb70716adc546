"""Account pages, mounted at /accounts/."""

from django.urls import path

from apps.accounts import views

app_name = "accounts"

urlpatterns = [
    path("signup/", views.sign_up, name="signup"),
    path("signin/", views.SignInView.as_view(), name="signin"),
    path("signin/code/", views.sign_in_code, name="sign_in_code"),
    path("security/", views.two_factor, name="security"),
    path("signout/", views.SignOutView.as_view(), name="signout"),
    path("verify/resend/", views.resend_verification, name="resend_verification"),
    path("verify/<str:token>/", views.verify_email, name="verify_email"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path(
        "password/reset/<str:uid>/<str:token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("settings/", views.account_settings, name="settings"),
    path("email/confirm/<str:token>/", views.confirm_email_change, name="confirm_email_change"),
]
