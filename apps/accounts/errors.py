"""Domain errors raised by account services."""


class AccountError(Exception):
    """Base class of account errors; `code` is stable for API clients."""

    code = "account_error"


class EmailTaken(AccountError):
    code = "email_taken"

    def __init__(self, email: str) -> None:
        super().__init__(f"An account with the e-mail {email} already exists.")


class InvalidCredentials(AccountError):
    code = "invalid_credentials"

    def __init__(self) -> None:
        super().__init__("The e-mail or password is incorrect.")


class TooManyAttempts(AccountError):
    code = "too_many_attempts"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many sign-in attempts. Try again in {retry_after} seconds.")
        self.retry_after = retry_after
