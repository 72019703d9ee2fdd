"""Models of the shared kernel: the outbox (deliveries that must not be lost) and in-app notifications.

An :class:`OutboxMessage` is written in the same transaction as the change that causes it (DESIGN "Background
work") and delivered by a worker with retries (:mod:`gridgov.core.outbox`). A :class:`Notification` is one line in
a user's in-app inbox (:mod:`gridgov.core.notify`).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("待投递")
    SENDING = "sending", _("投递中")
    DELIVERED = "delivered", _("已投递")
    #: The last attempt failed; another is scheduled at ``next_attempt_at``.
    FAILED = "failed", _("失败待重试")
    #: Every attempt failed: kept for an administrator to look at and retry, never dropped.
    DEAD = "dead", _("投递失败")


#: States a worker may claim a message from once ``next_attempt_at`` has come.
DUE_STATUSES = (OutboxStatus.PENDING, OutboxStatus.FAILED)


class OutboxMessage(models.Model):
    channel = models.CharField(_("渠道"), max_length=32)
    address = models.CharField(_("地址"), max_length=500, help_text=_("webhook 的 URL、电子邮件地址等,由渠道解释"))
    payload = models.JSONField(_("内容"), default=dict)
    dedupe_key = models.CharField(
        _("去重键"), max_length=200, null=True, blank=True, help_text=_("同一去重键只入队一次")
    )
    status = models.CharField(_("状态"), max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), default=timezone.now)
    claimed_at = models.DateTimeField(_("领取时间"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    delivered_at = models.DateTimeField(_("投递时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("外发消息")
        verbose_name_plural = _("外发消息")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"], condition=Q(dedupe_key__isnull=False), name="core_outbox_dedupe_key_unique"
            ),
        ]
        indexes = [
            # The sweep's "what is due" scan reads only rows still waiting, however many have been delivered.
            models.Index(fields=["next_attempt_at"], condition=Q(status__in=DUE_STATUSES), name="core_outbox_due_idx"),
            # Reclaiming rows whose worker died mid-delivery.
            models.Index(fields=["claimed_at"], condition=Q(status=OutboxStatus.SENDING), name="core_outbox_lease_idx"),
            # The administrators' list of dead messages.
            models.Index(fields=["created_at"], condition=Q(status=OutboxStatus.DEAD), name="core_outbox_dead_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} #{self.pk} ({self.get_status_display()})"


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("接收人")
    )
    verb = models.CharField(_("事由"), max_length=64, help_text=_("机器可读的类别,如 case.dispatched"))
    text = models.CharField(_("内容"), max_length=500)
    target_content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("对象类型")
    )
    target_object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    url = models.CharField(_("链接"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, editable=False)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="core_notification_inbox_idx"),
            # The header's unread count on every page: only unread rows are indexed.
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="core_notification_unread_idx"),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
