"""Event types the accounts app publishes: security events of an account."""

from apps.events.catalog import declare_event_type

declare_event_type(
    "account.password_changed",
    description="A signed-in user changed their password (their other sessions were ended).",
    schema={
        "type": "object",
        "required": ["user_id", "changed_at"],
        "properties": {
            "user_id": {"type": "integer"},
            "changed_at": {"type": "string", "format": "date-time"},
        },
        "additionalProperties": False,
    },
    example={"user_id": 7, "changed_at": "2026-12-02T10:15:00+00:00"},
)

declare_event_type(
    "account.password_reset",
    description=(
        "A password was set through an e-mailed reset link; every session and API token "
        "of the account was ended."
    ),
    schema={
        "type": "object",
        "required": ["user_id", "reset_at"],
        "properties": {
            "user_id": {"type": "integer"},
            "reset_at": {"type": "string", "format": "date-time"},
        },
        "additionalProperties": False,
    },
    example={"user_id": 7, "reset_at": "2026-12-02T10:15:00+00:00"},
)

declare_event_type(
    "account.email_changed",
    description=(
        "A user's e-mail address changed once the new address was verified through its "
        "link (the old address was told)."
    ),
    schema={
        "type": "object",
        "required": ["user_id", "old_email", "new_email", "changed_at"],
        "properties": {
            "user_id": {"type": "integer"},
            "old_email": {"type": "string", "format": "email"},
            "new_email": {"type": "string", "format": "email"},
            "changed_at": {"type": "string", "format": "date-time"},
        },
        "additionalProperties": False,
    },
    example={
        "user_id": 7,
        "old_email": "ada@example.com",
        "new_email": "ada@example.org",
        "changed_at": "2026-12-02T10:15:00+00:00",
    },
)

_FACTOR_SCHEMA = {
    "type": "object",
    "required": ["user_id", "factor", "at"],
    "properties": {
        "user_id": {"type": "integer"},
        "factor": {"type": "string", "enum": ["totp"]},
        "at": {"type": "string", "format": "date-time"},
    },
    "additionalProperties": False,
}

declare_event_type(
    "account.factor_added",
    description=(
        "A user turned on two-factor authentication: an authenticator app (TOTP) confirmed "
        "with a code; ten recovery codes were issued with it."
    ),
    schema=_FACTOR_SCHEMA,
    example={"user_id": 7, "factor": "totp", "at": "2026-12-02T10:15:00+00:00"},
)

declare_event_type(
    "account.factor_removed",
    description=(
        "A user turned two-factor authentication off (asked for their password again); "
        "their recovery codes were deleted with it."
    ),
    schema=_FACTOR_SCHEMA,
    example={"user_id": 7, "factor": "totp", "at": "2026-12-02T10:15:00+00:00"},
)

declare_event_type(
    "account.recovery_code_used",
    description=(
        "A recovery code was used for the second sign-in step (each works once); the user "
        "was e-mailed about it."
    ),
    schema={
        "type": "object",
        "required": ["user_id", "remaining", "used_at"],
        "properties": {
            "user_id": {"type": "integer"},
            "remaining": {"type": "integer", "minimum": 0},
            "used_at": {"type": "string", "format": "date-time"},
        },
        "additionalProperties": False,
    },
    example={"user_id": 7, "remaining": 9, "used_at": "2026-12-02T10:15:00+00:00"},
)
