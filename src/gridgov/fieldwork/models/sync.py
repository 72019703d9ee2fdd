"""The idempotency ledger of the phone app: one row per record a phone made, keyed by the phone's UUID.

Every record (a patrol's start and stop, a batch of track points, a check-in, a visit, a case report, a task
report, an edit of a person or house) is sent with a UUID made on the phone and the time it was made on the phone.
The same UUID with the same content is accepted once (the replay answers as the first time); the same UUID with
different content is a 409 listing the differing fields. ``photos_expected`` lists the photo UUIDs the record
announced: photos are uploaded one by one afterwards, and a broken upload is retried alone.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RecordKind(models.TextChoices):
    PATROL_START = "patrol_start", _("开始巡查")
    PATROL_STOP = "patrol_stop", _("结束巡查")
    TRACK = "track", _("巡查轨迹")
    CHECKIN = "checkin", _("楼栋打卡")
    VISIT = "visit", _("走访记录")
    CASE_REPORT = "case_report", _("事件上报")
    TASK_REPORT = "task_report", _("任务反馈")
    PERSON_EDIT = "person_edit", _("人员信息更新")
    RENTAL_EDIT = "rental_edit", _("出租屋信息更新")


class ClientRecord(models.Model):
    uuid = models.UUIDField(_("客户端编号"), primary_key=True)
    kind = models.CharField(_("类别"), max_length=16, choices=RecordKind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    content = models.JSONField(_("内容"), default=dict)
    content_hash = models.CharField(max_length=64)
    made_at = models.DateTimeField(_("手机上的时间"))
    received_at = models.DateTimeField(_("服务器接收时间"), auto_now_add=True)
    #: what the record became: e.g. "fieldwork.visit:<uuid>" or "cases.case:<id>"
    result = models.CharField(max_length=80, blank=True)
    photos_expected = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("手机记录")
        verbose_name_plural = _("手机记录")
        indexes = [models.Index(fields=["user", "received_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.uuid}"


class FieldPhoto(models.Model):
    """A photo belonging to a record made on the phone, uploaded on its own (``uuid`` made on the phone)."""

    uuid = models.UUIDField(primary_key=True)
    record = models.ForeignKey(ClientRecord, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="fieldwork/%Y/%m/")
    sha256 = models.CharField(max_length=64)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("外勤照片")
        verbose_name_plural = _("外勤照片")

    def __str__(self) -> str:
        return str(self.uuid)
