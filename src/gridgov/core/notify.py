"""In-app notifications: each user's inbox (the header shows how many are unread).

:func:`notify` is what services call, usually in the same transaction as the change it reports. Reading is always
by recipient: :func:`inbox` is the only queryset a view or the API starts from, so one user's notification is
"not found" to everyone else.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.shortcuts import get_object_or_404
from django.utils import timezone

from .models import Notification


def notify(
    users: Iterable[Any], *, verb: str, text: str, target: models.Model | None = None, url: str = ""
) -> list[Notification]:
    """Write one notification per distinct user (inactive users and duplicates skipped) and return them.

    ``text`` is stored as given, already in the words the recipient should read; ``target`` (optional) is the
    object it is about; ``url`` where the inbox links to.
    """
    seen: set[int] = set()
    recipients = []
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        recipients.append(user)
    content_type = ContentType.objects.get_for_model(target) if target is not None else None
    object_id = str(target.pk) if target is not None else ""
    now = timezone.now()
    rows = [
        Notification(
            recipient=user,
            verb=verb,
            text=str(text)[:500],
            target_content_type=content_type,
            target_object_id=object_id,
            url=url,
            created_at=now,
        )
        for user in recipients
    ]
    return Notification.objects.bulk_create(rows)


def inbox(user: Any) -> models.QuerySet[Notification]:
    """The user's own notifications, newest first."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user)


def unread_count(user: Any) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def get_own(user: Any, notification_id: int) -> Notification:
    """The user's notification, or 404 — the same for "missing" and "someone else's"."""
    return get_object_or_404(inbox(user), pk=notification_id)


def mark_read(user: Any, notification_id: int) -> Notification:
    notification = get_own(user, notification_id)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    return notification


def mark_all_read(user: Any) -> int:
    """Mark every unread notification of the user read; returns how many changed."""
    return inbox(user).filter(read_at__isnull=True).update(read_at=timezone.now())
