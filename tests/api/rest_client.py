"""REST test clients: a client authenticated by API token, and the problem content type."""

from rest_framework.test import APIClient

from apps.accounts.services import issue_api_token
from tests.accounts.factories import PASSWORD

PROBLEM = "application/problem+json"


def token_client(user) -> APIClient:
    client = APIClient()
    token = issue_api_token(email=user.email, password=PASSWORD)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.key}")
    return client
