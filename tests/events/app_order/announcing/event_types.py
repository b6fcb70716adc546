from apps.events.catalog import declare_event_type

declare_event_type(
    "announcing.happened",
    description="Something happened.",
    schema={"type": "object"},
    example={},
)
