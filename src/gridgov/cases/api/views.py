"""``/api/v1/cases/``: intake, the scoped list with filters, the case detail and timeline, every workflow action
(``POST /api/v1/cases/{number}/{action}/``), the Excel export; and ``/api/v1/inbox/`` for department handlers.

Reads go through ``Case.objects.visible_to``: a case out of scope is 404 like a missing one. Writes only call the
services in ``gridgov.cases.services``. Errors: 400 field-level for bad input, 403 with the rule's message when
the case is visible but the action is not allowed to this user now, 404 out of scope, 409 when the case moved
since the client read it (or a client UUID is reused with different content).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.http import FileResponse, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView
from rest_framework.viewsets import GenericViewSet

from gridgov.core.api import Pagination, ScopedViewSetMixin
from gridgov.core.crs import CRS, parse_crs

from .. import deps, services
from ..export import XLSX_CONTENT_TYPE, export_cases_xlsx, export_filename
from ..filters import CaseFilterSet
from ..models import Case, CaseEvent, CaseSummons
from ..workflow import OPEN_STATUSES, Status
from . import serializers as s
from .actions import SPECS, ActionSpec

CONFLICT_MESSAGE = _("案件已被他人处理,请刷新")

ERROR_400 = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description=_("输入不合规:{字段: [说明]}"),
    examples=[OpenApiExample("field", value={"reason": [_("该字段是必填项。")]})],
)
ERROR_403 = OpenApiResponse(
    s.RefusalSerializer,
    description=_("案件可见,但当前用户此刻不能执行此操作(角色、状态或规则不符)"),
    examples=[
        OpenApiExample(
            "role",
            value={"detail": _("您在本案件上没有执行“派遣”的角色。"), "action": "dispatch", "rule": "role"},
        )
    ],
)
ERROR_404 = OpenApiResponse(OpenApiTypes.OBJECT, description=_("案件不存在或不在您的权限范围内"))
ERROR_409 = OpenApiResponse(
    s.ConflictSerializer,
    description=_("案件已被他人处理(版本已变化),请刷新后重试"),
    examples=[OpenApiExample("conflict", value={"detail": CONFLICT_MESSAGE, "version": 4})],
)
ACTION_RESULT = PolymorphicProxySerializer(
    component_name="CaseActionResult",
    serializers=[s.CaseDetailSerializer, s.OutOfReachSerializer],
    resource_type_field_name=None,
    help_text=_("操作后的案件详情;若操作后案件已不在您的范围内(例如单位退回后),只返回编号、状态和版本"),
)
CRS_PARAMETER = OpenApiParameter("crs", str, enum=[c.value for c in CRS], description=_("返回坐标的坐标系(默认 wgs84)"))


class Refused(exceptions.PermissionDenied):
    """403 carrying the workflow's rule."""

    def __init__(self, exc: services.TransitionNotAllowed) -> None:
        super().__init__(detail=str(exc.message))
        self.rule = exc.rule
        self.action = exc.action


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def _refusal_response(exc: services.TransitionNotAllowed, spec: ActionSpec | None) -> Response:
    field = spec.field_rules.get(exc.rule) if spec is not None else None
    if field is not None or exc.rule == "input":
        raise exceptions.ValidationError({field or api_settings.NON_FIELD_ERRORS_KEY: [str(exc.message)]})
    return Response(
        {"detail": str(exc.message), "action": exc.action.replace("_", "-"), "rule": exc.rule},
        status=status.HTTP_403_FORBIDDEN,
    )


def _conflict_response(case: Case) -> Response:
    version = Case.objects.filter(pk=case.pk).values_list("version", flat=True).first()
    return Response({"detail": str(CONFLICT_MESSAGE), "version": version}, status=status.HTTP_409_CONFLICT)


def _action_schema(spec: ActionSpec) -> Any:
    return extend_schema(
        summary=spec.summary,
        description=spec.description or spec.summary,
        operation_id=f"cases_{spec.method_name[3:]}",
        tags=["cases"],
        request={
            "application/json": spec.serializer,
            "multipart/form-data": spec.serializer,
        }
        if spec.multipart
        else spec.serializer,
        responses={
            200: ACTION_RESULT,
            400: ERROR_400,
            403: ERROR_403,
            404: ERROR_404,
            409: ERROR_409,
        },
    )


@extend_schema_view(
    list=extend_schema(summary=_("案件列表"), tags=["cases"], parameters=[CRS_PARAMETER]),
    retrieve=extend_schema(
        summary=_("案件详情"),
        description=_("时间线、照片、吹哨召集、调解摘要(姓名脱敏)、期限,以及当前用户此刻可执行的操作。"),
        tags=["cases"],
        parameters=[CRS_PARAMETER],
        responses={200: s.CaseDetailSerializer, 404: ERROR_404},
    ),
)
class CaseViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet[Any]):
    """Cases in the caller's scope. Territorial roles see the cases under their node; department handlers the
    cases of their units (current or summoned); everyone the cases they reported."""

    scoped_model = Case
    filterset_class = CaseFilterSet
    pagination_class = Pagination
    lookup_field = "number"
    lookup_value_regex = r"\d+"
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_serializer_class(self) -> Any:
        if self.action == "retrieve":
            return s.CaseDetailSerializer
        return s.CaseListSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["now"] = timezone.now()
        try:
            context["crs"] = parse_crs(self.request.query_params.get("crs"))
        except ValueError:
            raise exceptions.ValidationError({"crs": [_("不支持的坐标系,可选:wgs84、gcj02、bd09。")]}) from None
        return context

    def optimize(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return (
            queryset.select_related("category__parent", "current_unit", "reporter")
            .annotate(duplicate_of_number=F("duplicate_of__number"))
            .defer("content_hash", "current_unit__webhook_url")
        )

    def detail_queryset(self) -> QuerySet[Any]:
        # Actions and the timeline need the case row only; the detail page needs everything around it.
        return self.full_queryset() if self.action == "retrieve" else self.get_queryset()

    def full_queryset(self) -> QuerySet[Any]:
        events = CaseEvent.objects.select_related("actor").prefetch_related("attachments")
        return (
            self.get_queryset()
            .select_related("category")
            .prefetch_related(
                Prefetch("events", queryset=events),
                "attachments",
                Prefetch("summonses", queryset=CaseSummons.objects.select_related("unit")),
            )
        )

    def _detail(self, case: Case) -> Response:
        fresh = self.full_queryset().get(pk=case.pk)
        return Response(s.CaseDetailSerializer(fresh, context=self.get_serializer_context()).data)

    # --- intake ---------------------------------------------------------------------------------------------

    @extend_schema(
        summary=_("上报案件"),
        description=_(
            "幂等:同一 client_uuid 同一内容返回已有案件(200);内容不同返回 409 并列出不同的字段。"
            "照片以 multipart/form-data 的 photos 字段上传(可多张)。响应只含编号、状态、期限、网格、可能重复的案件"
            "(duplicates)和详情地址(url);时间线、照片等详情请按 url 读取。"
        ),
        tags=["cases"],
        request={"application/json": s.CaseCreateSerializer, "multipart/form-data": s.CaseCreateSerializer},
        responses={
            201: s.IntakeResponseSerializer,
            200: s.IntakeResponseSerializer,
            400: ERROR_400,
            403: ERROR_403,
            409: OpenApiResponse(s.IdempotencyConflictSerializer, description=_("同一客户端编号、不同内容")),
        },
    )
    def create(self, request: Request) -> Response:
        serializer = s.CaseCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            result = services.report_case(
                by=request.user,
                source=data["source"],
                category=data["category"],
                lon=data["lon"],
                lat=data["lat"],
                crs=data["crs"],
                description=data["description"],
                address=data["address"],
                urgency=data["urgency"],
                client_uuid=data.get("client_uuid"),
                photos=data["photos"],
            )
        except services.IdempotencyConflict as exc:
            return Response(
                {
                    "detail": str(exc.message),
                    "fields": exc.fields,
                    # Another user's case (a client UUID they used) is not named.
                    "case": exc.case.number if exc.case.reporter_id == request.user.pk else "",
                },
                status=status.HTTP_409_CONFLICT,
            )
        except services.TransitionNotAllowed as exc:
            return _refusal_response(exc, None)
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        # A slim answer, from the objects in hand (no re-read): the detail is one GET away at ``url``.
        context = {"request": request, "duplicates": result.duplicates}
        return Response(s.IntakeResponseSerializer(result.case, context=context).data, status=code)

    # --- timeline and export --------------------------------------------------------------------------------

    @extend_schema(
        summary=_("案件时间线"),
        tags=["cases"],
        responses={200: s.EventSerializer(many=True), 404: ERROR_404},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def timeline(self, request: Request, number: str) -> Response:
        case = self.get_object()
        events = CaseEvent.objects.filter(case=case).select_related("actor").prefetch_related("attachments")
        context = {**self.get_serializer_context(), "case": case}
        return Response(s.EventSerializer(events, many=True, context=context).data)

    @extend_schema(
        summary=_("案件照片"),
        description=_("照片文件(已去除 EXIF),与案件同样受权限范围限制。"),
        tags=["cases"],
        responses={
            (200, "image/*"): OpenApiResponse(OpenApiTypes.BINARY, description=_("照片")),
            404: ERROR_404,
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"photos/(?P<photo_id>\d+)",
        url_name="photo",
        pagination_class=None,
        filterset_class=None,
    )
    def photo(self, request: Request, number: str, photo_id: str) -> FileResponse:
        case = self.get_object()
        attachment = case.attachments.filter(pk=int(photo_id)).first()
        if attachment is None:
            raise exceptions.NotFound()
        response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
        response["Cache-Control"] = "private, max-age=3600"
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @extend_schema(
        summary=_("导出案件列表(Excel)"),
        operation_id="cases_export_xlsx",
        description=_("与列表相同的筛选条件,只含当前用户有权查看的案件;上报人信息已隐藏,文件中注明导出人和时间。"),
        tags=["cases"],
        responses={
            (200, XLSX_CONTENT_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description=_("Excel 文件")),
            400: ERROR_400,
        },
    )
    def export(self, request: Request) -> HttpResponse:
        queryset = self.filter_queryset(self.scoped_queryset())
        content = export_cases_xlsx(queryset, request.user)
        response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{export_filename()}"'
        return response

    # --- actions --------------------------------------------------------------------------------------------

    def run_action(self, request: Request, spec: ActionSpec) -> Response:
        """The one dispatch of every action: find the case in scope, validate the action's inputs, pin the
        version the client read, call the service, answer with the case as it now is."""
        case: Case = self.get_object()
        serializer = spec.serializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        expected = data.pop("expected_version", None)
        if expected is not None:
            case.version = expected  # begin() compares it with the locked row: a mismatch is CaseConflict
        try:
            spec.run(case, request.user, data)
        except services.TransitionNotAllowed as exc:
            return _refusal_response(exc, spec)
        except services.CaseConflict:
            return _conflict_response(case)
        except Case.DoesNotExist:
            raise exceptions.NotFound() from None
        if not self.get_queryset().filter(pk=case.pk).exists():
            # Done, and no longer theirs to see (a unit that returned the case): say only where it went.
            body = {"number": case.number, "status": case.status, "version": case.version, "visible": False}
            return Response(s.OutOfReachSerializer(body).data)
        return self._detail(case)


def _make_action(spec: ActionSpec) -> Any:
    def handler(self: CaseViewSet, request: Request, number: str) -> Response:
        return self.run_action(request, spec)

    handler.__name__ = spec.method_name
    handler.__doc__ = str(spec.summary)
    routed = action(
        detail=True,
        methods=["post"],
        url_path=spec.name,
        url_name=spec.name,
        pagination_class=None,
        filterset_class=None,
    )(handler)
    # The schema goes on top of the route (``action`` resets the function's kwargs, where the schema lives).
    return _action_schema(spec)(routed)


for _spec in SPECS:
    setattr(CaseViewSet, _spec.method_name, _make_action(_spec))


# --- the unit inbox ---------------------------------------------------------------------------------------------


class InboxView(APIView):
    """For department handlers: the cases of their units to sign for, in progress, overdue, and summoned by
    whistle (not yet finished). Each list holds the most urgent first (by deadline), up to ``limit``."""

    @extend_schema(
        summary=_("单位待办"),
        tags=["cases"],
        parameters=[
            OpenApiParameter("limit", int, description=_("每类最多列出的案件数(默认 50,最多 200)")),
            CRS_PARAMETER,
        ],
        responses={200: s.InboxSerializer, 400: ERROR_400},
    )
    def get(self, request: Request) -> Response:
        try:
            limit = max(1, min(int(request.query_params.get("limit", 50)), 200))
        except ValueError:
            raise exceptions.ValidationError({"limit": [_("请输入整数。")]}) from None
        try:
            crs = parse_crs(request.query_params.get("crs"))
        except ValueError:
            raise exceptions.ValidationError({"crs": [_("不支持的坐标系,可选:wgs84、gcj02、bd09。")]}) from None
        now = timezone.now()
        units = sorted(deps.unit_ids_of(request.user))
        base = (
            Case.objects.visible_to(request.user, "view")
            .select_related("category__parent", "current_unit", "reporter")
            .annotate(duplicate_of_number=F("duplicate_of__number"))
            .order_by(F("due_at").asc(nulls_last=True), "id")
        )
        mine = Q(current_unit_id__in=units)
        late = Q(status__in=sorted(OPEN_STATUSES)) & (Q(due_flagged=True) | Q(due_at__lt=now))
        waiting = CaseSummons.objects.filter(case_id=OuterRef("pk"), unit_id__in=units, part_done_at__isnull=True)
        sections = {
            "to_sign": base.filter(mine, status=Status.DISPATCHED),
            "in_progress": base.filter(mine, status=Status.IN_PROGRESS),
            "overdue": base.filter(mine & late),
            "summoned": base.filter(Exists(waiting), status__in=sorted(OPEN_STATUSES)),
        }
        context = {"request": request, "now": now, "crs": crs}
        body: dict[str, Any] = {}
        for name, queryset in sections.items():
            if not units:
                queryset = queryset.none()
            body[name] = s.CaseListSerializer(queryset[:limit], many=True, context=context).data
            body[f"{name}_count"] = queryset.count()
        return Response(body)
