"""The email channel sends through Django's mail backend (locmem in tests)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction

from gridgov.core import outbox
from gridgov.core.models import OutboxStatus

pytestmark = pytest.mark.django_db


def test_an_email_message_is_sent_to_its_address_with_subject_and_body() -> None:
    with transaction.atomic():
        message = outbox.enqueue(
            "email", "handler@unit.example", {"subject": "新案件待签收", "body": "案件 42 已派遣。"}
        )
    assert outbox.deliver_message(message.pk) == "delivered"
    (sent,) = mail.outbox
    assert sent.to == ["handler@unit.example"]
    assert sent.subject == "新案件待签收"
    assert sent.body == "案件 42 已派遣。"
    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED


def test_an_email_payload_without_subject_and_body_fails_and_is_retried_not_dropped() -> None:
    with transaction.atomic():
        message = outbox.enqueue("email", "handler@unit.example", {"text": "?"})
    assert outbox.deliver_message(message.pk) == "failed"
    assert mail.outbox == []
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED
    assert "subject" in message.last_error
