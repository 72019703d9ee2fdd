"""An outbox message exists if and only if the change that caused it commits; its delivery is scheduled on commit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from gridgov.core import outbox
from gridgov.core.channels import register_channel, unregister_channel
from gridgov.core.models import OutboxMessage, OutboxStatus

pytestmark = pytest.mark.django_db


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def send(self, address: str, payload: dict[str, Any]) -> None:
        self.sent.append((address, payload))


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    sender = Recorder()
    register_channel("recording", sender)
    yield sender
    unregister_channel("recording")


def test_a_message_enqueued_in_a_transaction_that_rolls_back_leaves_no_row_and_sends_nothing(
    recorder: Recorder, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    class Boom(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Boom), transaction.atomic():
        outbox.enqueue("recording", "unit-1", {"event": "case.dispatched"})
        raise Boom
    assert not OutboxMessage.objects.exists()
    assert callbacks == []
    assert recorder.sent == []


def test_a_committed_message_is_delivered_by_the_task_scheduled_on_commit(
    recorder: Recorder, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        message = outbox.enqueue("recording", "unit-1", {"event": "case.dispatched", "case": 7})
        assert recorder.sent == []  # nothing leaves before the commit
    assert recorder.sent == [("unit-1", {"event": "case.dispatched", "case": 7})]
    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED
    assert message.attempts == 1
    assert message.delivered_at is not None


def test_enqueue_refuses_to_run_outside_a_transaction(recorder: Recorder) -> None:
    # pytest-django wraps each test in a transaction; leave it for this call only.
    connection = transaction.get_connection()
    saved = connection.in_atomic_block
    connection.in_atomic_block = False
    try:
        with pytest.raises(outbox.NotInTransaction):
            outbox.enqueue("recording", "unit-1", {})
    finally:
        connection.in_atomic_block = saved
    assert not OutboxMessage.objects.exists()


def test_a_dedupe_key_writes_the_message_once(
    recorder: Recorder, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        first = outbox.enqueue("recording", "unit-1", {"n": 1}, dedupe_key="case-7-dispatched")
        second = outbox.enqueue("recording", "unit-1", {"n": 2}, dedupe_key="case-7-dispatched")
    assert first.pk == second.pk
    assert OutboxMessage.objects.count() == 1
    assert recorder.sent == [("unit-1", {"n": 1})]


def test_the_database_refuses_two_rows_with_one_dedupe_key_but_allows_many_without() -> None:
    OutboxMessage.objects.create(channel="webhook", address="http://a.example/", dedupe_key=None)
    OutboxMessage.objects.create(channel="webhook", address="http://a.example/", dedupe_key=None)
    OutboxMessage.objects.create(channel="webhook", address="http://a.example/", dedupe_key="k")
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboxMessage.objects.create(channel="webhook", address="http://a.example/", dedupe_key="k")


@pytest.mark.parametrize(
    ("channel", "address"),
    [("nosuchchannel", "x"), ("webhook", "file:///etc/passwd"), ("webhook", "not a url"), ("email", "nobody")],
)
def test_enqueue_rejects_an_unknown_channel_or_a_malformed_address_at_once(channel: str, address: str) -> None:
    with pytest.raises(ValueError), transaction.atomic():
        outbox.enqueue(channel, address, {})
    assert not OutboxMessage.objects.exists()
