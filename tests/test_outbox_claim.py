"""Two workers claiming one message: exactly one gets it and the channel is called once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from gridgov.core import outbox
from gridgov.core.channels import register_channel, unregister_channel
from gridgov.core.models import OutboxMessage, OutboxStatus


class Recorder:
    """Counts sends (from any thread)."""

    def __init__(self) -> None:
        self.sent = 0
        self.lock = threading.Lock()

    def send(self, address: str, payload: dict[str, Any]) -> None:
        with self.lock:
            self.sent += 1


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    sender = Recorder()
    register_channel("recording", sender)
    yield sender
    unregister_channel("recording")


def due_message() -> OutboxMessage:
    return OutboxMessage.objects.create(
        channel="recording", address="unit-1", payload={}, next_attempt_at=timezone.now()
    )


@pytest.mark.django_db
def test_a_second_claim_of_the_same_message_gets_nothing(recorder: Recorder) -> None:
    message = due_message()
    first = outbox.claim(message.pk)
    second = outbox.claim(message.pk)
    assert first is not None and first.status == OutboxStatus.SENDING and first.attempts == 1
    assert second is None
    message.refresh_from_db()
    assert message.attempts == 1


@pytest.mark.django_db
def test_a_message_not_yet_due_or_already_delivered_is_not_claimed(recorder: Recorder) -> None:
    message = due_message()
    assert outbox.claim(message.pk, now=message.next_attempt_at - timezone.timedelta(seconds=1)) is None
    assert outbox.deliver_message(message.pk) == "delivered"
    assert outbox.claim(message.pk) is None
    assert outbox.deliver_message(message.pk) == "skipped"
    assert recorder.sent == 1


def run_together(workers: int, job: Callable[[], Any]) -> list[Any]:
    barrier = threading.Barrier(workers)
    results: list[Any] = [None] * workers
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = job()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
def test_workers_racing_for_one_message_deliver_it_once(recorder: Recorder) -> None:
    messages = [due_message() for _ in range(20)]
    if connection.vendor == "sqlite":
        # SQLite's in-memory test database is one connection: the workers run one after the other.
        outcomes = [[outbox.deliver_message(m.pk) for _ in range(2)] for m in messages]
    else:
        outcomes = [run_together(4, lambda m=m: outbox.deliver_message(m.pk)) for m in messages]
    for outcome in outcomes:
        assert sorted(outcome).count("delivered") == 1
        assert set(outcome) <= {"delivered", "skipped"}
    assert recorder.sent == len(messages)
    assert set(OutboxMessage.objects.values_list("status", "attempts")) == {(OutboxStatus.DELIVERED, 1)}


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_return_the_message_to_one_worker_only(recorder: Recorder) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("one in-memory connection: covered sequentially above")
    message = due_message()
    claims = run_together(8, lambda: outbox.claim(message.pk))
    assert sum(c is not None for c in claims) == 1
