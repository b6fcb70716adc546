"""What the token services accept: scopes, names and lifetimes.

Scopes:
- `read`: safe requests (REST GET/HEAD/OPTIONS, GraphQL queries, websockets);
- `write`: also unsafe requests (REST POST/PUT/PATCH/DELETE, GraphQL mutations).
"""

from datetime import timedelta

from django.conf import settings

SCOPES = {"read": "Read what the user may read", "write": "Change what the user may change"}
NAME_MAX_LENGTH = 100


def max_lifetime() -> timedelta:
    return timedelta(days=settings.TOKENS["MAX_LIFETIME_DAYS"])


def default_lifetime() -> timedelta:
    return timedelta(days=settings.TOKENS["DEFAULT_LIFETIME_DAYS"])
