from apps.events.registry import EventEnvelope, subscriber


@subscriber("announcing.happened", name="listening.on_happened")
def on_happened(event: EventEnvelope) -> None:
    return None


@subscriber("announcing.*", name="listening.on_anything_announced")
def on_anything_announced(event: EventEnvelope) -> None:
    return None


@subscriber("*", name="listening.on_every_event")
def on_every_event(event: EventEnvelope) -> None:
    return None
