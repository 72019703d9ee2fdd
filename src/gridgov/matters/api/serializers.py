from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from gridgov.units.models import Tier, Unit, UnitKind

from ..models import STAGES, ChangeStatus, LimitUnit, MatterCategory, MatterChange, MatterKind


class LimitSerializer(serializers.Serializer[Any]):
    amount = serializers.IntegerField()
    unit = serializers.ChoiceField(LimitUnit.choices, help_text=_("hours:工作小时;days:工作日;clock_hours:自然小时"))


class LimitsSerializer(serializers.Serializer[Any]):
    accept = LimitSerializer(help_text=_("受理时限"))
    sign = LimitSerializer(help_text=_("签收时限"))
    handle = LimitSerializer(help_text=_("办理时限"))
    verify = LimitSerializer(help_text=_("核查时限"))


class MatterCategorySerializer(serializers.ModelSerializer[MatterCategory]):
    parent = serializers.CharField(  # type: ignore[assignment]  # a field, not .parent
        source="parent.code", default=None, read_only=True, help_text=_("大类编码")
    )
    kind = serializers.ChoiceField(MatterKind.choices)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    owner_unit_kind = serializers.ChoiceField([("", ""), *UnitKind.choices], help_text=_("责任单位类型"))
    default_tier = serializers.ChoiceField(Tier.choices)
    limits = serializers.SerializerMethodField()
    in_force = serializers.SerializerMethodField(help_text=_("今天是否现行有效"))

    class Meta:
        model = MatterCategory
        fields = [
            "code",
            "name",
            "parent",
            "kind",
            "kind_display",
            "owner_unit_kind",
            "default_tier",
            "grid_assignable",
            "self_settle_allowed",
            "limits",
            "is_active",
            "published_on",
            "is_temporary",
            "ends_on",
            "in_force",
        ]
        read_only_fields = fields

    @extend_schema_field(LimitsSerializer)
    def get_limits(self, obj: MatterCategory) -> dict[str, Any]:
        return {stage: dict(zip(("amount", "unit"), obj.limit(stage), strict=True)) for stage in STAGES}

    def get_in_force(self, obj: MatterCategory) -> bool:
        return obj.in_force()


class MatterChangeSerializer(serializers.ModelSerializer[MatterChange]):
    category = serializers.CharField(source="category.code", default=None, read_only=True, help_text=_("事项编码"))
    proposer = serializers.CharField(source="proposer.username", read_only=True)
    proposer_unit = serializers.CharField(source="proposer_unit.code", default=None, read_only=True)
    reviewer = serializers.CharField(source="reviewer.username", default=None, read_only=True)
    status = serializers.ChoiceField(ChangeStatus.choices, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = MatterChange
        fields = [
            "id",
            "category",
            "fields",
            "reason",
            "proposer",
            "proposer_unit",
            "proposed_at",
            "status",
            "status_display",
            "effective_on",
            "reviewer",
            "reviewed_at",
            "review_note",
            "published_at",
        ]
        read_only_fields = fields


class MatterChangeCreateSerializer(serializers.Serializer[Any]):
    category = serializers.SlugRelatedField(
        slug_field="code",
        queryset=MatterCategory.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("要变更的事项编码;新增事项时不填"),
        error_messages={"does_not_exist": _("事项编码“{value}”不存在。")},
    )
    fields = serializers.DictField(  # type: ignore[assignment]  # a field named "fields", not .fields
        help_text=_(
            '拟变更的字段及新值,例如 {"handle_limit": 5}。新增事项须含 code、name,小类还须含 parent(大类编码)。'
        )
    )
    reason = serializers.CharField(help_text=_("申请理由"))
    effective_on = serializers.DateField(help_text=_("生效日期(YYYY-MM-DD),不早于今天"))
    unit = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Unit.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("申请单位编码(须是本人所在单位)"),
        error_messages={"does_not_exist": _("单位编码“{value}”不存在。")},
    )

    def validate_unit(self, unit: Unit | None) -> Unit | None:
        user = self.context["request"].user
        if unit is not None and not unit.memberships.filter(user=user).exists():
            raise serializers.ValidationError(_("只能以本人所在单位的名义申请。"))
        return unit


class ReviewSerializer(serializers.Serializer[Any]):
    review_note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("审核意见;驳回时必填")
    )
