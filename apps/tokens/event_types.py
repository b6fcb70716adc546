"""Event types the tokens app publishes (never with the token or its hash)."""

from apps.events.catalog import declare_event_type

_TOKEN_PROPERTIES = {
    "token_id": {"type": "integer"},
    "user_id": {"type": "integer"},
    "name": {"type": "string"},
    "prefix": {"type": "string"},
}

declare_event_type(
    "token.created",
    description="A user created a personal access token.",
    schema={
        "type": "object",
        "required": ["token_id", "user_id", "name", "prefix", "scopes", "expires_at"],
        "properties": {
            **_TOKEN_PROPERTIES,
            "scopes": {"type": "array", "items": {"type": "string"}},
            "expires_at": {"type": "string", "format": "date-time"},
        },
        "additionalProperties": False,
    },
    example={
        "token_id": 5,
        "user_id": 7,
        "name": "CI deploys",
        "prefix": "keel_pat_k3x9a0b2c4d6",
        "scopes": ["read", "write"],
        "expires_at": "2027-02-24T09:30:00+00:00",
    },
)

declare_event_type(
    "token.revoked",
    description="A personal access token was revoked (by its owner, or staff).",
    schema={
        "type": "object",
        "required": ["token_id", "user_id", "name", "prefix"],
        "properties": _TOKEN_PROPERTIES,
        "additionalProperties": False,
    },
    example={
        "token_id": 5,
        "user_id": 7,
        "name": "CI deploys",
        "prefix": "keel_pat_k3x9a0b2c4d6",
    },
)
