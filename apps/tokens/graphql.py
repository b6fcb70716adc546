"""GraphQL: a request authenticated by a token without the `write` scope runs no mutation.

Declared in settings.GRAPHENE["MIDDLEWARE"]; the endpoint authenticates tokens with the REST
API's authentication classes (apps/api/graphql_view.py), which mark the user with the
token's scopes.
"""

from typing import Any

from graphql import OperationType

from apps.tokens.authentication import token_scopes
from apps.tokens.errors import TokenScopeMissing


class TokenScopeMiddleware:
    def resolve(self, next_: Any, root: Any, info: Any, **kwargs: Any) -> Any:
        if root is None and info.operation.operation == OperationType.MUTATION:
            scopes = token_scopes(getattr(info.context, "user", None))
            if scopes is not None and "write" not in scopes:
                raise TokenScopeMissing()
        return next_(root, info, **kwargs)
