"""Delivery channels of the outbox: a registry of senders, and the built-in "webhook" and "email".

A sender has ``send(address, payload) -> None`` and raises :class:`DeliveryError` when the message did not get
through (the outbox then retries with backoff). It may also have ``validate_address(address) -> None`` raising
``ValueError``, checked when a message is enqueued so that a malformed address fails the caller at once instead of
dying in the outbox hours later. A plain function ``(address, payload) -> None`` is accepted as a sender too.

The text of a :class:`DeliveryError` is stored in ``OutboxMessage.last_error`` and shown to administrators: it
must name what went wrong (status code, exception class), never personal data or the payload.

Adding a channel (SMS, WeChat Work, DingTalk …): see docs/notifications.md.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder

SIGNATURE_HEADER = "X-Gridgov-Signature"


class DeliveryError(Exception):
    """The message was not delivered; the outbox will try again. The text is shown to administrators."""


@runtime_checkable
class Sender(Protocol):
    def send(self, address: str, payload: dict[str, Any]) -> None: ...


class _FunctionSender:
    def __init__(self, func: Callable[[str, dict[str, Any]], None]) -> None:
        self.func = func

    def send(self, address: str, payload: dict[str, Any]) -> None:
        self.func(address, payload)


_registry: dict[str, Sender] = {}


def register_channel(name: str, sender: Sender | Callable[[str, dict[str, Any]], None]) -> None:
    """Make ``name`` a channel. Registering a name again replaces its sender (tests and deployments do this)."""
    if not name or len(name) > 32:
        raise ValueError("channel name must be 1-32 characters")
    if isinstance(sender, type):
        sender = sender()
    if not isinstance(sender, Sender):
        if not callable(sender):
            raise TypeError("a sender has send(address, payload) or is a function (address, payload)")
        sender = _FunctionSender(sender)
    _registry[name] = sender


def unregister_channel(name: str) -> None:
    _registry.pop(name, None)


def get_channel(name: str) -> Sender:
    """The sender of a channel; ``KeyError`` for a name nobody registered."""
    return _registry[name]


def channel_names() -> list[str]:
    return sorted(_registry)


def validate_address(channel: str, address: str) -> None:
    """``ValueError`` when ``channel`` is unknown or its sender rejects ``address``."""
    try:
        sender = get_channel(channel)
    except KeyError:
        raise ValueError(f"unknown channel {channel!r}") from None
    check = getattr(sender, "validate_address", None)
    if check is not None:
        check(address)


# --- webhook --------------------------------------------------------------------------------------------


def encode_body(payload: dict[str, Any]) -> bytes:
    """The exact bytes sent (and signed): compact, keys sorted, UTF-8."""
    return json.dumps(
        payload, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    ).encode()


def sign(body: bytes, secret: str | None = None) -> str:
    """The signature header's value: ``sha256=`` and the hex HMAC-SHA256 of the body under the installation's
    webhook secret. A receiver recomputes it over the raw body and compares with ``hmac.compare_digest``."""
    key = (secret if secret is not None else settings.WEBHOOK_SECRET).encode()
    return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()


def verify(body: bytes, signature: str, secret: str | None = None) -> bool:
    return hmac.compare_digest(sign(body, secret), signature)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirected POST would arrive as a GET without its body; treat a redirect as a failed delivery instead.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


class WebhookSender:
    """POST the payload as JSON; any 2xx answer is a delivery."""

    def validate_address(self, address: str) -> None:
        parts = urlsplit(address)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError("a webhook address is an http:// or https:// URL")

    def send(self, address: str, payload: dict[str, Any]) -> None:
        try:
            self.validate_address(address)
        except ValueError as exc:
            raise DeliveryError(str(exc)) from None
        body = encode_body(payload)
        request = urllib.request.Request(
            address,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "gridgov-webhook/1",
                SIGNATURE_HEADER: sign(body),
            },
        )
        try:
            with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            raise DeliveryError(f"HTTP {exc.code}") from None
        except urllib.error.URLError as exc:
            raise DeliveryError(f"connection failed: {type(exc.reason).__name__}") from None
        except TimeoutError:
            raise DeliveryError("timed out") from None
        except OSError as exc:
            raise DeliveryError(f"connection failed: {type(exc).__name__}") from None
        if not 200 <= status < 300:
            raise DeliveryError(f"HTTP {status}")


# --- email ----------------------------------------------------------------------------------------------


class EmailSender:
    """Django's ``send_mail``; the payload has ``subject`` and ``body`` (and optionally ``html``)."""

    def validate_address(self, address: str) -> None:
        from django.core.validators import validate_email

        try:
            validate_email(address)
        except Exception:
            raise ValueError("not an email address") from None

    def send(self, address: str, payload: dict[str, Any]) -> None:
        subject, body = payload.get("subject"), payload.get("body")
        if not isinstance(subject, str) or not isinstance(body, str):
            raise DeliveryError("payload needs text 'subject' and 'body'")
        try:
            send_mail(
                subject.replace("\n", " ").strip(),
                body,
                None,
                [address],
                html_message=payload.get("html") or None,
            )
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(f"SMTP {exc.smtp_code}") from None
        except (smtplib.SMTPException, OSError) as exc:
            # Their text can name the recipient: keep only the kind of failure.
            raise DeliveryError(f"mail failed: {type(exc).__name__}") from None


register_channel("webhook", WebhookSender())
register_channel("email", EmailSender())
