"""Tokens made through the service, and clients that send them."""

from datetime import timedelta

from django.utils import timezone
from rest_framework.test import APIClient

from apps.tokens.services import CreatedToken, create_token


def make_token(user, *, scopes=("read", "write"), name="script", days=30) -> CreatedToken:
    return create_token(
        actor=user,
        name=name,
        scopes=list(scopes),
        expires_at=timezone.now() + timedelta(days=days),
    )


def bearer_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client
