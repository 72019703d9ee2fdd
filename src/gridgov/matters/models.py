"""The matter list (事项清单): categories of matters in two levels, their time limits, handling tier and whether
grid workers may be tasked with them (admission, 准入制).

Changes to the list are proposed (:class:`MatterChange`), reviewed and published with an effective date; each
published state of a category is kept as a :class:`MatterVersion`. The rule that licensing, penalty and
enforcement matters are never grid-assignable lives here, in ``clean()``, ``save()`` and a database constraint,
so that no form, API, import or ``.update()`` can break it.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.units.models import Tier, UnitKind


def local_today() -> datetime.date:
    """Today in the project's time zone (Asia/Shanghai): matter dates are local calendar dates."""
    return timezone.localdate()


class LimitUnit(models.TextChoices):
    WORKING_HOURS = "hours", _("工作小时")
    WORKING_DAYS = "days", _("工作日")
    # Round-the-clock limits (emergencies, danger to life, water/power/gas/heating): nights and holidays count.
    CLOCK_HOURS = "clock_hours", _("自然小时")


class MatterKind(models.TextChoices):
    ORDINARY = "ordinary", _("一般事项")
    PUBLICITY = "publicity", _("政策宣传")
    INFORMATION = "information", _("信息采集")
    SCREENING = "screening", _("矛盾纠纷排查")
    INSPECTION = "inspection", _("隐患巡查")
    CARE = "care", _("关爱服务")
    ERRAND = "errand", _("代办服务")
    EMERGENCY = "emergency", _("应急报告")
    DISPUTE = "dispute", _("矛盾纠纷")
    LICENSING = "licensing", _("行政许可")
    PENALTY = "penalty", _("行政处罚")
    ENFORCEMENT = "enforcement", _("行政强制")


#: Kinds that may never be made grid-assignable (DOMAIN: "Administrative licensing, penalties and enforcement may
#: never be listed").
NEVER_GRID_ASSIGNABLE = frozenset({MatterKind.LICENSING, MatterKind.PENALTY, MatterKind.ENFORCEMENT})

#: The stages that carry a time limit, in the order of the case loop.
STAGES = ("accept", "sign", "handle", "verify")


class MatterCategoryQuerySet(models.QuerySet["MatterCategory"]):
    """Bulk writes move the matter list's version like ``save()`` does (``signals.py``), so no ``.update()``, in
    code or in a test, can leave a process answering from a stale in-force cache."""

    def update(self, **kwargs: Any) -> int:
        count = super().update(**kwargs)
        if count:
            bump_list_version()
        return count

    update.queryset_only = True  # type: ignore[attr-defined]

    def bulk_create(self, *args: Any, **kwargs: Any) -> list[MatterCategory]:
        created = super().bulk_create(*args, **kwargs)
        bump_list_version()
        return created

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        count = super().bulk_update(*args, **kwargs)
        bump_list_version()
        return count

    def in_force(self, on: datetime.date | None = None) -> MatterCategoryQuerySet:
        """Categories in force on a date: active, published by then, and (if temporary) not yet lapsed."""
        on = on or local_today()
        return self.filter(is_active=True, published_on__isnull=False, published_on__lte=on).filter(
            Q(is_temporary=False) | Q(ends_on__gte=on)
        )

    def grid_assignable(self, on: datetime.date | None = None) -> MatterCategoryQuerySet:
        return self.in_force(on).filter(grid_assignable=True)


class MatterCategory(models.Model):
    """A major category (no parent) or a minor one under it. Minor codes extend their major's code."""

    code = models.CharField(_("编码"), max_length=16, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("大类")
    )
    kind = models.CharField(_("性质"), max_length=16, choices=MatterKind.choices, default=MatterKind.ORDINARY)
    owner_unit_kind = models.CharField(_("责任单位类型"), max_length=32, choices=UnitKind.choices, blank=True)
    default_tier = models.CharField(_("默认处置层级"), max_length=16, choices=Tier.choices, default=Tier.COMMUNITY)
    grid_assignable = models.BooleanField(
        _("可派网格员"),
        default=False,
        help_text=_("列入网格事项清单:可以派给网格员办理。行政许可、处罚、强制事项不可。"),
    )
    self_settle_allowed = models.BooleanField(_("网格员可自行处置"), default=False)
    accept_limit = models.PositiveIntegerField(_("受理时限"), default=2)
    accept_limit_unit = models.CharField(
        _("受理时限单位"), max_length=16, choices=LimitUnit.choices, default=LimitUnit.WORKING_HOURS
    )
    sign_limit = models.PositiveIntegerField(_("签收时限"), default=4)
    sign_limit_unit = models.CharField(
        _("签收时限单位"), max_length=16, choices=LimitUnit.choices, default=LimitUnit.WORKING_HOURS
    )
    handle_limit = models.PositiveIntegerField(_("办理时限"), default=7)
    handle_limit_unit = models.CharField(
        _("办理时限单位"), max_length=16, choices=LimitUnit.choices, default=LimitUnit.WORKING_DAYS
    )
    verify_limit = models.PositiveIntegerField(_("核查时限"), default=1)
    verify_limit_unit = models.CharField(
        _("核查时限单位"), max_length=16, choices=LimitUnit.choices, default=LimitUnit.WORKING_DAYS
    )
    is_active = models.BooleanField(_("在用"), default=True)
    published_on = models.DateField(
        _("发布生效日期"), null=True, blank=True, default=local_today, help_text=_("为空或晚于今天:尚未生效")
    )
    is_temporary = models.BooleanField(_("临时事项"), default=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("批准人"),
        help_text=_("临时事项必须有批准人"),
    )
    ends_on = models.DateField(_("截止日期"), null=True, blank=True, help_text=_("临时事项必填:此日之后自动失效"))

    objects = MatterCategoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("事项类别")
        verbose_name_plural = _("事项类别")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(grid_assignable=False) | ~Q(kind__in=sorted(k.value for k in NEVER_GRID_ASSIGNABLE)),
                name="matter_never_grid_assignable_kinds",
                violation_error_message=_("行政许可、行政处罚和行政强制事项不得列入网格事项清单。"),
            ),
            models.CheckConstraint(
                condition=Q(is_temporary=True, approved_by__isnull=False, ends_on__isnull=False)
                | Q(is_temporary=False, ends_on__isnull=True),
                name="matter_temporary_needs_approver_and_end",
                violation_error_message=_("临时事项必须有批准人和截止日期;非临时事项不设截止日期。"),
            ),
            models.CheckConstraint(
                condition=Q(accept_limit__gt=0, sign_limit__gt=0, handle_limit__gt=0, verify_limit__gt=0),
                name="matter_limits_positive",
                violation_error_message=_("各环节时限必须大于 0。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The rules are checked on every save, not only in forms: an import, a script or the API cannot skip them.
        errors = self.rule_errors()
        if errors:
            raise ValidationError(errors)
        super().save(*args, **kwargs)

    @property
    def is_major(self) -> bool:
        return self.parent_id is None

    def limit(self, stage: str) -> tuple[int, str]:
        """``(amount, "hours"|"days")`` for a stage: accept, sign, handle or verify."""
        if stage not in STAGES:
            raise ValueError(stage)
        return int(getattr(self, f"{stage}_limit")), str(getattr(self, f"{stage}_limit_unit"))

    def lapsed(self, on: datetime.date | None = None) -> bool:
        return bool(self.is_temporary and self.ends_on is not None and (on or local_today()) > self.ends_on)

    def in_force(self, on: datetime.date | None = None) -> bool:
        on = on or local_today()
        return bool(
            self.is_active and self.published_on is not None and self.published_on <= on and not self.lapsed(on)
        )

    def rule_errors(self, *, require_approver: bool = True) -> dict[str, list[Any]]:
        """The list's own rules, which hold however a category is written (see :meth:`save`)."""
        errors: dict[str, list[Any]] = {}
        if self.grid_assignable and self.kind in NEVER_GRID_ASSIGNABLE:
            errors.setdefault("grid_assignable", []).append(
                _("“%(kind)s”事项不得列入网格事项清单(不可派网格员):行政许可、行政处罚和行政强制事项一律不准入。")
                % {"kind": MatterKind(self.kind).label}
            )
        if self.is_temporary:
            if self.approved_by_id is None and require_approver:
                errors.setdefault("approved_by", []).append(_("临时事项必须有批准人。"))
            if self.ends_on is None:
                errors.setdefault("ends_on", []).append(_("临时事项必须有截止日期。"))
        elif self.ends_on is not None:
            errors.setdefault("ends_on", []).append(_("只有临时事项才设截止日期。"))
        return errors

    def structure_errors(self) -> dict[str, list[Any]]:
        """Two levels, minor codes extending their major's, positive time limits."""
        errors: dict[str, list[Any]] = {}
        parent = self.parent if self.parent_id else None
        if parent is not None:
            if parent.parent_id is not None:
                errors.setdefault("parent", []).append(_("事项清单只有两级:所选大类本身是小类。"))
            if parent.pk is not None and parent.pk == self.pk:
                errors.setdefault("parent", []).append(_("事项不能以自己为大类。"))
            if self.code and not (self.code.startswith(parent.code) and len(self.code) > len(parent.code)):
                errors.setdefault("code", []).append(_("小类编码应以大类编码 %(code)s 开头。") % {"code": parent.code})
        if self.pk is not None and parent is not None and self.children.exists():
            errors.setdefault("parent", []).append(_("已有小类的大类不能再挂到其他大类下。"))
        for stage in STAGES:
            if not getattr(self, f"{stage}_limit"):
                errors.setdefault(f"{stage}_limit", []).append(_("时限必须大于 0。"))
        return errors

    def clean(self) -> None:
        errors = self.rule_errors()
        for name, messages in self.structure_errors().items():
            errors.setdefault(name, []).extend(messages)
        if errors:
            raise ValidationError(errors)


class MatterListState(models.Model):
    """One row: a version moved (by a random step, see :func:`bump_list_version`) in the same transaction as any
    write to a category. Each process compares it with the version its in-force cache was built from
    (``gridgov.matters.inforce``) and rebuilds when it moved."""

    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("事项清单版本")
        verbose_name_plural = _("事项清单版本")

    def __str__(self) -> str:
        return f"v{self.version}"


def bump_list_version() -> None:
    """Move the matter list's version (inside the caller's transaction). It moves by a random step: a rolled back
    transaction, or another test database built at the same frozen instant, must never show a process a
    (version, changed_at) it has already cached for different categories. ``update()`` skips ``auto_now``: set
    ``changed_at`` too."""
    import secrets

    from django.db.models import F
    from django.db.models.functions import Now

    step = 1 + secrets.randbelow(2**31)
    if not MatterListState.objects.filter(pk=1).update(version=F("version") + step, changed_at=Now()):
        MatterListState.objects.get_or_create(pk=1, defaults={"version": step})


class ChangeStatus(models.TextChoices):
    PROPOSED = "proposed", _("待审核")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")
    PUBLISHED = "published", _("已发布")


class MatterChangeQuerySet(models.QuerySet["MatterChange"]):
    def visible_to(self, user: Any, action: str = "view") -> MatterChangeQuerySet:
        """The list is city-wide: staff with the view permission anywhere see every change; anyone sees their own
        proposals."""
        from gridgov.accounts.scope import scope_for

        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if not scope_for(user, "matterchange", action).empty:
            return self
        return self.filter(proposer=user)


class MatterChange(models.Model):
    """A proposed change to the list: a new category (``category`` empty until published) or new values for an
    existing one. Reviewed by an administrator and applied on ``effective_on`` by ``publish_due_changes``."""

    category = models.ForeignKey(
        MatterCategory,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="changes",
        verbose_name=_("事项类别"),
        help_text=_("为空表示新增事项"),
    )
    fields = models.JSONField(_("拟变更内容"), default=dict)
    reason = models.TextField(_("申请理由"))
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("申请人")
    )
    proposer_unit = models.ForeignKey(
        "units.Unit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="matter_changes",
        verbose_name=_("申请单位"),
    )
    proposed_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    status = models.CharField(_("状态"), max_length=16, choices=ChangeStatus.choices, default=ChangeStatus.PROPOSED)
    effective_on = models.DateField(_("生效日期"))
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("审核人"),
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_note = models.TextField(_("审核意见"), blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    objects = MatterChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("事项变更申请")
        verbose_name_plural = _("事项变更申请")
        ordering = ["-proposed_at", "-id"]
        indexes = [models.Index(fields=["status", "effective_on"])]

    def __str__(self) -> str:
        target = self.category.code if self.category_id and self.category else self.fields.get("code", "?")
        return f"{target} · {self.get_status_display()} · {self.effective_on}"


class MatterVersion(models.Model):
    """A published state of a category: its fields as they were from ``valid_from`` until ``valid_to``
    (exclusive; empty while in force)."""

    category = models.ForeignKey(
        MatterCategory, on_delete=models.CASCADE, related_name="versions", verbose_name=_("事项类别")
    )
    data = models.JSONField(_("内容"))
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    change = models.ForeignKey(
        MatterChange,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="versions",
        verbose_name=_("变更申请"),
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("事项版本")
        verbose_name_plural = _("事项版本")
        ordering = ["category", "valid_from", "id"]
        indexes = [models.Index(fields=["category", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.category.code} {self.valid_from}–{self.valid_to or ''}"
