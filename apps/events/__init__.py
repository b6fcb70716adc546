"""The event backbone: a transactional outbox, a catalog of event types, and subscribers.

Services call `apps.events.services.publish()` inside their transaction. After commit a Celery
task hands the event to every subscriber of its type; a periodic relay re-dispatches events
that committed but were never dispatched. Each (event, subscriber) pair runs at most once.
"""
