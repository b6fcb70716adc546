"""Errors of the token services."""

from apps.kernel.errors import DomainError


class TokenError(DomainError):
    code = "token_error"


class InvalidTokenInput(TokenError):
    code = "invalid_token_input"
    status = 422
    title = "Invalid token"
    default_message = "The token's settings are not valid."


class TokenNotFound(TokenError):
    """A token that does not exist or belongs to someone else (never told apart)."""

    code = "token_not_found"
    status = 404
    title = "Not found"
    default_message = "No such token."


class TokenScopeMissing(TokenError):
    code = "token_scope_missing"
    status = 403
    title = "Token scope missing"
    default_message = "This token's scopes do not allow changes (it lacks `write`)."
