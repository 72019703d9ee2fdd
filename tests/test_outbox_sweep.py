"""The periodic sweep: it queues due messages and takes back those whose worker died mid-delivery."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from gridgov.core import outbox, tasks
from gridgov.core.channels import register_channel, unregister_channel
from gridgov.core.models import OutboxMessage, OutboxStatus

pytestmark = pytest.mark.django_db


class Recorder:
    def __init__(self) -> None:
        self.sent: list[str] = []

    def send(self, address: str, payload: dict[str, Any]) -> None:
        self.sent.append(address)


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    sender = Recorder()
    register_channel("recording", sender)
    yield sender
    unregister_channel("recording")


def stuck(minutes_ago: float, attempts: int = 1) -> OutboxMessage:
    """A row a worker claimed ``minutes_ago`` and never finished (it died)."""
    claimed = timezone.now() - timedelta(minutes=minutes_ago)
    return OutboxMessage.objects.create(
        channel="recording",
        address=f"unit-{minutes_ago}",
        status=OutboxStatus.SENDING,
        attempts=attempts,
        claimed_at=claimed,
        next_attempt_at=claimed,
    )


def test_a_sending_row_older_than_the_lease_is_reclaimed_and_delivered(recorder: Recorder) -> None:
    lease_minutes = settings.OUTBOX_LEASE_SECONDS / 60
    message = stuck(lease_minutes + 1)
    result = outbox.sweep()
    assert result.reclaimed == 1 and result.queued == [message.pk]
    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED  # the queued task ran (eagerly in tests)
    assert message.attempts == 2  # the lost attempt still counts
    assert recorder.sent == [message.address]


def test_a_sending_row_within_its_lease_is_left_to_its_worker(recorder: Recorder) -> None:
    message = stuck(1)
    result = outbox.sweep()
    assert (result.reclaimed, result.queued) == (0, [])
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENDING
    assert recorder.sent == []


@override_settings(OUTBOX_MAX_ATTEMPTS=3)
def test_a_stuck_row_that_has_used_every_attempt_is_dead_not_retried(recorder: Recorder) -> None:
    message = stuck(60, attempts=3)
    result = outbox.sweep()
    assert (result.dead, result.reclaimed, result.queued) == (1, 0, [])
    message.refresh_from_db()
    assert message.status == OutboxStatus.DEAD
    assert "lease" in message.last_error
    assert recorder.sent == []


def test_the_sweep_queues_due_messages_whose_on_commit_task_was_lost(recorder: Recorder) -> None:
    now = timezone.now()
    due = OutboxMessage.objects.create(channel="recording", address="due", next_attempt_at=now - timedelta(seconds=5))
    waiting = OutboxMessage.objects.create(
        channel="recording", address="later", status=OutboxStatus.FAILED, next_attempt_at=now + timedelta(minutes=5)
    )
    assert tasks.sweep_outbox.delay().get() == {"reclaimed": 0, "dead": 0, "queued": 1}
    due.refresh_from_db()
    waiting.refresh_from_db()
    assert due.status == OutboxStatus.DELIVERED
    assert waiting.status == OutboxStatus.FAILED
    assert recorder.sent == ["due"]


def test_the_sweep_runs_every_minute_under_celery_beat() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["outbox-sweep"]
    assert entry["task"] == tasks.sweep_outbox.name
    assert entry["schedule"] == 60.0
