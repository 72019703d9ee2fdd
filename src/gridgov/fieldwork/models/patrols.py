"""Patrols (巡查): a track of GPS points, check-ins at buildings, and the figures and flags made from them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.registry.models.base import RegistryQuerySet


class PatrolQuerySet(RegistryQuerySet):
    scope_name = "patrol"


class PatrolStatus(models.TextChoices):
    RUNNING = "running", _("巡查中")
    ENDED = "ended", _("已结束")


#: The kinds of doubt a patrol's figures can raise (track.py, services/patrols.py).
FLAG_LABELS = {
    "speed": _("轨迹跳变"),
    "outside": _("网格外"),
    "gaps": _("轨迹缺失"),
    "overlap": _("与其他巡查重叠"),
}


class Patrol(models.Model):
    id = models.UUIDField(primary_key=True)  # made on the phone
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="patrols", verbose_name=_("网格员")
    )
    grid = models.ForeignKey("territory.Grid", on_delete=models.PROTECT, related_name="+", verbose_name=_("网格"))
    scope_code = models.CharField(max_length=24, db_index=True, editable=False)
    status = models.CharField(_("状态"), max_length=8, choices=PatrolStatus.choices, default=PatrolStatus.RUNNING)
    started_at = models.DateTimeField(_("开始时间(手机)"))
    ended_at = models.DateTimeField(_("结束时间(手机)"), null=True, blank=True)
    received_at = models.DateTimeField(_("服务器接收时间"), auto_now_add=True)
    # Figures from the track (gridgov.fieldwork.track), changed by each batch of points by what it changes and
    # made again from the whole track at the stop. duration_s is the time the track covers (gaps capped, inside
    # started_at–ended_at), never ended_at − started_at: the phone's clock alone counts nothing.
    distance_m = models.FloatField(_("里程(米)"), default=0)
    duration_s = models.PositiveIntegerField(_("时长(秒)"), default=0)
    points = models.PositiveIntegerField(_("轨迹点数"), default=0)
    outside_share = models.FloatField(_("网格外轨迹占比"), default=0)
    flagged = models.BooleanField(_("存疑"), default=False)
    flags = models.JSONField(_("存疑原因"), default=list, blank=True)
    # The time the track covers, from its first to its last point inside the patrol's window: two patrols of a
    # worker whose tracks overlap are one walk counted twice (the later one is flagged "overlap").
    track_from = models.DateTimeField(_("轨迹起"), null=True, blank=True, editable=False)
    track_to = models.DateTimeField(_("轨迹止"), null=True, blank=True, editable=False)

    objects = PatrolQuerySet.as_manager()

    class Meta:
        verbose_name = _("巡查")
        verbose_name_plural = _("巡查")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["worker", "started_at"])]

    def __str__(self) -> str:
        return f"{self.worker_id} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def flag_labels(self) -> list[str]:
        """Why the patrol is in doubt, in the reader's words (the tracks page and its Excel export)."""
        return [str(FLAG_LABELS.get(f.get("kind", ""), f.get("kind", ""))) for f in self.flags]


class TrackPoint(models.Model):
    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="track")
    t = models.DateTimeField(_("时间(手机)"))
    lon = models.FloatField()
    lat = models.FloatField()
    accuracy_m = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = _("轨迹点")
        verbose_name_plural = _("轨迹点")
        ordering = ["patrol", "t"]
        constraints = [models.UniqueConstraint(fields=["patrol", "t"], name="uniq_track_point_time")]

    def __str__(self) -> str:
        return f"{self.t:%H:%M:%S} {self.lon:.6f},{self.lat:.6f}"


class CheckInQuerySet(RegistryQuerySet):
    scope_name = "patrol"


class CheckIn(models.Model):
    id = models.UUIDField(primary_key=True)
    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, null=True, blank=True, related_name="checkins")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    building = models.ForeignKey(
        "territory.Building", on_delete=models.PROTECT, related_name="checkins", verbose_name=_("楼栋")
    )
    scope_code = models.CharField(max_length=24, db_index=True, editable=False)
    made_at = models.DateTimeField(_("打卡时间(手机)"))
    received_at = models.DateTimeField(auto_now_add=True)
    lon = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    distance_m = models.FloatField(_("距楼栋(米)"), null=True, blank=True)
    note = models.TextField(_("情况"), blank=True)

    objects = CheckInQuerySet.as_manager()

    class Meta:
        verbose_name = _("楼栋打卡")
        verbose_name_plural = _("楼栋打卡")
        ordering = ["-made_at"]

    def __str__(self) -> str:
        return f"{self.building_id} {self.made_at:%Y-%m-%d %H:%M}"
