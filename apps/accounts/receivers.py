"""Django auth signals the accounts app listens to: they count signed-in sessions."""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from apps.accounts import services


@receiver(user_logged_in, dispatch_uid="accounts.track_session")
def _track_session(sender, request, user, **kwargs) -> None:
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        services.track_session(user=user, session_key=session_key)


@receiver(user_logged_out, dispatch_uid="accounts.forget_session")
def _forget_session(sender, request, user, **kwargs) -> None:
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        services.forget_session(session_key=session_key)
