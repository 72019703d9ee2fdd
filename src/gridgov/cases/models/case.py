"""The case (案件), its timeline (CaseEvent) and photos (CaseAttachment)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from gridgov.core.scoping import Scope, ScopedQuerySet, prefix_q
from gridgov.units.models import Tier

from ..workflow import OPEN_STATUSES, Stage, Status

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from gridgov.accounts.models import User


class Source(models.TextChoices):
    PATROL = "patrol", _("网格员巡查")
    RESIDENT = "resident", _("居民上报")
    HOTLINE = "hotline", _("热线")
    ONLINE_GRID = "online_grid", _("线上网格")
    WHISTLE = "whistle", _("吹哨")
    API = "api", _("系统接口")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")
    CRITICAL = "critical", _("特急")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY_SATISFIED = "basically_satisfied", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class ReturnReason(models.TextChoices):
    NOT_OUR_FUNCTION = "not_our_function", _("非本单位职能")
    NOT_OUR_AREA = "not_our_area", _("非本单位辖区")


class CaseQuerySet(ScopedQuerySet["Case"]):
    """Territorial roles see cases under the node they hold; a department handler sees the cases whose current
    unit, or a unit summoned by whistle, is one of theirs; everyone sees the cases they reported (a resident
    sees only those)."""

    scope_name = "case"

    def scope_q(self, scope: Scope) -> Q:
        return prefix_q("community_code", scope.region_prefixes) | prefix_q("grid_code", scope.grid_codes)

    def visible_to(self, user: User | AnonymousUser, action: str = "view") -> CaseQuerySet:
        from gridgov.accounts.scope import scope_for

        from .. import deps
        from .whistle import CaseSummons

        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        scope = scope_for(user, self.scope_name, action)
        if scope.everything:
            return self
        q = Q(pk__in=[]) if scope.empty else self.scope_q(scope)
        if action == "view":
            q |= Q(reporter_id=user.pk)
            units = deps.unit_ids_of(user)
            if units:
                summoned = CaseSummons.objects.filter(case_id=OuterRef("pk"), unit_id__in=units)
                q |= Q(current_unit_id__in=units) | Q(Exists(summoned))
        return self.filter(q)

    def open(self) -> CaseQuerySet:
        return self.filter(status__in=OPEN_STATUSES)


def _open_q() -> Q:
    return Q(status__in=sorted(OPEN_STATUSES))


class Case(models.Model):
    number = models.CharField(_("案件编号"), max_length=20, unique=True)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    category = models.ForeignKey(
        "matters.MatterCategory", on_delete=models.PROTECT, related_name="cases", verbose_name=_("事项类别")
    )
    lon = models.FloatField(_("经度(WGS-84)"))
    lat = models.FloatField(_("纬度(WGS-84)"))
    grid = models.ForeignKey(
        "territory.Grid", null=True, on_delete=models.PROTECT, related_name="cases", verbose_name=_("网格")
    )
    grid_code = models.CharField(_("网格编码"), max_length=24, db_index=True)
    community_code = models.CharField(_("社区代码"), max_length=12, db_index=True)
    subdistrict_code = models.CharField(_("街道代码"), max_length=9, db_index=True)
    district_code = models.CharField(_("区县代码"), max_length=6, db_index=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    description = models.TextField(_("描述"))
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="reported_cases",
        verbose_name=_("上报人"),
    )
    urgency = models.CharField(_("紧急程度"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    current_tier = models.CharField(_("当前层级"), max_length=16, choices=Tier.choices, default=Tier.COMMUNITY)
    current_unit = models.ForeignKey(
        "units.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="current_cases",
        verbose_name=_("当前处置单位"),
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.REPORTED)
    due_at = models.DateTimeField(_("本阶段办理期限"), null=True, blank=True)
    #: The sweep has flagged the current stage as overdue (reset whenever a new stage's deadline is set).
    due_flagged = models.BooleanField(_("本阶段已标记超期"), default=False)
    #: stage → True for every stage left (or swept) after its deadline: frozen, never recomputed.
    overdue_stages = models.JSONField(_("超期阶段"), default=dict, blank=True)
    client_uuid = models.UUIDField(_("客户端编号"), null=True, blank=True, unique=True)
    content_hash = models.CharField(_("内容摘要"), max_length=64, blank=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates", verbose_name=_("重复于")
    )
    me_too_count = models.PositiveIntegerField(_("附议数"), default=0)
    reminder_count = models.PositiveIntegerField(_("催办次数"), default=0)
    supervision_count = models.PositiveIntegerField(_("督办次数"), default=0)
    return_count = models.PositiveIntegerField(_("退回次数"), default=0)
    redo_count = models.PositiveIntegerField(_("重办次数"), default=0)
    escalation_count = models.PositiveIntegerField(_("上报次数"), default=0)
    last_returned_unit = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("上次退回单位")
    )
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("自行处置人"),
    )
    extension_requested_at = models.DateTimeField(_("延期申请时间"), null=True, blank=True)
    extension_amount = models.PositiveIntegerField(_("申请延期时长"), null=True, blank=True)
    extension_unit = models.CharField(_("延期时长单位"), max_length=8, blank=True)
    result = models.TextField(_("办理结果"), blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    rating = models.CharField(_("评价"), max_length=24, choices=Rating.choices, blank=True)
    rating_comment = models.TextField(_("评价意见"), blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("上报时间"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    version = models.PositiveIntegerField(_("版本"), default=0)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["due_at"], condition=_open_q(), name="case_open_due_at"),
            models.Index(fields=["category", "status", "created_at"], name="case_category_status"),
            models.Index(fields=["lat", "lon"], name="case_lat_lon"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def stage(self) -> Stage | None:
        from ..workflow import STAGE_OF_STATUS

        return STAGE_OF_STATUS.get(self.status)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


#: The columns a transition may change; services write them with one conditional UPDATE on ``version``.
MUTABLE_FIELDS = (
    "status",
    "current_tier",
    "current_unit",
    "due_at",
    "due_flagged",
    "overdue_stages",
    "duplicate_of",
    "me_too_count",
    "reminder_count",
    "supervision_count",
    "return_count",
    "redo_count",
    "escalation_count",
    "last_returned_unit",
    "settled_by",
    "extension_requested_at",
    "extension_amount",
    "extension_unit",
    "result",
    "closed_at",
    "rating",
    "rating_comment",
    "rated_at",
    "rated_by",
)


def _attname(name: str) -> str:
    field = Case._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field.attname


#: The same columns by attribute name (``current_unit_id`` …), for ``QuerySet.update``.
MUTABLE_ATTNAMES = tuple(_attname(name) for name in MUTABLE_FIELDS)


def mutable_values(case: Case) -> dict[str, Any]:
    return {name: getattr(case, name) for name in MUTABLE_ATTNAMES}


class CaseSequence(models.Model):
    """The last number given out per year (case numbers are year + sequence)."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("案件编号序列")
        verbose_name_plural = _("案件编号序列")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class CaseEvent(models.Model):
    """One row of a case's timeline: who did what, when, from which status to which."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("案件"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("操作人"),
    )
    at = models.DateTimeField(_("时间"), db_index=True)
    action = models.CharField(_("操作"), max_length=32)
    from_status = models.CharField(_("原状态"), max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16, choices=Status.choices, blank=True)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)

    class Meta:
        verbose_name = _("案件时间线")
        verbose_name_plural = _("案件时间线")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action}"

    @property
    def action_label(self) -> Any:
        from ..workflow import TRANSITIONS

        extra = {"report": _("上报"), "overdue": _("超期"), "me_too": _("附议")}
        t = TRANSITIONS.get(self.action)
        return t.label if t else extra.get(self.action, self.action)


def attachment_path(instance: CaseAttachment, filename: str) -> str:
    # Never the uploader's file name (it can carry personal data); a random name with the checked extension.
    ext = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}.get(instance.content_type, "bin")
    return f"cases/{uuid.uuid4().hex}.{ext}"


class CaseAttachment(models.Model):
    """A photo. The stored (and served) file has no EXIF; the location it carried is kept here as data."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("案件"))
    event = models.ForeignKey(
        CaseEvent,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attachments",
        verbose_name=_("时间线记录"),
    )
    file = models.FileField(_("文件"), upload_to=attachment_path)
    content_type = models.CharField(_("类型"), max_length=32)
    size = models.PositiveIntegerField(_("大小(字节)"))
    sha256 = models.CharField(_("原文件摘要"), max_length=64)
    exif_lon = models.FloatField(_("照片经度"), null=True, blank=True)
    exif_lat = models.FloatField(_("照片纬度"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("案件照片")
        verbose_name_plural = _("案件照片")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.file.name


class MeToo(models.Model):
    """One "me too" per user and case (the counter on the case counts these)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="me_toos")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("附议")
        verbose_name_plural = _("附议")
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="uniq_me_too")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.user_id}"
