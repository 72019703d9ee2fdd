from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import Tier, Unit, UnitKind


class UnitRegionSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()


class UnitSerializer(serializers.ModelSerializer[Unit]):
    kind = serializers.ChoiceField(UnitKind.choices)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    tier = serializers.ChoiceField(Tier.choices)
    tier_display = serializers.CharField(source="get_tier_display", read_only=True)
    region = serializers.CharField(source="region.code", read_only=True, help_text=_("所在区划代码"))
    region_name = serializers.CharField(source="region.name", read_only=True)
    jurisdiction = UnitRegionSerializer(many=True, read_only=True, help_text=_("管辖区划"))
    member_count = serializers.IntegerField(read_only=True, help_text=_("成员人数"))

    class Meta:
        model = Unit
        fields = [
            "code",
            "name",
            "kind",
            "kind_display",
            "tier",
            "tier_display",
            "region",
            "region_name",
            "jurisdiction",
            "phone",
            "email",
            "is_active",
            "member_count",
        ]
        read_only_fields = fields
