"""Domain errors raised by account services (the error model: apps/kernel/errors.py)."""

from apps.kernel.errors import DomainError


class AccountError(DomainError):
    code = "account_error"
    title = "Account error"


class EmailTaken(AccountError):
    """Raised to staff tools only: public sign-up answers the same for a taken address."""

    code = "email_taken"
    status = 409
    title = "E-mail address taken"
    field = "email"

    def __init__(self, email: str) -> None:
        super().__init__(f"An account with the e-mail {email} already exists.")


class InvalidDisplayName(AccountError):
    code = "invalid_display_name"
    status = 422
    title = "Invalid display name"
    field = "display_name"
    default_message = "The display name may not contain control characters."


class InvalidCredentials(AccountError):
    code = "invalid_credentials"
    title = "Invalid credentials"
    default_message = "The e-mail or password is incorrect."


class TooManyAttempts(AccountError):
    code = "too_many_attempts"
    status = 429
    title = "Too many attempts"
    what = "sign-in attempts"

    def __init__(self, retry_after: int) -> None:
        unit = "second" if retry_after == 1 else "seconds"
        super().__init__(f"Too many {self.what}. Try again in {retry_after} {unit}.")
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class TooManySignUps(TooManyAttempts):
    code = "too_many_sign_ups"
    what = "sign-ups from your address"


class TooManyResetRequests(TooManyAttempts):
    code = "too_many_reset_requests"
    what = "password reset requests from your address"


class EmailNotVerified(AccountError):
    """Raised only after the password was right, so it tells nothing to whoever lacks it."""

    code = "email_not_verified"
    status = 403
    title = "E-mail address not verified"
    default_message = (
        "Verify your e-mail address first: follow the link we sent you, or ask for a new one."
    )


class InvalidLink(AccountError):
    """A verification, e-mail change or password reset link that is tampered with, expired,
    used already, or for another account: all answer alike."""

    code = "invalid_link"
    status = 400
    title = "Invalid or expired link"
    default_message = "This link is invalid or has expired. Ask for a new one."


class InvalidFactorCode(AccountError):
    """A wrong, reused or expired TOTP or recovery code (all answer alike)."""

    code = "invalid_factor_code"
    status = 400
    title = "Invalid code"
    field = "code"
    default_message = "The code is incorrect or was used already."


class TwoFactorAlreadyEnabled(AccountError):
    code = "two_factor_already_enabled"
    status = 409
    title = "Two-factor authentication already on"
    default_message = "Two-factor authentication is on already: turn it off first."


class TwoFactorNotEnabled(AccountError):
    code = "two_factor_not_enabled"
    status = 409
    title = "Two-factor authentication off"
    default_message = "Two-factor authentication is not on for this account."


class NoEnrolmentPending(AccountError):
    code = "no_enrolment_pending"
    status = 409
    title = "No enrolment pending"
    default_message = "Start the set-up of two-factor authentication first."


class SignInStepExpired(AccountError):
    """The second sign-in step came without a valid, recent first step."""

    code = "sign_in_step_expired"
    status = 400
    title = "Sign-in expired"
    default_message = "Your sign-in has expired. Sign in with your password again."


class SecondFactorRequired(AccountError):
    """The password was right, but the account also needs a TOTP or recovery code."""

    code = "second_factor_required"
    status = 401
    title = "Second factor required"
    field = "code"
    default_message = "This account uses two-factor authentication: send a code too."
