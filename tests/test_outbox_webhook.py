"""Webhook delivery against a real HTTP server on 127.0.0.1: down, then failing, then up → delivered exactly once,
with every attempt and its backoff recorded; the body is signed with the installation's secret."""

from __future__ import annotations

import hashlib
import hmac
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from gridgov.core import channels, outbox
from gridgov.core.models import OutboxMessage, OutboxStatus

pytestmark = pytest.mark.django_db


class Receiver:
    """A webhook receiver in a thread: answers ``status`` and keeps every request it got."""

    def __init__(self, port: int = 0) -> None:
        self.status = 204
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.requests.append((dict(self.headers.items()), body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def enqueue(address: str, payload: dict[str, Any]) -> OutboxMessage:
    # The test's transaction holds the row; the on-commit task is not run, the test drives delivery itself.
    return outbox.enqueue("webhook", address, payload)


def test_a_receiver_that_is_down_then_failing_then_up_gets_the_message_exactly_once() -> None:
    port = free_port()
    message = enqueue(f"http://127.0.0.1:{port}/hook", {"event": "case.dispatched", "case": 42})
    t0 = timezone.now()

    # 1. Nobody listens: connection refused.
    assert outbox.deliver_message(message.pk, now=t0) == "failed"
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.FAILED, 1)
    assert "connection failed" in message.last_error
    first_wait = message.next_attempt_at - t0
    assert timedelta(seconds=30) <= first_wait <= timedelta(seconds=60)

    # Not due yet: no attempt.
    assert outbox.deliver_message(message.pk, now=t0 + timedelta(seconds=29)) == "skipped"

    receiver = Receiver(port)
    try:
        # 2. Up, but answering 500.
        receiver.status = 500
        t1 = message.next_attempt_at
        assert outbox.deliver_message(message.pk, now=t1) == "failed"
        message.refresh_from_db()
        assert (message.status, message.attempts, message.last_error) == (OutboxStatus.FAILED, 2, "HTTP 500")
        assert timedelta(seconds=60) <= message.next_attempt_at - t1 <= timedelta(seconds=120)

        # 3. Up and well.
        receiver.status = 200
        assert outbox.deliver_message(message.pk, now=message.next_attempt_at) == "delivered"
        message.refresh_from_db()
        assert (message.status, message.attempts, message.last_error) == (OutboxStatus.DELIVERED, 3, "")
        assert message.delivered_at is not None

        # Later workers and sweeps find nothing to do.
        later = message.next_attempt_at + timedelta(hours=2)
        assert outbox.deliver_message(message.pk, now=later) == "skipped"
        assert outbox.sweep(now=later).queued == []
    finally:
        receiver.stop()
    assert len(receiver.requests) == 2  # the 500 and the delivery; nothing after it
    assert [body for _headers, body in receiver.requests] == [
        channels.encode_body({"event": "case.dispatched", "case": 42})
    ] * 2


def test_the_signature_header_is_an_hmac_sha256_of_the_exact_body_under_the_installation_secret(
    receiver: Receiver,
) -> None:
    message = enqueue(receiver.url, {"event": "case.closed", "text": "已办结"})
    assert outbox.deliver_message(message.pk) == "delivered"
    ((headers, body),) = receiver.requests
    signature = headers[channels.SIGNATURE_HEADER]
    expected = hmac.new(settings.WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert signature == f"sha256={expected}"
    assert channels.verify(body, signature)
    assert not channels.verify(body, signature, secret="someone-else's-secret")
    assert not channels.verify(body + b" ", signature)
    assert headers["Content-Type"].startswith("application/json")
    assert "已办结".encode() in body


def test_a_redirect_is_a_failed_delivery_not_a_lost_body(receiver: Receiver) -> None:
    receiver.status = 302
    message = enqueue(receiver.url, {"event": "x"})
    assert outbox.deliver_message(message.pk) == "failed"
    message.refresh_from_db()
    assert message.last_error == "HTTP 302"


def test_backoff_doubles_from_a_minute_and_stops_at_an_hour() -> None:
    for attempts, full in [(1, 60), (2, 120), (3, 240), (6, 1920), (7, 3600), (30, 3600), (100, 3600)]:
        wait = outbox.backoff(attempts).total_seconds()
        assert full / 2 <= wait <= full, attempts
