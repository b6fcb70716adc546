"""Scopes in the permission model: a user authenticated by a token without `write` holds no
permission but `*.view_*`, whatever the rules say, so `has_perm` and every service's
`require_perm` refuse changes on any surface. Superusers skip backends (Django's
`has_perm` lets them through); the REST and GraphQL checks (authentication.py, graphql.py)
refuse their read-only tokens before any view runs."""

from typing import Any

from django.core.exceptions import PermissionDenied

from apps.tokens.authentication import token_scopes


class TokenScopeBackend:
    """First in AUTHENTICATION_BACKENDS: its refusal stops the backends after it."""

    def authenticate(self, request: Any, **credentials: Any) -> None:
        return None

    def has_perm(self, user_obj: Any, perm: str, obj: object = None) -> bool:
        scopes = token_scopes(user_obj)
        read_only = scopes is not None and "write" not in scopes
        if read_only and not perm.partition(".")[2].startswith("view_"):
            raise PermissionDenied(f"The token lacks the `write` scope for {perm}.")
        return False
