"""Representations of the registry for the API.

Personal fields (ID number, phone, addresses, an organisation's contact phone) are always written MASKED
(:class:`MaskedField`, the ``str()`` of the stored :class:`~gridgov.core.sensitive.Sensitive`); the full value
leaves the server only through ``POST /api/v1/persons/{id}/reveal/``, which logs it. Input serializers only check
shapes and look up related objects *within the caller's scope*; the rules live in the services
(``clean_person``, ``clean_details``, …), whose ``ValidationError`` becomes a field-level 400.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from gridgov.accounts.models import User
from gridgov.core.api import CRSField
from gridgov.core.crs import CRS, from_wgs84
from gridgov.core.sensitive import MASKS, Sensitive
from gridgov.territory.models import Building, Grid, House
from gridgov.units.models import Unit

from ..models import (
    AccessLog,
    AttentionLevel,
    DocType,
    Education,
    Facility,
    FacilityClass,
    FacilityStatus,
    FireSafety,
    FloatingReason,
    FloatingRegistration,
    Household,
    HouseholdKind,
    MaritalStatus,
    Membership,
    Occupancy,
    Organisation,
    OrganisationKind,
    Person,
    PersonTag,
    PoliticalStatus,
    Relation,
    RentalHouse,
    ResidenceType,
    Sex,
    TagKind,
    VenueKind,
)
from ..services.people import PROTECTED_FIELDS
from ..services.places import MAX_RENTAL_ROOMS


@extend_schema_field(OpenApiTypes.STR)
class MaskedField(serializers.Field):  # type: ignore[type-arg]
    """A personal value, masked (``4413**********1234``, ``138****5678``); never the plain text."""

    def __init__(self, kind: str, **kwargs: Any) -> None:
        self.kind = kind
        kwargs["read_only"] = True
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("help_text", _("已脱敏;完整信息须通过“查看完整信息”接口(记录日志)"))
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> str:
        if isinstance(value, Sensitive):
            return value.masked
        return str(MASKS[self.kind](str(value)))


def _user(serializer: serializers.BaseSerializer[Any]) -> Any:
    request = serializer.context.get("request")
    return getattr(request, "user", None)


class ScopedLookupsMixin(serializers.Serializer[Any]):
    """Related objects named in the input are looked up only among those the caller may see: anything else is
    "does not exist" (a 400 on that field), never a hint that it exists elsewhere."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = _user(self)
        for name, field in self.fields.items():
            related = getattr(field, "queryset", None)
            if related is not None and hasattr(related, "visible_to"):
                field.queryset = related.visible_to(user, "view")  # type: ignore[attr-defined]
            elif name == "responsible" and related is not None:
                field.queryset = related.filter(is_active=True)  # type: ignore[attr-defined]


class PersonRefSerializer(serializers.Serializer[Person]):
    id = serializers.IntegerField()
    name = serializers.CharField()


# --- people -----------------------------------------------------------------------------------------------------


class PersonSerializer(serializers.ModelSerializer[Person]):
    url = serializers.HyperlinkedIdentityField(view_name="person-detail")
    id_number = MaskedField("idno")
    phone = MaskedField("phone")
    registered_address = MaskedField("address")
    current_address = MaskedField("address")
    sex_display = serializers.CharField(source="get_sex_display", read_only=True)
    residence_type_display = serializers.CharField(source="get_residence_type_display", read_only=True)
    age = serializers.IntegerField(read_only=True, help_text=_("周岁"))
    grid = serializers.CharField(source="grid_code", read_only=True, allow_null=True, help_text=_("网格编码"))
    building = serializers.CharField(source="building_code", read_only=True, allow_null=True, help_text=_("楼栋编码"))

    class Meta:
        model = Person
        fields = [
            "url",
            "id",
            "doc_type",
            "id_number",
            "name",
            "sex",
            "sex_display",
            "birth_date",
            "age",
            "phone",
            "registered_address",
            "current_address",
            "residence_type",
            "residence_type_display",
            "occupancy",
            "house",
            "building",
            "grid",
            "scope_code",
            "is_active",
            "version",
        ]


class PersonSearchSerializer(serializers.Serializer[dict[str, Any]]):
    """The person list's filters (``PersonFilterSet``) in a request body."""

    q = serializers.CharField(required=False, help_text=_("姓名,或完整的证件号码/手机号(精确匹配)"))
    area = serializers.CharField(required=False, help_text=_("网格/区划编码(前缀)"))
    building = serializers.CharField(required=False, help_text=_("楼栋编码"))
    residence_type = serializers.ListField(child=serializers.ChoiceField(choices=ResidenceType.choices), required=False)
    sex = serializers.ChoiceField(choices=Sex.choices, required=False)
    tag = serializers.ListField(child=serializers.ChoiceField(choices=TagKind.choices), required=False)
    age_min = serializers.IntegerField(required=False, min_value=0)
    age_max = serializers.IntegerField(required=False, min_value=0)
    active = serializers.BooleanField(required=False)


class PersonSearchResultSerializer(serializers.Serializer[dict[str, Any]]):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = PersonSerializer(many=True)


class PersonHouseholdSerializer(serializers.Serializer[Membership]):
    id = serializers.IntegerField(source="household_id")
    number = serializers.CharField(source="household.number")
    relation = serializers.CharField()
    relation_display = serializers.CharField(source="get_relation_display")
    valid_from = serializers.DateField()


class TagSummarySerializer(serializers.ModelSerializer[PersonTag]):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    group = serializers.CharField(read_only=True)

    class Meta:
        model = PersonTag
        fields = [
            "id",
            "kind",
            "kind_display",
            "group",
            "attention_level",
            "details",
            "visit_every_days",
            "last_visit_on",
            "next_visit_due",
            "valid_from",
        ]


class FloatingSummarySerializer(serializers.ModelSerializer[FloatingRegistration]):
    class Meta:
        model = FloatingRegistration
        fields = ["id", "reason", "registered_on", "expires_on", "house"]


class PersonDetailSerializer(PersonSerializer):
    """The person with the household they belong to and the tags and registrations the caller may see (the
    view prefetches them through ``visible_to``: a hidden tag is not in the response at all)."""

    household = serializers.SerializerMethodField(help_text=_("所在户(当前)"))
    tags = serializers.SerializerMethodField(help_text=_("在管类别(只含您有权查看的)"))
    floating_registrations = serializers.SerializerMethodField(help_text=_("流动人口登记"))
    revealable_fields = serializers.SerializerMethodField(
        help_text=_("当前用户可申请查看完整信息的字段(无权查看时为空)")
    )

    class Meta(PersonSerializer.Meta):
        fields = [
            *PersonSerializer.Meta.fields,
            "former_name",
            "ethnicity",
            "native_place",
            "marital_status",
            "political_status",
            "education",
            "religion",
            "occupation",
            "workplace",
            "left_on",
            "left_reason",
            "created_at",
            "updated_at",
            "household",
            "tags",
            "floating_registrations",
            "revealable_fields",
        ]

    @extend_schema_field(PersonHouseholdSerializer(allow_null=True))
    def get_household(self, person: Person) -> dict[str, Any] | None:
        memberships = getattr(person, "visible_memberships", [])
        return dict(PersonHouseholdSerializer(memberships[0]).data) if memberships else None

    @extend_schema_field(TagSummarySerializer(many=True))
    def get_tags(self, person: Person) -> list[dict[str, Any]]:
        return list(TagSummarySerializer(getattr(person, "visible_tags", []), many=True).data)

    @extend_schema_field(FloatingSummarySerializer(many=True))
    def get_floating_registrations(self, person: Person) -> list[dict[str, Any]]:
        regs = getattr(person, "visible_floating", [])
        return list(FloatingSummarySerializer(regs, many=True).data)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_revealable_fields(self, person: Person) -> list[str]:
        if not self.context.get("may_reveal"):
            return []
        return [f for f in PROTECTED_FIELDS if getattr(person, f)]


class PersonWriteSerializer(ScopedLookupsMixin, serializers.Serializer[dict[str, Any]]):
    """A person's fields as the client sends them (plain text: they are encrypted when saved). The rules
    (ID number checksum and date, phone format, required fields) are ``services.clean_person``'s."""

    doc_type = serializers.ChoiceField(choices=DocType.choices, required=False)
    id_number = serializers.CharField(required=False, allow_blank=True, max_length=40, help_text=_("证件号码"))
    name = serializers.CharField(required=False, allow_blank=True, max_length=60)
    former_name = serializers.CharField(required=False, allow_blank=True, max_length=60)
    sex = serializers.ChoiceField(choices=Sex.choices, required=False, allow_blank=True)
    birth_date = serializers.DateField(required=False, allow_null=True, help_text=_("身份证号码可自动带出"))
    ethnicity = serializers.CharField(required=False, allow_blank=True, max_length=20)
    native_place = serializers.CharField(required=False, allow_blank=True, max_length=60)
    marital_status = serializers.ChoiceField(choices=MaritalStatus.choices, required=False, allow_blank=True)
    political_status = serializers.ChoiceField(choices=PoliticalStatus.choices, required=False, allow_blank=True)
    education = serializers.ChoiceField(choices=Education.choices, required=False, allow_blank=True)
    religion = serializers.CharField(required=False, allow_blank=True, max_length=30)
    occupation = serializers.CharField(required=False, allow_blank=True, max_length=60)
    workplace = serializers.CharField(required=False, allow_blank=True, max_length=120)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=30)
    registered_address = serializers.CharField(required=False, allow_blank=True, max_length=200)
    current_address = serializers.CharField(required=False, allow_blank=True, max_length=200)
    residence_type = serializers.ChoiceField(choices=ResidenceType.choices, required=False)
    occupancy = serializers.ChoiceField(choices=Occupancy.choices, required=False)
    house = serializers.PrimaryKeyRelatedField(
        queryset=House.objects.all(), required=False, allow_null=True, help_text=_("现住房屋编号")
    )
    building = serializers.SlugRelatedField(
        slug_field="code", queryset=Building.objects.all(), required=False, allow_null=True, help_text=_("楼栋编码")
    )
    grid = serializers.SlugRelatedField(
        slug_field="code", queryset=Grid.objects.current(), required=False, allow_null=True, help_text=_("网格编码")
    )


class PersonCreateSerializer(PersonWriteSerializer):
    region = serializers.CharField(required=False, allow_blank=True, max_length=24, help_text=_("网格未知时填社区代码"))


class PersonUpdateSerializer(PersonWriteSerializer):
    version = serializers.IntegerField(min_value=1, help_text=_("编辑所依据的版本号(读取时的 version)"))
    base = serializers.DictField(
        required=False,
        help_text=_("编辑所依据的原值(离线编辑时由客户端带上);未带的字段在版本变化时视为冲突"),
    )


class StaleEditSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()
    fields = serializers.ListField(  # type: ignore[assignment]  # a declared field, not Serializer.fields
        child=serializers.CharField(), help_text=_("他人已修改的字段")
    )
    current_version = serializers.IntegerField()


class RevealRequestSerializer(serializers.Serializer[dict[str, Any]]):
    field = serializers.ChoiceField(choices=[(f, f) for f in PROTECTED_FIELDS], help_text=_("要查看的字段"))
    reason = serializers.CharField(max_length=500, help_text=_("查看事由(至少4个字,记入日志)"))


class RevealResponseSerializer(serializers.Serializer[dict[str, Any]]):
    field = serializers.CharField()
    value = serializers.CharField(help_text=_("完整值(已记录日志;请勿缓存)"))


class DeregisterSerializer(serializers.Serializer[dict[str, Any]]):
    on = serializers.DateField(required=False, help_text=_("注销日期(默认今天)"))
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200)


# --- households -------------------------------------------------------------------------------------------------


class MembershipSerializer(serializers.ModelSerializer[Membership]):
    person = PersonRefSerializer(read_only=True)
    relation_display = serializers.CharField(source="get_relation_display", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "person", "relation", "relation_display", "valid_from", "valid_to"]


class HouseholdSerializer(serializers.ModelSerializer[Household]):
    url = serializers.HyperlinkedIdentityField(view_name="household-detail")
    grid = serializers.CharField(source="grid_code", read_only=True, allow_null=True, help_text=_("网格编码"))
    head = serializers.SerializerMethodField(help_text=_("户主"))
    member_count = serializers.SerializerMethodField(help_text=_("在册成员数"))

    class Meta:
        model = Household
        fields = ["url", "id", "number", "kind", "house", "grid", "scope_code", "head", "member_count", "version"]

    def _current(self, household: Household) -> list[Membership]:
        members = getattr(household, "current_memberships", None)
        if members is None:
            members = list(household.current_members())
        return members

    @extend_schema_field(PersonRefSerializer(allow_null=True))
    def get_head(self, household: Household) -> dict[str, Any] | None:
        head = next((m for m in self._current(household) if m.relation == Relation.HEAD), None)
        return {"id": head.person_id, "name": head.person.name} if head is not None else None

    def get_member_count(self, household: Household) -> int:
        return len(self._current(household))


class HouseholdDetailSerializer(HouseholdSerializer):
    members = serializers.SerializerMethodField(help_text=_("在册成员"))

    class Meta(HouseholdSerializer.Meta):
        fields = [*HouseholdSerializer.Meta.fields, "members"]

    @extend_schema_field(MembershipSerializer(many=True))
    def get_members(self, household: Household) -> list[dict[str, Any]]:
        return list(MembershipSerializer(self._current(household), many=True).data)


class HouseholdCreateSerializer(ScopedLookupsMixin, serializers.Serializer[dict[str, Any]]):
    number = serializers.CharField(max_length=32, help_text=_("户号"))
    kind = serializers.ChoiceField(choices=HouseholdKind.choices, default=HouseholdKind.FAMILY)
    head = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all(), help_text=_("户主(人员编号)"))
    house = serializers.PrimaryKeyRelatedField(queryset=House.objects.all(), required=False, allow_null=True)
    on = serializers.DateField(required=False, help_text=_("立户日期(默认今天)"))


class AddMemberSerializer(ScopedLookupsMixin, serializers.Serializer[dict[str, Any]]):
    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all(), help_text=_("人员编号"))
    relation = serializers.ChoiceField(choices=Relation.choices, help_text=_("与户主关系(不能为户主)"))
    on = serializers.DateField(required=False, help_text=_("入户日期(默认今天)"))


class ChangeHeadSerializer(ScopedLookupsMixin, serializers.Serializer[dict[str, Any]]):
    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all(), help_text=_("新户主(须为在册成员)"))
    old_head_relation = serializers.ChoiceField(
        choices=[c for c in Relation.choices if c[0] != Relation.HEAD],
        default=Relation.OTHER_RELATIVE,
        help_text=_("原户主改为的关系"),
    )
    on = serializers.DateField(required=False, help_text=_("变更日期(默认今天)"))


class EndMembershipSerializer(serializers.Serializer[dict[str, Any]]):
    membership = serializers.IntegerField(help_text=_("成员关系编号"))
    on = serializers.DateField(required=False, help_text=_("离户日期(默认今天)"))


# --- tags -------------------------------------------------------------------------------------------------------


class TagSerializer(TagSummarySerializer):
    url = serializers.HyperlinkedIdentityField(view_name="persontag-detail")
    person = PersonRefSerializer(read_only=True)
    responsible = serializers.CharField(
        source="responsible_name", read_only=True, allow_null=True, help_text=_("包案人")
    )
    visit_due = serializers.SerializerMethodField(help_text=_("已到走访日期"))

    class Meta(TagSummarySerializer.Meta):
        fields = [
            "url",
            *TagSummarySerializer.Meta.fields,
            "person",
            "responsible",
            "valid_to",
            "note",
            "scope_code",
            "visit_due",
        ]

    def get_visit_due(self, tag: PersonTag) -> bool:
        today: dt.date = self.context.get("today") or timezone.localdate()
        return tag.valid_to is None and tag.next_visit_due <= today


class TagCreateSerializer(ScopedLookupsMixin, serializers.Serializer[dict[str, Any]]):
    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all(), help_text=_("人员编号"))
    kind = serializers.ChoiceField(choices=TagKind.choices)
    on = serializers.DateField(required=False, help_text=_("列管日期(默认今天)"))
    details = serializers.DictField(required=False, default=dict, help_text=_("该类别的专项信息(见 TAG_FIELDS)"))
    attention_level = serializers.ChoiceField(choices=AttentionLevel.choices, default=AttentionLevel.NORMAL)
    responsible = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True, help_text=_("包案人(用户编号)")
    )
    visit_every_days = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=366, help_text=_("走访周期(天);默认按类别")
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DateSerializer(serializers.Serializer[dict[str, Any]]):
    on = serializers.DateField(required=False, help_text=_("日期(默认今天)"))


class EndTagSerializer(DateSerializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


# --- places -----------------------------------------------------------------------------------------------------


class FloatingRegistrationSerializer(serializers.ModelSerializer[FloatingRegistration]):
    url = serializers.HyperlinkedIdentityField(view_name="floatingregistration-detail")
    person = PersonRefSerializer(read_only=True)
    reason_display = serializers.CharField(source="get_reason_display", read_only=True)
    grid = serializers.CharField(source="grid_code", read_only=True, allow_null=True, help_text=_("网格编码"))

    class Meta:
        model = FloatingRegistration
        fields = [
            "url",
            "id",
            "person",
            "house",
            "reason",
            "reason_display",
            "registered_on",
            "expires_on",
            "grid",
            "scope_code",
        ]


class FloatingCreateSerializer(ScopedLookupsMixin, serializers.Serializer[dict[str, Any]]):
    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all())
    house = serializers.PrimaryKeyRelatedField(queryset=House.objects.all(), required=False, allow_null=True)
    reason = serializers.ChoiceField(choices=FloatingReason.choices, default=FloatingReason.WORK)
    on = serializers.DateField(required=False, help_text=_("登记日期(默认今天)"))
    expires_on = serializers.DateField(help_text=_("有效期至"))


class RentalHouseSerializer(serializers.ModelSerializer[RentalHouse]):
    url = serializers.HyperlinkedIdentityField(view_name="rentalhouse-detail")
    house_number = serializers.CharField(source="house.number", read_only=True)
    building = serializers.CharField(source="house.building.code", read_only=True, help_text=_("楼栋编码"))
    landlord = PersonRefSerializer(read_only=True, allow_null=True)
    grid = serializers.CharField(source="grid_code", read_only=True, allow_null=True, help_text=_("网格编码"))

    class Meta:
        model = RentalHouse
        fields = [
            "url",
            "id",
            "house",
            "house_number",
            "building",
            "landlord",
            "rooms",
            "registered_on",
            "safety_checked_on",
            "is_active",
            "grid",
            "scope_code",
            "version",
        ]


class RentalCreateSerializer(ScopedLookupsMixin, serializers.Serializer[dict[str, Any]]):
    house = serializers.PrimaryKeyRelatedField(queryset=House.objects.all())
    landlord = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all(), required=False, allow_null=True)
    rooms = serializers.IntegerField(min_value=1, max_value=MAX_RENTAL_ROOMS, default=1)
    on = serializers.DateField(required=False, help_text=_("登记日期(默认今天)"))


class RentalUpdateSerializer(serializers.Serializer[dict[str, Any]]):
    """A rental house's editable fields (``services.RENTAL_FIELDS``; the rules are ``services.clean_rental``'s),
    with the version read."""

    version = serializers.IntegerField(min_value=1, help_text=_("编辑所依据的版本号(读取时的 version)"))
    base = serializers.DictField(
        required=False,
        help_text=_("编辑所依据的原值(离线编辑时由客户端带上);未带的字段在版本变化时视为冲突"),
    )
    # The ranges are checked by the service, so that every bad field is named at once.
    rooms = serializers.IntegerField(required=False, help_text=_("出租间数(1–999)"))
    safety_checked_on = serializers.DateField(
        required=False, allow_null=True, help_text=_("最近安全检查日期(不能晚于今天;null 清除)")
    )
    is_active = serializers.BooleanField(required=False, help_text=_("是否仍在出租"))


# --- organisations and facilities ---------------------------------------------------------------------------------


class PointMixin(serializers.Serializer[Any]):
    """``lon``/``lat`` in the coordinate system the client asked for (``crs``; stored WGS-84)."""

    lon = serializers.SerializerMethodField(help_text=_("经度(按 crs 参数的坐标系)"))
    lat = serializers.SerializerMethodField(help_text=_("纬度(按 crs 参数的坐标系)"))

    def _point(self, obj: Any) -> tuple[float, float] | None:
        if obj.lon is None or obj.lat is None:
            return None
        crs: CRS = self.context.get("crs", CRS.WGS84)
        lon, lat = from_wgs84(obj.lon, obj.lat, crs)
        return round(lon, 7), round(lat, 7)

    @extend_schema_field(OpenApiTypes.DOUBLE)
    def get_lon(self, obj: Any) -> float | None:
        point = self._point(obj)
        return point[0] if point else None

    @extend_schema_field(OpenApiTypes.DOUBLE)
    def get_lat(self, obj: Any) -> float | None:
        point = self._point(obj)
        return point[1] if point else None


class OrganisationSerializer(PointMixin, serializers.ModelSerializer[Organisation]):
    url = serializers.HyperlinkedIdentityField(view_name="organisation-detail")
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    venue_kind_display = serializers.CharField(source="get_venue_kind_display", read_only=True)
    fire_safety_display = serializers.CharField(source="get_fire_safety_display", read_only=True)
    contact_phone = MaskedField("phone")
    building = serializers.CharField(source="building_code", read_only=True, allow_null=True, help_text=_("楼栋编码"))
    grid = serializers.CharField(source="grid_code", read_only=True, allow_null=True, help_text=_("网格编码"))

    class Meta:
        model = Organisation
        fields = [
            "url",
            "id",
            "kind",
            "kind_display",
            "venue_kind",
            "venue_kind_display",
            "name",
            "uscc",
            "legal_representative",
            "contact_phone",
            "address",
            "building",
            "lon",
            "lat",
            "employees",
            "fire_safety",
            "fire_safety_display",
            "fire_checked_on",
            "is_active",
            "grid",
            "scope_code",
            "version",
        ]


class OrganisationCreateSerializer(ScopedLookupsMixin, serializers.Serializer[dict[str, Any]]):
    kind = serializers.ChoiceField(choices=OrganisationKind.choices)
    venue_kind = serializers.ChoiceField(
        choices=VenueKind.choices, required=False, allow_blank=True, default="", help_text=_("三小场所必填")
    )
    name = serializers.CharField(max_length=120)
    uscc = serializers.CharField(required=False, allow_blank=True, default="", max_length=30)
    legal_representative = serializers.CharField(required=False, allow_blank=True, default="", max_length=60)
    contact_phone = serializers.CharField(required=False, allow_blank=True, default="", max_length=30)
    address = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    building = serializers.SlugRelatedField(
        slug_field="code", queryset=Building.objects.all(), required=False, allow_null=True
    )
    grid = serializers.SlugRelatedField(
        slug_field="code", queryset=Grid.objects.current(), required=False, allow_null=True
    )
    lon = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180)
    lat = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    crs = CRSField(help_text=_("lon/lat 的坐标系:wgs84(默认)、gcj02 或 bd09"))
    employees = serializers.IntegerField(required=False, min_value=0, default=0)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if (attrs.get("lon") is None) != (attrs.get("lat") is None):
            raise serializers.ValidationError({"lat": [_("经度和纬度须同时填写。")]})
        return attrs


class FireInspectionSerializer(serializers.Serializer[dict[str, Any]]):
    result = serializers.ChoiceField(choices=[c for c in FireSafety.choices if c[0] != FireSafety.NOT_INSPECTED])
    on = serializers.DateField(required=False, help_text=_("检查日期(默认今天)"))


class FacilitySerializer(PointMixin, serializers.ModelSerializer[Facility]):
    url = serializers.HyperlinkedIdentityField(view_name="facility-detail")
    major_class_display = serializers.CharField(source="get_major_class_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    owner_unit = serializers.CharField(
        source="owner_unit_name", read_only=True, allow_null=True, help_text=_("权属单位")
    )
    grid = serializers.CharField(source="grid_code", read_only=True, allow_null=True, help_text=_("网格编码"))

    class Meta:
        model = Facility
        fields = [
            "url",
            "id",
            "code",
            "major_class",
            "major_class_display",
            "minor_class",
            "name",
            "lon",
            "lat",
            "status",
            "status_display",
            "owner_unit",
            "grid",
            "scope_code",
        ]


class FacilityCreateSerializer(serializers.Serializer[dict[str, Any]]):
    code = serializers.CharField(max_length=32, help_text=_("部件编码:6位区县代码+2位大类+小类+流水号"))
    major_class = serializers.ChoiceField(choices=FacilityClass.choices)
    minor_class = serializers.RegexField(r"^\d{2,3}$", help_text=_("小类代码(2或3位数字)"))
    name = serializers.CharField(max_length=60)
    lon = serializers.FloatField(min_value=-180, max_value=180)
    lat = serializers.FloatField(min_value=-90, max_value=90)
    crs = CRSField(help_text=_("lon/lat 的坐标系:wgs84(默认)、gcj02 或 bd09"))
    status = serializers.ChoiceField(choices=FacilityStatus.choices, default=FacilityStatus.NORMAL)
    owner_unit = serializers.SlugRelatedField(
        slug_field="code", queryset=Unit.objects.all(), required=False, allow_null=True, help_text=_("权属单位编码")
    )


# --- the access log -----------------------------------------------------------------------------------------------


class AccessLogSerializer(serializers.ModelSerializer[AccessLog]):
    user = serializers.CharField(source="user.username", read_only=True, help_text=_("操作人账号"))
    user_name = serializers.CharField(source="user.__str__", read_only=True, help_text=_("操作人"))
    action_display = serializers.CharField(source="get_action_display", read_only=True)
    person = PersonRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = AccessLog
        fields = [
            "id",
            "at",
            "user",
            "user_name",
            "action",
            "action_display",
            "person",
            "field",
            "reason",
            "rows",
            "detail",
            "ip",
            "scope_code",
        ]
