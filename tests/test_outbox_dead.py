"""After the last attempt a message is dead: kept, visible to administrators (admin and API), and retried on
request — never dropped."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from gridgov.core import outbox
from gridgov.core.channels import DeliveryError, register_channel, unregister_channel
from gridgov.core.models import OutboxMessage, OutboxStatus

from .factories import MiniCity, UserFactory


class Flaky:
    def __init__(self) -> None:
        self.up = False
        self.calls = 0

    def send(self, address: str, payload: dict[str, Any]) -> None:
        self.calls += 1
        if not self.up:
            raise DeliveryError("HTTP 503")


@pytest.fixture
def flaky() -> Iterator[Flaky]:
    sender = Flaky()
    register_channel("flaky", sender)
    yield sender
    unregister_channel("flaky")


def run_until_dead(message: OutboxMessage) -> None:
    now = timezone.now()
    for _ in range(10):
        outcome = outbox.deliver_message(message.pk, now=now)
        if outcome == "dead":
            return
        message.refresh_from_db()
        now = message.next_attempt_at
    raise AssertionError("never dead")


@pytest.fixture
def dead(db: None, flaky: Flaky) -> OutboxMessage:
    message = OutboxMessage.objects.create(channel="flaky", address="https://unit.example/hook", payload={"n": 1})
    with override_settings(OUTBOX_MAX_ATTEMPTS=3):
        run_until_dead(message)
    message.refresh_from_db()
    return message


def test_a_message_is_dead_after_the_configured_number_of_attempts_and_kept(dead: OutboxMessage, flaky: Flaky) -> None:
    assert (dead.status, dead.attempts, dead.last_error) == (OutboxStatus.DEAD, 3, "HTTP 503")
    assert flaky.calls == 3
    # Neither a worker nor the sweep touches it again, however late.
    later = timezone.now() + timedelta(days=30)
    assert outbox.deliver_message(dead.pk, now=later) == "skipped"
    assert dead.pk not in outbox.sweep(now=later).queued
    assert flaky.calls == 3
    assert OutboxMessage.objects.filter(pk=dead.pk, status=OutboxStatus.DEAD).exists()


def test_a_sender_that_crashes_counts_as_a_failed_attempt_without_its_text(db: None) -> None:
    def broken(address: str, payload: dict[str, Any]) -> None:
        raise RuntimeError(f"secret payload {payload}")

    register_channel("broken", broken)
    try:
        message = OutboxMessage.objects.create(channel="broken", address="x", payload={"phone": "13800000000"})
        assert outbox.deliver_message(message.pk) == "failed"
    finally:
        unregister_channel("broken")
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED
    assert message.last_error == "RuntimeError in channel broken"


def test_the_admin_lists_dead_messages_and_retry_now_delivers_them(
    dead: OutboxMessage, flaky: Flaky, client: Client, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(superuser)
    page = client.get("/admin/core/outboxmessage/?status__exact=dead")
    assert page.status_code == 200
    assert "https://unit.example/hook" in page.content.decode()
    assert "HTTP 503" in page.content.decode()

    flaky.up = True
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/core/outboxmessage/", {"action": "retry_now", "_selected_action": [str(dead.pk)]}
        )
    assert response.status_code == 302
    dead.refresh_from_db()
    assert (dead.status, dead.attempts) == (OutboxStatus.DELIVERED, 1)
    assert flaky.calls == 4


def test_the_admin_cannot_delete_an_outbox_message(dead: OutboxMessage, client: Client) -> None:
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    assert client.get(f"/admin/core/outboxmessage/{dead.pk}/delete/").status_code == 403


def test_administrators_list_dead_messages_through_the_api_and_retry_one(
    city: MiniCity, dead: OutboxMessage, flaky: Flaky, api: APIClient
) -> None:
    OutboxMessage.objects.create(channel="flaky", address="other", status=OutboxStatus.DELIVERED)
    api.force_authenticate(city.users["admin"])
    response = api.get("/api/v1/outbox/", {"status": "dead"})
    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert (row["id"], row["status"], row["attempts"], row["last_error"]) == (dead.pk, "dead", 3, "HTTP 503")
    assert "payload" not in row

    response = api.post(f"/api/v1/outbox/{dead.pk}/retry/")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["attempts"]) == ("pending", 0)


def test_retrying_a_delivered_message_is_a_conflict(city: MiniCity, api: APIClient) -> None:
    delivered = OutboxMessage.objects.create(channel="webhook", address="http://x.example/", status="delivered")
    api.force_authenticate(city.users["admin"])
    assert api.post(f"/api/v1/outbox/{delivered.pk}/retry/").status_code == 409
    delivered.refresh_from_db()
    assert delivered.status == OutboxStatus.DELIVERED


def test_an_unknown_status_filter_is_a_field_error(city: MiniCity, api: APIClient) -> None:
    api.force_authenticate(city.users["admin"])
    response = api.get("/api/v1/outbox/", {"status": "lost"})
    assert response.status_code == 400
    assert "status" in response.json()


@pytest.mark.parametrize("username", ["community", "district", "worker", "resident", "nobody"])
def test_the_outbox_api_is_for_administrators_only(
    city: MiniCity, dead: OutboxMessage, api: APIClient, username: str
) -> None:
    api.force_authenticate(city.users[username])
    assert api.get("/api/v1/outbox/").status_code == 403
    assert api.post(f"/api/v1/outbox/{dead.pk}/retry/").status_code == 403
    dead.refresh_from_db()
    assert dead.status == OutboxStatus.DEAD
