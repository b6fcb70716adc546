"""The event backbone: a transactional outbox, a catalog of event types, subscribers, and a
delivery ledger.

Services call `apps.events.services.publish()` inside their transaction. After commit the
event is fanned out into one `Delivery` per subscriber (by type name or pattern), and each
delivery is its own Celery job, with its own attempts, backoff and dead letter. A periodic
relay repairs what crashes and lost messages leave behind. See docs/events.md.
"""
