"""Domain errors raised by account services."""


class AccountError(Exception):
    """Base class of account errors; `code` is stable for API clients."""

    code = "account_error"


class EmailTaken(AccountError):
    """Raised to staff tools only: public sign-up answers the same for a taken address."""

    code = "email_taken"

    def __init__(self, email: str) -> None:
        super().__init__(f"An account with the e-mail {email} already exists.")


class InvalidDisplayName(AccountError):
    code = "invalid_display_name"
    field = "display_name"

    def __init__(self) -> None:
        super().__init__("The display name may not contain control characters.")


class InvalidCredentials(AccountError):
    code = "invalid_credentials"

    def __init__(self) -> None:
        super().__init__("The e-mail or password is incorrect.")


class TooManyAttempts(AccountError):
    code = "too_many_attempts"
    what = "sign-in attempts"

    def __init__(self, retry_after: int) -> None:
        unit = "second" if retry_after == 1 else "seconds"
        super().__init__(f"Too many {self.what}. Try again in {retry_after} {unit}.")
        self.retry_after = retry_after


class TooManySignUps(TooManyAttempts):
    code = "too_many_sign_ups"
    what = "sign-ups from your address"
