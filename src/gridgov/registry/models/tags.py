"""Tags on people: special groups (特殊人群), key youth (重点青少年) and care groups (关爱对象).

Each kind has its own fields (``TAG_FIELDS``, kept in ``details``), a responsible person (包案人) and a home-visit
frequency; ``next_visit_due`` is stored (indexed) from the last visit and the frequency. Who may see a tag depends
on its group: special groups and key youth only to the roles in ``settings.SPECIAL_GROUP_ROLES`` (see
``accounts.roles``), care groups to staff in scope.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gridgov.core.scoping import Scope, ScopedQuerySet, prefix_q


class TagGroup(models.TextChoices):
    SPECIAL = "special", _("特殊人群")
    YOUTH = "youth", _("重点青少年")
    CARE = "care", _("关爱对象")


class TagKind(models.TextChoices):
    RELEASED_PRISONER = "released_prisoner", _("刑满释放人员")
    COMMUNITY_CORRECTION = "community_correction", _("社区矫正对象")
    DRUG_USER = "drug_user", _("吸毒人员")
    MENTAL_DISORDER = "mental_disorder", _("严重精神障碍患者")
    HIV_RISK = "hiv_risk", _("艾滋病危险人员")
    KEY_YOUTH = "key_youth", _("重点青少年")
    ELDERLY_ALONE = "elderly_alone", _("独居老人")
    DISABLED = "disabled", _("残疾人")
    LOW_INCOME = "low_income", _("低保对象")
    LEFT_BEHIND_CHILD = "left_behind_child", _("留守儿童")


TAG_GROUP: dict[str, str] = {
    TagKind.RELEASED_PRISONER: TagGroup.SPECIAL,
    TagKind.COMMUNITY_CORRECTION: TagGroup.SPECIAL,
    TagKind.DRUG_USER: TagGroup.SPECIAL,
    TagKind.MENTAL_DISORDER: TagGroup.SPECIAL,
    TagKind.HIV_RISK: TagGroup.SPECIAL,
    TagKind.KEY_YOUTH: TagGroup.YOUTH,
    TagKind.ELDERLY_ALONE: TagGroup.CARE,
    TagKind.DISABLED: TagGroup.CARE,
    TagKind.LOW_INCOME: TagGroup.CARE,
    TagKind.LEFT_BEHIND_CHILD: TagGroup.CARE,
}
RESTRICTED_KINDS = [k for k, g in TAG_GROUP.items() if g != TagGroup.CARE]
OPEN_KINDS = [k for k, g in TAG_GROUP.items() if g == TagGroup.CARE]


class AttentionLevel(models.TextChoices):
    NORMAL = "normal", _("一般")
    MEDIUM = "medium", _("中等")
    SERIOUS = "serious", _("严重")


@dataclass(frozen=True)
class TagField:
    name: str
    label: Any
    type: str = "text"  # text | date | int | bool | choice
    choices: tuple[tuple[str, Any], ...] = ()
    required: bool = False


# Each kind's own fields (DOMAIN.md, GB/T 31000-2015); forms, the API and the import are built from this table.
TAG_FIELDS: dict[str, list[TagField]] = {
    TagKind.RELEASED_PRISONER: [
        TagField("release_date", _("释放日期"), "date", required=True),
        TagField("offence", _("原罪名")),
        TagField("sentence", _("原判刑期")),
        TagField("resettled", _("是否安置"), "bool"),
    ],
    TagKind.COMMUNITY_CORRECTION: [
        TagField("correction_start", _("矫正起始日期"), "date", required=True),
        TagField("correction_end", _("矫正终止日期"), "date", required=True),
        TagField(
            "correction_type",
            _("矫正类别"),
            "choice",
            (("probation", _("缓刑")), ("parole", _("假释")), ("outside", _("暂予监外执行")), ("control", _("管制"))),
        ),
    ],
    TagKind.DRUG_USER: [
        TagField("found_date", _("查获日期"), "date"),
        TagField(
            "control_status",
            _("管控情况"),
            "choice",
            (
                ("community_rehab", _("社区康复")),
                ("community_detox", _("社区戒毒")),
                ("abstinent", _("戒断三年未复吸")),
            ),
        ),
    ],
    TagKind.MENTAL_DISORDER: [
        TagField("diagnosis", _("诊断类型")),
        TagField("risk_level", _("危险性评估等级(0-5)"), "int", required=True),
        TagField("guardian", _("监护人")),
        TagField("treatment", _("治疗情况")),
    ],
    TagKind.HIV_RISK: [
        TagField("risk_type", _("危险类型")),
        TagField("followed_by", _("随访机构")),
    ],
    TagKind.KEY_YOUTH: [
        TagField(
            "youth_type",
            _("重点青少年类型"),
            "choice",
            (
                ("idle", _("闲散青少年")),
                ("bad_behaviour", _("不良行为青少年")),
                ("street", _("流浪乞讨未成年人")),
                ("prisoner_child", _("服刑人员未成年子女")),
                ("left_behind", _("农村留守儿童")),
            ),
            required=True,
        ),
        TagField("guardian", _("监护人")),
    ],
    TagKind.ELDERLY_ALONE: [
        TagField("emergency_contact", _("紧急联系人")),
        TagField("self_care", _("生活能否自理"), "bool"),
    ],
    TagKind.DISABLED: [
        TagField("certificate", _("残疾证号")),
        TagField(
            "disability_type",
            _("残疾类别"),
            "choice",
            (
                ("visual", _("视力")),
                ("hearing", _("听力")),
                ("speech", _("言语")),
                ("physical", _("肢体")),
                ("intellectual", _("智力")),
                ("mental", _("精神")),
                ("multiple", _("多重")),
            ),
        ),
        TagField("grade", _("残疾等级(1-4)"), "int"),
    ],
    TagKind.LOW_INCOME: [
        TagField("certificate", _("低保证号")),
        TagField("monthly_amount", _("月保障金额(元)"), "int"),
    ],
    TagKind.LEFT_BEHIND_CHILD: [
        TagField("guardian", _("监护人")),
        TagField("parents_workplace", _("父母务工地")),
    ],
}

# Default home-visit frequency in days per kind (local practice; configurable per tag).
DEFAULT_VISIT_DAYS: dict[str, int] = {
    TagKind.RELEASED_PRISONER: 30,
    TagKind.COMMUNITY_CORRECTION: 30,
    TagKind.DRUG_USER: 30,
    TagKind.MENTAL_DISORDER: 14,
    TagKind.HIV_RISK: 90,
    TagKind.KEY_YOUTH: 30,
    TagKind.ELDERLY_ALONE: 7,
    TagKind.DISABLED: 30,
    TagKind.LOW_INCOME: 90,
    TagKind.LEFT_BEHIND_CHILD: 30,
}


class PersonTagQuerySet(ScopedQuerySet["PersonTag"]):
    """Two scopes: restricted kinds (special groups, key youth) by ``specialgroup``, care groups by ``persontag``."""

    scope_name = "persontag"

    def scope_q(self, scope: Scope) -> Q:
        return prefix_q("scope_code", scope.code_prefixes())

    def visible_to(self, user: Any, action: str = "view") -> PersonTagQuerySet:
        from gridgov.accounts.scope import scope_for

        q = Q(pk__in=[])
        for name, kinds in (("persontag", OPEN_KINDS), ("specialgroup", RESTRICTED_KINDS)):
            scope = scope_for(user, name, action)
            if scope.everything:
                q |= Q(kind__in=kinds)
            elif not scope.empty:
                q |= Q(kind__in=kinds) & self.scope_q(scope)
        return self.filter(q)

    def current(self) -> PersonTagQuerySet:
        return self.filter(valid_to__isnull=True)

    def visits_due(self, on: dt.date) -> PersonTagQuerySet:
        return self.current().filter(next_visit_due__lte=on)


class PersonTag(models.Model):
    person = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="tags")
    kind = models.CharField(_("类别"), max_length=24, choices=TagKind.choices)
    attention_level = models.CharField(
        _("关注程度"), max_length=8, choices=AttentionLevel.choices, default=AttentionLevel.NORMAL
    )
    details = models.JSONField(_("专项信息"), default=dict, blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("包案人"),
    )
    visit_every_days = models.PositiveSmallIntegerField(_("走访周期(天)"))
    last_visit_on = models.DateField(_("最近走访"), null=True, blank=True)
    next_visit_due = models.DateField(_("下次走访"), db_index=True)
    valid_from = models.DateField(_("列管日期"))
    valid_to = models.DateField(_("撤销日期"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True)
    scope_code = models.CharField(max_length=24, db_index=True, editable=False)

    objects = PersonTagQuerySet.as_manager()

    class Meta:
        verbose_name = _("人员标签")
        verbose_name_plural = _("人员标签")
        ordering = ["next_visit_due", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind"], condition=Q(valid_to__isnull=True), name="one_current_tag_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}"

    @property
    def group(self) -> str:
        return TAG_GROUP[self.kind]

    def compute_next_visit(self) -> dt.date:
        base = self.last_visit_on or self.valid_from
        return base + dt.timedelta(days=self.visit_every_days)
