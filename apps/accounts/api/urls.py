"""Account endpoints, mounted under /api/."""

from django.urls import path

from apps.accounts.api import views

urlpatterns = [
    path("auth/signup/", views.SignUpView.as_view(), name="auth-signup"),
    path("auth/token/", views.TokenView.as_view(), name="auth-token"),
    path("auth/session/", views.SessionView.as_view(), name="auth-session"),
    path("auth/session/code/", views.SessionCodeView.as_view(), name="auth-session-code"),
    path("auth/verify/", views.VerifyEmailView.as_view(), name="auth-verify"),
    path("auth/verify/resend/", views.ResendVerificationView.as_view(), name="auth-verify-resend"),
    path("auth/password/reset/", views.PasswordResetView.as_view(), name="auth-password-reset"),
    path(
        "auth/password/reset/confirm/",
        views.PasswordResetConfirmView.as_view(),
        name="auth-password-reset-confirm",
    ),
    path("auth/email/confirm/", views.EmailChangeConfirmView.as_view(), name="auth-email-confirm"),
    path("me/", views.MeView.as_view(), name="me"),
    path("me/password/", views.PasswordChangeView.as_view(), name="me-password"),
    path("me/email/", views.EmailChangeView.as_view(), name="me-email"),
    path("me/totp/", views.TotpView.as_view(), name="me-totp"),
    path("me/totp/confirm/", views.TotpConfirmView.as_view(), name="me-totp-confirm"),
    path("me/totp/disable/", views.TotpDisableView.as_view(), name="me-totp-disable"),
    path("me/recovery-codes/", views.RecoveryCodesView.as_view(), name="me-recovery-codes"),
]
