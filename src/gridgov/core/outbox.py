"""The outbox: deliveries that must not be lost (DESIGN "Background work").

A service that changes something and must tell the outside world (a webhook to a department's system, an email)
calls :func:`enqueue` inside its own transaction. The message row commits or rolls back with the change; only after
the commit is a delivery attempt scheduled (``transaction.on_commit``), so a rolled-back change sends nothing and a
committed one is never forgotten, even if the broker is down at that moment: the periodic :func:`sweep` finds it.

Delivery is at-least-once. A worker *claims* a message with a conditional UPDATE (``pending``/``failed`` →
``sending`` where the row is still due) and sends only if it changed exactly one row, so several workers, or the
on-commit task and the sweep, never send the same attempt twice. A failure schedules the next attempt with
exponential backoff and jitter; after ``OUTBOX_MAX_ATTEMPTS`` the message is ``dead``: kept, listed for
administrators, retried by :func:`retry_now`. A worker that dies mid-delivery leaves its row ``sending``; once the
lease (``OUTBOX_LEASE_SECONDS``) has passed, the sweep makes it due again. Receivers should therefore tolerate a
repeat (payloads carry their own event key).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from . import channels
from .channels import DeliveryError
from .models import DUE_STATUSES, OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)

Outcome = Literal["delivered", "failed", "dead", "skipped"]
#: ``last_error`` is for administrators: short, and free of personal data (the channels make sure of the latter).
ERROR_MAX_LENGTH = 500


class NotInTransaction(RuntimeError):
    """:func:`enqueue` was called outside a transaction: the message could outlive a rolled-back change."""


def enqueue(channel: str, address: str, payload: dict[str, Any], *, dedupe_key: str | None = None) -> OutboxMessage:
    """Write a message to the outbox as part of the caller's transaction and schedule its delivery on commit.

    Must be called inside ``transaction.atomic()`` (the service's transaction), so that the message exists if
    and only if the change that caused it does. With a ``dedupe_key`` a message is written once: a second
    enqueue with the same key returns the first message and schedules nothing.
    """
    if not transaction.get_connection().in_atomic_block:
        raise NotInTransaction("outbox.enqueue() must run inside the transaction of the change that causes it")
    channels.validate_address(channel, address)
    fields: dict[str, Any] = {
        "channel": channel,
        "address": address,
        "payload": payload,
        "next_attempt_at": timezone.now(),
    }
    if dedupe_key is None:
        message = OutboxMessage.objects.create(**fields)
    else:
        message, created = OutboxMessage.objects.get_or_create(dedupe_key=dedupe_key, defaults=fields)
        if not created:
            return message
    _schedule_on_commit(message.pk)
    return message


def _schedule_on_commit(message_id: int) -> None:
    from .tasks import deliver

    # robust: the change is committed whatever the broker does; if it is down, the sweep sends the message later.
    transaction.on_commit(lambda: deliver.delay(message_id), robust=True)


# --- delivery -------------------------------------------------------------------------------------------


def claim(message_id: int, *, now: datetime | None = None) -> OutboxMessage | None:
    """Take a due message for delivery, or ``None`` if it is not due or another worker took it first.

    One conditional UPDATE: only the worker whose UPDATE changed the row goes on to send. The attempt is
    counted here, so a message that kills its worker still runs out of attempts.
    """
    now = now or timezone.now()
    changed = OutboxMessage.objects.filter(pk=message_id, status__in=DUE_STATUSES, next_attempt_at__lte=now).update(
        status=OutboxStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if changed != 1:
        return None
    return OutboxMessage.objects.get(pk=message_id)


def backoff(attempts: int) -> timedelta:
    """The wait before the next attempt after ``attempts`` failures: base · 2^(attempts-1), capped, with "equal
    jitter" (between half and all of it) so that messages that failed together do not retry together."""
    base = settings.OUTBOX_BACKOFF_BASE_SECONDS
    cap = settings.OUTBOX_BACKOFF_MAX_SECONDS
    delay = min(cap, base * 2 ** max(0, min(attempts - 1, 30)))
    return timedelta(seconds=delay / 2 + random.uniform(0, delay / 2))  # jitter, not cryptography


def deliver_message(message_id: int, *, now: datetime | None = None) -> Outcome:
    """Claim a message and send it through its channel; record the outcome. Safe to call from any number of
    workers at once and for any message (one not due is ``skipped``). The next attempt after a failure is
    counted from ``now``, the moment of the claim."""
    now = now or timezone.now()
    message = claim(message_id, now=now)
    if message is None:
        return "skipped"
    try:
        sender = channels.get_channel(message.channel)
    except KeyError:
        return _record_failure(message, f"unknown channel {message.channel!r}", now)
    try:
        sender.send(message.address, message.payload)
    except DeliveryError as exc:
        return _record_failure(message, str(exc) or type(exc).__name__, now)
    except Exception as exc:
        # A bug in a sender: keep the class name only (its text could carry the payload), and log it for operators.
        logger.exception("outbox: channel %s raised on message %s", message.channel, message.pk)
        return _record_failure(message, f"{type(exc).__name__} in channel {message.channel}", now)
    # Our lease may have run out while sending and another worker taken the row: it was delivered all the same,
    # so record that unless a delivery has been recorded already.
    OutboxMessage.objects.filter(pk=message.pk).exclude(status=OutboxStatus.DELIVERED).update(
        status=OutboxStatus.DELIVERED, delivered_at=timezone.now(), last_error="", claimed_at=None
    )
    return "delivered"


def _record_failure(message: OutboxMessage, error: str, now: datetime) -> Outcome:
    dead = message.attempts >= settings.OUTBOX_MAX_ATTEMPTS
    status = OutboxStatus.DEAD if dead else OutboxStatus.FAILED
    # Only while the row is still ours: a worker whose lease expired must not overwrite a newer attempt's result.
    OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.SENDING, claimed_at=message.claimed_at).update(
        status=status,
        last_error=error[:ERROR_MAX_LENGTH],
        next_attempt_at=now if dead else now + backoff(message.attempts),
        claimed_at=None,
    )
    logger.warning("outbox: message %s attempt %s failed: %s", message.pk, message.attempts, error[:ERROR_MAX_LENGTH])
    return "dead" if dead else "failed"


# --- the sweep ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    reclaimed: int
    dead: int
    queued: list[int]


def sweep(*, now: datetime | None = None, batch: int = 500) -> SweepResult:
    """Reclaim messages whose worker died mid-delivery and queue a delivery of every due message.

    Runs every minute (Celery beat). Queueing a message twice is harmless: only one claim succeeds.
    """
    now = now or timezone.now()
    expired = Q(status=OutboxStatus.SENDING, claimed_at__lt=now - timedelta(seconds=settings.OUTBOX_LEASE_SECONDS))
    stuck = OutboxMessage.objects.filter(expired)
    dead = stuck.filter(attempts__gte=settings.OUTBOX_MAX_ATTEMPTS).update(
        status=OutboxStatus.DEAD, last_error="worker lost (lease expired)", claimed_at=None
    )
    reclaimed = stuck.update(
        status=OutboxStatus.FAILED, last_error="worker lost (lease expired)", claimed_at=None, next_attempt_at=now
    )
    due = list(
        OutboxMessage.objects.filter(status__in=DUE_STATUSES, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:batch]
    )
    from .tasks import deliver

    for pk in due:
        deliver.delay(pk)
    return SweepResult(reclaimed=reclaimed, dead=dead, queued=due)


# --- administrators -------------------------------------------------------------------------------------


def retry_now(messages: Iterable[OutboxMessage]) -> int:
    """Give dead (or waiting) messages a fresh round of attempts, starting now. Delivered messages and those
    being sent are left alone. Returns how many were queued."""
    retryable = [OutboxStatus.DEAD, OutboxStatus.FAILED, OutboxStatus.PENDING]
    ids = [m.pk for m in messages]
    with transaction.atomic():
        retry_ids = list(
            OutboxMessage.objects.select_for_update()
            .filter(pk__in=ids, status__in=retryable)
            .values_list("pk", flat=True)
        )
        OutboxMessage.objects.filter(pk__in=retry_ids, status__in=retryable).update(
            status=OutboxStatus.PENDING, attempts=0, next_attempt_at=timezone.now(), claimed_at=None
        )
        for pk in retry_ids:
            _schedule_on_commit(pk)
    return len(retry_ids)
