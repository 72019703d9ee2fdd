"""Serializers of the cases API: the case as listed and in detail, intake, and one small serializer per action for
the inputs that action needs. Nothing here writes: the views hand validated data to the services."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from gridgov.core.api import CRSField
from gridgov.core.crs import CRS, from_wgs84
from gridgov.matters.inforce import in_force_by_code
from gridgov.matters.models import LimitUnit, MatterCategory
from gridgov.units.models import Unit

from ..disclosure import HIDDEN, is_overdue, reporter_label, reporter_name, sees_reporter
from ..models import (
    Case,
    CaseAttachment,
    CaseEvent,
    CaseSummons,
    Mediation,
    MediationStage,
    MediatorRole,
    Rating,
    ReturnReason,
    RiskLevel,
    Source,
    Urgency,
    mask_name,
)
from ..photos import CheckedPhoto, check_photo
from ..workflow import STAGE_OF_STATUS, TRANSITIONS, allowed_actions


def _user(serializer: serializers.Field[Any, Any, Any, Any] | serializers.BaseSerializer[Any]) -> Any:
    request = serializer.context.get("request")
    return getattr(request, "user", None)


# --- reading ----------------------------------------------------------------------------------------------------


class CategoryBriefSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    major_code = serializers.SerializerMethodField(help_text=_("所属大类编码(本身是大类时为其编码)"))
    major_name = serializers.SerializerMethodField()

    def get_major_code(self, obj: MatterCategory) -> str:
        return obj.parent.code if obj.parent_id and obj.parent else obj.code

    def get_major_name(self, obj: MatterCategory) -> str:
        return obj.parent.name if obj.parent_id and obj.parent else obj.name


class UnitBriefSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()


class CaseListSerializer(serializers.ModelSerializer[Case]):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    source_display = serializers.CharField(source="get_source_display", read_only=True)
    urgency_display = serializers.CharField(source="get_urgency_display", read_only=True)
    current_tier_display = serializers.CharField(source="get_current_tier_display", read_only=True)
    category = CategoryBriefSerializer(read_only=True)
    current_unit = UnitBriefSerializer(read_only=True, allow_null=True)
    lon = serializers.SerializerMethodField(help_text=_("经度(坐标系由 crs 参数指定,默认 WGS-84)"))
    lat = serializers.SerializerMethodField(help_text=_("纬度(坐标系由 crs 参数指定,默认 WGS-84)"))
    overdue = serializers.SerializerMethodField(help_text=_("未结案件当前阶段已超过办理期限"))
    reporter = serializers.SerializerMethodField(help_text=_("上报人姓名;仅上报人本人和综治中心可见,否则为“已隐藏”"))
    duplicate_of = serializers.SerializerMethodField(help_text=_("合并到的案件编号"))

    class Meta:
        model = Case
        fields = [
            "number",
            "status",
            "status_display",
            "source",
            "source_display",
            "category",
            "urgency",
            "urgency_display",
            "current_tier",
            "current_tier_display",
            "current_unit",
            "grid_code",
            "community_code",
            "subdistrict_code",
            "district_code",
            "address",
            "description",
            "lon",
            "lat",
            "due_at",
            "overdue",
            "reporter",
            "duplicate_of",
            "me_too_count",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields

    def _point(self, obj: Case) -> tuple[float, float]:
        crs = self.context.get("crs", CRS.WGS84)
        if crs == CRS.WGS84:
            return obj.lon, obj.lat
        return from_wgs84(obj.lon, obj.lat, crs)

    def get_lon(self, obj: Case) -> float:
        return round(self._point(obj)[0], 7)

    def get_lat(self, obj: Case) -> float:
        return round(self._point(obj)[1], 7)

    def get_overdue(self, obj: Case) -> bool:
        return is_overdue(obj, self.context.get("now"))

    def get_reporter(self, obj: Case) -> str:
        return reporter_label(obj, _user(self))

    def get_duplicate_of(self, obj: Case) -> str | None:
        number = getattr(obj, "duplicate_of_number", None)
        if number is None and obj.duplicate_of_id is not None:
            number = obj.duplicate_of.number if obj.duplicate_of else None
        return number


class AttachmentSerializer(serializers.ModelSerializer[CaseAttachment]):
    url = serializers.SerializerMethodField(help_text=_("照片地址(已去除 EXIF)"))

    class Meta:
        model = CaseAttachment
        fields = ["id", "url", "content_type", "size", "event", "created_at"]
        read_only_fields = fields

    def get_url(self, obj: CaseAttachment) -> str:
        # Served through the case's scope, never straight from the media directory.
        number = self.context["case"].number
        url = reverse("case-photo", kwargs={"number": number, "photo_id": obj.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class EventSerializer(serializers.ModelSerializer[CaseEvent]):
    action_label = serializers.SerializerMethodField()
    actor = serializers.SerializerMethodField(help_text=_("操作人;上报人对无权查看者显示“已隐藏”"))
    from_status_display = serializers.CharField(source="get_from_status_display", read_only=True)
    to_status_display = serializers.CharField(source="get_to_status_display", read_only=True)
    attachments = serializers.SerializerMethodField()

    class Meta:
        model = CaseEvent
        fields = [
            "id",
            "at",
            "action",
            "action_label",
            "actor",
            "from_status",
            "from_status_display",
            "to_status",
            "to_status_display",
            "note",
            "data",
            "attachments",
        ]
        read_only_fields = fields

    def get_action_label(self, obj: CaseEvent) -> str:
        return str(obj.action_label)

    def get_actor(self, obj: CaseEvent) -> str:
        case: Case | None = self.context.get("case")
        if obj.actor_id is None:
            return ""
        personal = obj.action in ("report", "me_too") or (case is not None and obj.actor_id == case.reporter_id)
        if personal and case is not None and not sees_reporter(case, _user(self)):
            return str(HIDDEN)
        return reporter_name(obj.actor)

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, obj: CaseEvent) -> list[dict[str, Any]]:
        return list(AttachmentSerializer(obj.attachments.all(), many=True, context=self.context).data)


class SummonsSerializer(serializers.ModelSerializer[CaseSummons]):
    unit = UnitBriefSerializer(read_only=True)

    class Meta:
        model = CaseSummons
        fields = [
            "unit",
            "summoned_at",
            "deadline",
            "reported_in_at",
            "part_done_at",
            "note",
            "part_result",
            "flagged_late",
        ]
        read_only_fields = fields


class MaskedPersonSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(help_text=_("姓名已脱敏,如“张*”"))
    role = serializers.CharField()


class MediationSummarySerializer(serializers.ModelSerializer[Mediation]):
    stage_display = serializers.CharField(source="get_stage_display", read_only=True)
    risk_level_display = serializers.CharField(source="get_risk_level_display", read_only=True)
    parties = serializers.SerializerMethodField(help_text=_("当事人(姓名脱敏)"))
    mediators = serializers.SerializerMethodField(help_text=_("调解员(姓名脱敏)"))
    session_count = serializers.SerializerMethodField()

    class Meta:
        model = Mediation
        fields = [
            "stage",
            "stage_display",
            "risk_level",
            "risk_level_display",
            "agreement_reached",
            "parties",
            "mediators",
            "session_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(MaskedPersonSerializer(many=True))
    def get_parties(self, obj: Mediation) -> list[dict[str, str]]:
        return [{"name": mask_name(p.name), "role": p.role} for p in obj.parties.all()]

    @extend_schema_field(MaskedPersonSerializer(many=True))
    def get_mediators(self, obj: Mediation) -> list[dict[str, str]]:
        return [{"name": mask_name(m.name), "role": str(m.get_role_display())} for m in obj.mediators.all()]

    def get_session_count(self, obj: Mediation) -> int:
        return len(obj.sessions.all())


class DeadlinesSerializer(serializers.Serializer[Any]):
    stage = serializers.CharField(allow_null=True, help_text=_("当前阶段:accept/dispatch/sign/handle/verify"))
    due_at = serializers.DateTimeField(allow_null=True, help_text=_("本阶段办理期限"))
    overdue = serializers.BooleanField()
    overdue_stages = serializers.ListField(child=serializers.CharField(), help_text=_("已超期的阶段(冻结)"))
    extension_requested_at = serializers.DateTimeField(allow_null=True)
    extension_amount = serializers.IntegerField(allow_null=True)
    extension_unit = serializers.CharField(allow_blank=True)


class AllowedActionSerializer(serializers.Serializer[Any]):
    action = serializers.CharField(help_text=_("POST /api/v1/cases/{number}/{action}/ 中的操作名"))
    label = serializers.CharField()  # type: ignore[assignment]


class CaseDetailSerializer(CaseListSerializer):
    timeline = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()
    summonses = SummonsSerializer(many=True, read_only=True)
    mediation = serializers.SerializerMethodField(help_text=_("矛盾纠纷调解摘要;未登记调解时为空"))
    deadlines = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField(help_text=_("当前用户此刻可执行的操作"))
    rating_display = serializers.CharField(source="get_rating_display", read_only=True)

    class Meta(CaseListSerializer.Meta):
        fields = [
            *CaseListSerializer.Meta.fields,
            "result",
            "closed_at",
            "rating",
            "rating_display",
            "rating_comment",
            "rated_at",
            "reminder_count",
            "supervision_count",
            "return_count",
            "redo_count",
            "escalation_count",
            "deadlines",
            "summonses",
            "mediation",
            "attachments",
            "timeline",
            "allowed_actions",
        ]
        read_only_fields = fields

    @extend_schema_field(EventSerializer(many=True))
    def get_timeline(self, obj: Case) -> list[dict[str, Any]]:
        context = {**self.context, "case": obj}
        return list(EventSerializer(obj.events.all(), many=True, context=context).data)

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, obj: Case) -> list[dict[str, Any]]:
        context = {**self.context, "case": obj}
        return list(AttachmentSerializer(obj.attachments.all(), many=True, context=context).data)

    @extend_schema_field(MediationSummarySerializer(allow_null=True))
    def get_mediation(self, obj: Case) -> dict[str, Any] | None:
        mediation = Mediation.objects.filter(case=obj).prefetch_related("parties", "mediators", "sessions").first()
        return dict(MediationSummarySerializer(mediation).data) if mediation is not None else None

    @extend_schema_field(DeadlinesSerializer)
    def get_deadlines(self, obj: Case) -> dict[str, Any]:
        stage = STAGE_OF_STATUS.get(obj.status)
        return dict(
            DeadlinesSerializer(
                {
                    "stage": str(stage) if stage else None,
                    "due_at": obj.due_at,
                    "overdue": is_overdue(obj, self.context.get("now")),
                    "overdue_stages": sorted(k for k, v in (obj.overdue_stages or {}).items() if v),
                    "extension_requested_at": obj.extension_requested_at,
                    "extension_amount": obj.extension_amount,
                    "extension_unit": obj.extension_unit,
                }
            ).data
        )

    @extend_schema_field(AllowedActionSerializer(many=True))
    def get_allowed_actions(self, obj: Case) -> list[dict[str, str]]:
        from .actions import URL_NAME

        user = _user(self)
        names = allowed_actions(obj, user)
        return [{"action": URL_NAME[name], "label": str(TRANSITIONS[name].label)} for name in names]


class OutOfReachSerializer(serializers.Serializer[Any]):
    """The answer to an action after which the case is no longer the user's to see (a unit that returned it)."""

    number = serializers.CharField()
    status = serializers.CharField()
    version = serializers.IntegerField()
    visible = serializers.BooleanField(help_text=_("恒为 false:操作后案件已不在您的范围内"))


class DuplicateSerializer(serializers.Serializer[Any]):
    number = serializers.CharField()
    distance_m = serializers.FloatField(help_text=_("与本次上报地点的距离(米)"))
    status = serializers.CharField()
    created_at = serializers.DateTimeField()


class IntakeResponseSerializer(serializers.ModelSerializer[Case]):
    """The answer to a report: what the phone needs to file it (number, status, deadline, grid) and the possible
    duplicates to offer — not the case detail (timeline, actions, summonses), which ``url`` gives on request."""

    url = serializers.SerializerMethodField(help_text=_("案件详情的 API 地址"))
    duplicates = serializers.SerializerMethodField(help_text=_("同类别、附近、近期的未结案件,可能与本案重复"))

    class Meta:
        model = Case
        fields = ["id", "number", "status", "version", "due_at", "grid_code", "duplicates", "url"]
        read_only_fields = fields

    def get_url(self, obj: Case) -> str:
        path = reverse("case-detail", kwargs={"number": obj.number})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    @extend_schema_field(DuplicateSerializer(many=True))
    def get_duplicates(self, obj: Case) -> list[dict[str, Any]]:
        pairs: list[tuple[Case, float]] = self.context.get("duplicates", [])
        return [
            {"number": c.number, "distance_m": round(m, 1), "status": c.status, "created_at": c.created_at}
            for c, m in pairs
        ]


# --- writing: intake --------------------------------------------------------------------------------------------


class PhotosField(serializers.ListField):
    """Photos as multipart files (field ``photos``, repeated); each is checked (type, size) and stripped of EXIF."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        if not kwargs["required"]:
            kwargs.setdefault("default", list)
        kwargs.setdefault("help_text", _("照片(JPEG、PNG、WebP),可多张;服务器去除 EXIF 后保存"))
        super().__init__(child=serializers.FileField(), **kwargs)

    def to_internal_value(self, data: Any) -> list[CheckedPhoto]:
        files = super().to_internal_value(data)
        checked = []
        for upload in files:
            try:
                checked.append(check_photo(upload))
            except Exception as exc:  # django ValidationError: one message per photo
                messages = getattr(exc, "messages", None)
                if messages is None:
                    raise
                raise serializers.ValidationError(messages) from exc
        return checked


class InForceCategoryField(serializers.SlugRelatedField[MatterCategory]):
    """A category code of the matter list in force. Read from the process's in-force cache (one version read per
    request, see ``gridgov.matters.inforce``); only a code not in force costs a lookup, to say why it is refused."""

    def to_internal_value(self, data: Any) -> MatterCategory:
        found = in_force_by_code().get(str(data))
        if found is not None:
            return found
        super().to_internal_value(data)  # unknown code: "does not exist"
        raise serializers.ValidationError(_("该事项类别未发布或已失效。"))


class CaseCreateSerializer(serializers.Serializer[Any]):
    source = serializers.ChoiceField(Source.choices, default=Source.PATROL)  # type: ignore[assignment]
    category = InForceCategoryField(
        slug_field="code",
        queryset=MatterCategory.objects.all(),
        help_text=_("事项类别编码(现行事项清单)"),
    )
    lon = serializers.FloatField(min_value=-180, max_value=180)
    lat = serializers.FloatField(min_value=-90, max_value=90)
    crs = CRSField()
    description = serializers.CharField(max_length=4000)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    urgency = serializers.ChoiceField(Urgency.choices, default=Urgency.NORMAL)
    client_uuid = serializers.UUIDField(
        required=False, allow_null=True, help_text=_("客户端生成的编号:同一编号同一内容只受理一次")
    )
    photos = PhotosField()


# --- writing: one small serializer per action -------------------------------------------------------------------


class ActionSerializer(serializers.Serializer[Any]):
    """Every action accepts ``expected_version``: the version the client last read. If the case has moved since,
    the action is refused with 409 rather than applied to a case the user has not seen."""

    expected_version = serializers.IntegerField(
        required=False, min_value=0, help_text=_("客户端读取到的案件版本;案件已变化时返回 409")
    )


class NoteSerializer(ActionSerializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ReasonSerializer(ActionSerializer):
    reason = serializers.CharField(max_length=2000, help_text=_("理由(必填)"))


class SuperviseSerializer(ActionSerializer):
    note = serializers.CharField(max_length=2000, help_text=_("督办意见(必填)"))


class ResultPhotosSerializer(ActionSerializer):
    result = serializers.CharField(max_length=4000, help_text=_("办理(处置)结果"))
    photos = PhotosField()


class SelfSettleSerializer(ActionSerializer):
    result = serializers.CharField(max_length=4000, help_text=_("处置结果"))
    photos = PhotosField(required=True, min_length=1, help_text=_("现场照片(至少一张)"))


class NotePhotosSerializer(NoteSerializer):
    photos = PhotosField()


class ReasonPhotosSerializer(ReasonSerializer):
    photos = PhotosField()


class ScopedUnitField(serializers.SlugRelatedField):  # type: ignore[type-arg]
    """A unit by code, among the units the user can see (others are "does not exist")."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="code", queryset=Unit.objects.all(), **kwargs)

    def get_queryset(self) -> QuerySet[Unit]:
        return Unit.objects.visible_to(_user(self), "view")


class ScopedCaseField(serializers.SlugRelatedField):  # type: ignore[type-arg]
    """A case by number, among the cases the user can see."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="number", queryset=Case.objects.all(), **kwargs)

    def get_queryset(self) -> QuerySet[Case]:
        return Case.objects.visible_to(_user(self), "view")


class DispatchSerializer(NoteSerializer):
    unit = ScopedUnitField(help_text=_("派往的单位编码"))


class ReturnSerializer(NoteSerializer):
    reason = serializers.ChoiceField(ReturnReason.choices, help_text=_("退回理由"))


class ExtensionRequestSerializer(ReasonSerializer):
    amount = serializers.IntegerField(min_value=1, max_value=365, help_text=_("延期时长"))
    # An extension is granted in working time only (the service refuses clock hours).
    amount_unit = serializers.ChoiceField(
        [(u.value, u.label) for u in (LimitUnit.WORKING_HOURS, LimitUnit.WORKING_DAYS)],
        default=LimitUnit.WORKING_DAYS,
        help_text=_("时长单位"),
    )


class SummonSerializer(NoteSerializer):
    units = serializers.ListField(child=ScopedUnitField(), min_length=1, help_text=_("召集的单位编码"))
    deadline = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text=_("报到期限;不填则为默认的工作小时数之后")
    )


class ReportInSerializer(NoteSerializer):
    unit = ScopedUnitField(
        required=False, allow_null=True, default=None, help_text=_("以哪个被召集单位的名义(仅属多个单位时必填)")
    )


class FinishPartSerializer(ActionSerializer):
    unit = ScopedUnitField(
        required=False, allow_null=True, default=None, help_text=_("以哪个被召集单位的名义(仅属多个单位时必填)")
    )
    result = serializers.CharField(max_length=4000, help_text=_("完成情况"))


class MergeSerializer(NoteSerializer):
    into = ScopedCaseField(help_text=_("合并到的案件编号"))


class PartySerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=64)
    role = serializers.CharField(max_length=32, help_text=_("如:申请人、被申请人、第三人"))


class MediatorInputSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=64)
    role = serializers.ChoiceField(MediatorRole.choices)


class MediateSerializer(NoteSerializer):
    parties = PartySerializer(many=True, help_text=_("当事人,至少两方"))
    mediators = MediatorInputSerializer(many=True, required=False, default=list)
    risk_level = serializers.ChoiceField(RiskLevel.choices, default=RiskLevel.LOW)

    def validate_parties(self, value: list[dict[str, str]]) -> list[dict[str, str]]:
        if len(value) < 2:
            raise serializers.ValidationError(_("矛盾纠纷至少需要两方当事人。"))
        return value


class MediationSessionSerializer(ActionSerializer):
    held_on = serializers.DateField(help_text=_("调解日期"))
    outcome = serializers.CharField(max_length=4000, help_text=_("调解情况"))
    agreement_reached = serializers.BooleanField(default=False)


class MediationAdvanceSerializer(NoteSerializer):
    stage = serializers.ChoiceField(MediationStage.choices)
    risk_level = serializers.ChoiceField(RiskLevel.choices, required=False, allow_null=True, default=None)
    agreement_text = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class RateSerializer(ActionSerializer):
    rating = serializers.ChoiceField(Rating.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


# --- errors (for the schema) ------------------------------------------------------------------------------------


class RefusalSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField(help_text=_("拒绝的原因(所违反的规则)"))
    action = serializers.CharField()
    rule = serializers.CharField(help_text=_("规则名,如 role、state、summons_complete"))


class ConflictSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()
    version = serializers.IntegerField(allow_null=True, help_text=_("案件当前版本"))


class IdempotencyConflictSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()
    fields = serializers.ListField(  # type: ignore[assignment]
        child=serializers.CharField(), help_text=_("与首次上报不同的字段")
    )
    case = serializers.CharField(help_text=_("首次上报的案件编号"))


class InboxSerializer(serializers.Serializer[Any]):
    to_sign = CaseListSerializer(many=True, help_text=_("待签收"))
    to_sign_count = serializers.IntegerField()
    in_progress = CaseListSerializer(many=True, help_text=_("办理中"))
    in_progress_count = serializers.IntegerField()
    overdue = CaseListSerializer(many=True, help_text=_("已超期"))
    overdue_count = serializers.IntegerField()
    summoned = CaseListSerializer(many=True, help_text=_("被吹哨召集、尚未完成分工"))
    summoned_count = serializers.IntegerField()
