"""The events admin: the outbox and the delivery ledger are a record, retried only by
those allowed to change it."""

import pytest
from django.contrib.auth.models import Permission

from apps.accounts.services import create_account
from apps.events.models import Delivery, OutboxEvent
from tests.accounts.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _staff(*codenames: str):
    user = create_account(email=f"staff-{'-'.join(codenames)}@example.com", password=PASSWORD)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def _given_up_delivery() -> Delivery:
    event = OutboxEvent.objects.create(event_type="post.published", payload={})
    return Delivery.objects.create(
        event=event, subscriber="content.broadcast_publication", status=Delivery.Status.GIVEN_UP
    )


def _retry(client, user, delivery: Delivery):
    client.force_login(user)
    return client.post(
        "/admin/events/delivery/",
        {"action": "retry", "_selected_action": [delivery.pk]},
    )


def test_staff_who_may_only_view_deliveries_cannot_retry_them(client):
    delivery = _given_up_delivery()

    _retry(client, _staff("view_delivery"), delivery)

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.GIVEN_UP


def test_staff_who_may_change_deliveries_retry_them(client):
    delivery = _given_up_delivery()

    _retry(client, _staff("view_delivery", "change_delivery"), delivery)

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PENDING


def test_no_one_deletes_outbox_events_or_deliveries_in_the_admin(client):
    delivery = _given_up_delivery()
    root = create_account(
        email="root@example.com", password=PASSWORD, is_staff=True, is_superuser=True
    )
    client.force_login(root)

    event_page = client.get(f"/admin/events/outboxevent/{delivery.event_id}/delete/")
    delivery_page = client.get(f"/admin/events/delivery/{delivery.pk}/delete/")

    assert (event_page.status_code, delivery_page.status_code) == (403, 403)
    assert Delivery.objects.filter(pk=delivery.pk).exists()
