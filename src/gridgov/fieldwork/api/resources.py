"""The centre's field-work resources under /api/v1/: patrols (list with figures; detail with the track as a GeoJSON
LineString in the requested ``crs`` and the check-ins), visits, tasks (list, detail, create = assign with
admission, accept / redo / remind; a task is reported from the phone through the sync API only), and the patrol
figures per worker and grid for a month or a day. Tasks, visits and a patrol's check-ins list their photos
(``photos``: uuid, url, received_at), served by ``/api/v1/field-photos/<uuid>/`` to whoever may see the record.

Reads go through ``visible_to`` (a grid worker sees only their own records, as on the pages); out of scope is 404.
A visit about a special group or key youth is shown only to the roles that may see those groups
(``VisitQuerySet.readable_by``).
Writes call the services: an unadmitted matter is a 400 on ``category``, a role that may not is a 403."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Q, QuerySet
from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import GenericViewSet

from gridgov.accounts.models import RoleAssignment, User
from gridgov.accounts.roles import Role
from gridgov.accounts.scope import scope_for
from gridgov.core import crs as crs_mod
from gridgov.core.api import CRSField, Pagination, ScopedViewSetMixin, validated_query
from gridgov.core.scoping import prefix_q
from gridgov.matters.models import MatterCategory
from gridgov.territory.models import Grid

from .. import figures as fig
from ..models import CheckIn, FieldPhoto, Patrol, Task, TaskKind, TaskStatus, Visit
from ..services import assign_task, remind_task, review_task
from ..services.patrols import checkin_is_far
from ..services.photos import photo_response, record_photos, task_photos, visible_photo

CRS_PARAMETER = OpenApiParameter(
    "crs", str, enum=[c.value for c in crs_mod.CRS], description=_("返回坐标的坐标系(默认 wgs84)")
)
ERROR_400 = OpenApiResponse(OpenApiTypes.OBJECT, description=_("输入不合规:{字段: [说明]}"))
ERROR_403 = OpenApiResponse(OpenApiTypes.OBJECT, description=_("当前用户不能执行此操作"))
ERROR_404 = OpenApiResponse(OpenApiTypes.OBJECT, description=_("不存在或不在您的权限范围内"))


# --- query parameters -------------------------------------------------------------------------------------


class PeriodQuery(serializers.Serializer[Any]):
    """A day (``day=YYYY-MM-DD``) or a month (``month=YYYY-MM``), Beijing time; neither: all."""

    day = serializers.DateField(required=False, help_text=_("日期(北京时间)"))
    month = serializers.RegexField(r"^\d{4}-(0[1-9]|1[0-2])$", required=False, help_text=_("月份 YYYY-MM"))
    grid = serializers.CharField(required=False, help_text=_("网格编码"))
    worker = serializers.IntegerField(required=False, help_text=_("网格员(用户编号)"))
    crs = CRSField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("day") and attrs.get("month"):
            raise serializers.ValidationError({"month": [_("日期和月份只能给一个。")]})
        return attrs


def period_of(params: dict[str, Any]) -> tuple[dt.datetime, dt.datetime] | None:
    if params.get("day"):
        return fig.day_bounds(params["day"])
    if params.get("month"):
        year, month = (int(x) for x in params["month"].split("-"))
        return fig.month_bounds(dt.date(year, month, 1))
    return None


def grid_of(request: Request, code: str) -> Grid:
    grid = Grid.objects.visible_to(request.user, "view").filter(code=code).first()
    if grid is None:
        raise exceptions.ValidationError({"grid": [_("网格“%(c)s”不存在或不在您的权限范围内。") % {"c": code}]})
    return grid


# --- serializers ------------------------------------------------------------------------------------------


class FieldWorkerSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, user: Any) -> str:
        return str(getattr(user, "display_name", "") or user.get_username())


class FieldPhotoSerializer(serializers.Serializer[Any]):
    uuid = serializers.UUIDField()
    url = serializers.SerializerMethodField(help_text=_("照片地址(与记录相同的权限)"))
    received_at = serializers.DateTimeField()

    def get_url(self, photo: FieldPhoto) -> str:
        return reverse("fieldwork-photo", kwargs={"photo_uuid": photo.uuid})


def _photos(obj: Any, load: Any) -> list[dict[str, Any]]:
    """The object's photos as attached by its viewset for a whole page (one query), else loaded for it alone."""
    photos = getattr(obj, "field_photos", None)
    if photos is None:
        photos = load([obj.pk])[obj.pk if isinstance(obj, Task) else str(obj.pk)]
    return list(FieldPhotoSerializer(photos, many=True).data)


def attach_photos(objects: Sequence[Any], load: Any) -> None:
    by_id = load([o.pk for o in objects])
    for o in objects:
        o.field_photos = by_id[o.pk if isinstance(o, Task) else str(o.pk)]


class PatrolSerializer(serializers.ModelSerializer[Patrol]):
    worker = FieldWorkerSerializer(read_only=True)
    grid = serializers.CharField(source="grid.code", read_only=True)
    hours = serializers.SerializerMethodField()
    distance_km = serializers.SerializerMethodField()

    class Meta:
        model = Patrol
        fields = [
            "id",
            "worker",
            "grid",
            "status",
            "started_at",
            "ended_at",
            "hours",
            "distance_km",
            "points",
            "outside_share",
            "flagged",
            "flags",
        ]

    def get_hours(self, p: Patrol) -> float:
        return round(p.duration_s / 3600, 2)

    def get_distance_km(self, p: Patrol) -> float:
        return round(p.distance_m / 1000, 3)


class CheckInSerializer(serializers.ModelSerializer[CheckIn]):
    building = serializers.CharField(source="building.code", read_only=True)
    far = serializers.SerializerMethodField()
    lon = serializers.SerializerMethodField()
    lat = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()

    class Meta:
        model = CheckIn
        fields = ["id", "building", "made_at", "lon", "lat", "distance_m", "far", "note", "photos"]

    def _point(self, c: CheckIn) -> tuple[float, float] | None:
        if c.lon is None or c.lat is None:
            return None
        return crs_mod.from_wgs84(c.lon, c.lat, self.context.get("crs", crs_mod.CRS.WGS84))

    def get_lon(self, c: CheckIn) -> float | None:
        point = self._point(c)
        return round(point[0], 7) if point else None

    def get_lat(self, c: CheckIn) -> float | None:
        point = self._point(c)
        return round(point[1], 7) if point else None

    def get_far(self, c: CheckIn) -> bool:
        return checkin_is_far(c)

    @extend_schema_field(FieldPhotoSerializer(many=True))
    def get_photos(self, c: CheckIn) -> list[dict[str, Any]]:
        return _photos(c, record_photos)


class PatrolDetailSerializer(PatrolSerializer):
    track = serializers.SerializerMethodField(help_text=_("GeoJSON Feature(LineString),坐标系见 crs"))
    checkins = serializers.SerializerMethodField()
    crs = serializers.SerializerMethodField()

    class Meta(PatrolSerializer.Meta):
        fields = [*PatrolSerializer.Meta.fields, "crs", "track", "checkins"]

    def get_crs(self, p: Patrol) -> str:
        return str(self.context.get("crs", crs_mod.CRS.WGS84).value)

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_track(self, p: Patrol) -> dict[str, Any]:
        import numpy as np

        rows = list(p.track.order_by("t").values_list("t", "lon", "lat"))
        coords = np.asarray([(lon, lat) for _t, lon, lat in rows], dtype=float).reshape(-1, 2)
        if len(coords):
            coords = crs_mod.from_wgs84_array(coords, self.context.get("crs", crs_mod.CRS.WGS84))
        return {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [[round(x, 7), round(y, 7)] for x, y in coords.tolist()]},
            "properties": {"times": [t.isoformat() for t, _lon, _lat in rows]},
        }

    @extend_schema_field(CheckInSerializer(many=True))
    def get_checkins(self, p: Patrol) -> list[dict[str, Any]]:
        rows = list(p.checkins.select_related("building").order_by("made_at"))
        attach_photos(rows, record_photos)
        return list(CheckInSerializer(rows, many=True, context=self.context).data)


class VisitSerializer(serializers.ModelSerializer[Visit]):
    worker = FieldWorkerSerializer(read_only=True)
    photos = serializers.SerializerMethodField()

    class Meta:
        model = Visit
        fields = [
            "id",
            "worker",
            "person",
            "household",
            "tag",
            "scope_code",
            "made_at",
            "received_at",
            "situation",
            "needs",
            "next_visit_on",
            "case",
            "photos",
        ]

    @extend_schema_field(FieldPhotoSerializer(many=True))
    def get_photos(self, v: Visit) -> list[dict[str, Any]]:
        return _photos(v, record_photos)


class TaskSerializer(serializers.ModelSerializer[Task]):
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=MatterCategory.objects.all(), help_text=_("事项编码(须在事项清单内且可派给网格员)")
    )
    grid = serializers.SlugRelatedField(slug_field="code", queryset=Grid.objects.all(), help_text=_("网格编码"))
    assignee = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), help_text=_("网格员(用户编号)"))
    assigned_by: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(read_only=True)
    kind = serializers.ChoiceField(choices=TaskKind.choices)
    due_at = serializers.DateTimeField(required=False, allow_null=True, help_text=_("留空则按事项时限(工作时间)计算"))
    is_overdue = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField(help_text=_("各次反馈的照片(含退回重做前的)"))

    class Meta:
        model = Task
        fields = [
            "id",
            "category",
            "kind",
            "title",
            "description",
            "grid",
            "assignee",
            "assigned_by",
            "assigned_at",
            "due_at",
            "overdue",
            "is_overdue",
            "reminders",
            "status",
            "report",
            "reported_at",
            "photos",
            "version",
        ]
        read_only_fields = ["assigned_at", "overdue", "reminders", "status", "report", "reported_at", "version"]

    def get_is_overdue(self, t: Task) -> bool:
        from django.utils import timezone

        from ..models import OPEN_TASK_STATUSES

        return bool(t.overdue or (t.status in OPEN_TASK_STATUSES and t.due_at < timezone.now()))

    @extend_schema_field(FieldPhotoSerializer(many=True))
    def get_photos(self, t: Task) -> list[dict[str, Any]]:
        return _photos(t, task_photos)


class TaskReviewSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(required=False, allow_blank=True, default="")


# --- viewsets ---------------------------------------------------------------------------------------------


class FieldViewSetMixin(ScopedViewSetMixin):
    pagination_class = Pagination
    #: The field on which a grid worker's own records are kept (they see only those).
    own_field = "worker"

    def scoped_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return self.scoped_model._default_manager.none()
        qs = super().scoped_queryset()
        if fig.own_only(self.request.user):
            qs = qs.filter(**{self.own_field: self.request.user})
        return qs

    def query(self) -> dict[str, Any]:
        return validated_query(PeriodQuery, self.request)

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["crs"] = crs_mod.CRS(self.query()["crs"])  # the default comes as the plain string
        return context


LIST_PARAMETERS = [
    OpenApiParameter("day", OpenApiTypes.DATE, description=_("日期(北京时间)")),
    OpenApiParameter("month", str, description=_("月份 YYYY-MM")),
    OpenApiParameter("grid", str, description=_("网格编码")),
    OpenApiParameter("worker", int, description=_("网格员(用户编号)")),
]


@extend_schema_view(
    list=extend_schema(summary=_("巡查列表(含统计)"), parameters=LIST_PARAMETERS),
    retrieve=extend_schema(summary=_("巡查详情:轨迹(GeoJSON LineString)和打卡"), parameters=[CRS_PARAMETER]),
)
class PatrolViewSet(FieldViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet[Any]):
    scoped_model = Patrol
    filter_backends: list[Any] = []

    def get_serializer_class(self) -> Any:
        return PatrolDetailSerializer if self.action == "retrieve" else PatrolSerializer

    def optimize(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        qs = queryset.select_related("worker", "grid").order_by("-started_at")
        if self.action != "list":
            return qs
        params = self.query()
        period = period_of(params)
        if period:
            qs = qs.filter(started_at__gte=period[0], started_at__lt=period[1])
        if params.get("grid"):
            qs = qs.filter(grid=grid_of(self.request, params["grid"]))
        if params.get("worker"):
            qs = qs.filter(worker_id=params["worker"])
        return qs


@extend_schema_view(
    list=extend_schema(summary=_("走访记录列表"), parameters=LIST_PARAMETERS),
    retrieve=extend_schema(summary=_("走访记录详情")),
)
class VisitViewSet(FieldViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet[Any]):
    scoped_model = Visit
    serializer_class = VisitSerializer
    filter_backends: list[Any] = []

    def paginate_queryset(self, queryset: Any) -> Any:
        page = super().paginate_queryset(queryset)
        if page is not None:
            attach_photos(page, record_photos)
        return page

    def scoped_queryset(self) -> Any:
        # A visit about a special group or key youth is read only by the roles that may see those groups.
        qs = super().scoped_queryset()
        return qs if getattr(self, "swagger_fake_view", False) else qs.readable_by(self.request.user)

    def optimize(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        qs = queryset.select_related("worker").order_by("-made_at")
        if self.action != "list":
            return qs
        params = self.query()
        period = period_of(params)
        if period:
            qs = qs.filter(made_at__gte=period[0], made_at__lt=period[1])
        if params.get("grid"):
            qs = qs.filter(scope_code__startswith=grid_of(self.request, params["grid"]).code)
        if params.get("worker"):
            qs = qs.filter(worker_id=params["worker"])
        return qs


class TaskQuery(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=TaskStatus.choices, required=False)
    grid = serializers.CharField(required=False)
    overdue = serializers.BooleanField(required=False, allow_null=True, default=None)


@extend_schema_view(
    list=extend_schema(
        summary=_("任务列表"),
        parameters=[
            OpenApiParameter("status", str, enum=TaskStatus.values),
            OpenApiParameter("grid", str),
            OpenApiParameter("overdue", bool),
        ],
    ),
    retrieve=extend_schema(summary=_("任务详情")),
    create=extend_schema(
        summary=_("派发任务(准入制:事项须在清单内且可派给网格员)"),
        responses={201: TaskSerializer, 400: ERROR_400, 403: ERROR_403},
    ),
)
class TaskViewSet(
    FieldViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, GenericViewSet[Any]
):
    """Tasks are reported back from the phone through the sync API (``task_report``) only."""

    scoped_model = Task
    serializer_class = TaskSerializer
    own_field = "assignee"
    filter_backends: list[Any] = []
    lookup_value_regex = r"\d+"

    def get_serializer_context(self) -> dict[str, Any]:
        return ScopedViewSetMixin.get_serializer_context(self)

    def paginate_queryset(self, queryset: Any) -> Any:
        page = super().paginate_queryset(queryset)
        if page is not None:
            attach_photos(page, task_photos)
        return page

    def optimize(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        qs = queryset.select_related("category", "grid").order_by("due_at", "id")
        if self.action != "list":
            return qs
        params = validated_query(TaskQuery, self.request)
        if params.get("status"):
            qs = qs.filter(status=params["status"])
        if params.get("grid"):
            qs = qs.filter(grid=grid_of(self.request, params["grid"]))
        if params.get("overdue") is not None:
            from django.db.models import Q
            from django.utils import timezone

            from ..models import OPEN_TASK_STATUSES

            late = Q(status__in=OPEN_TASK_STATUSES) & (Q(overdue=True) | Q(due_at__lt=timezone.now()))
            qs = qs.filter(late) if params["overdue"] else qs.exclude(late)
        return qs

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if not Grid.objects.visible_to(request.user, "view").filter(pk=data["grid"].pk).exists():
            raise exceptions.ValidationError({"grid": [_("网格不存在或不在您的权限范围内。")]})
        try:
            task = assign_task(
                by=request.user,
                category=data["category"],
                kind=data["kind"],
                title=data["title"],
                description=data.get("description", ""),
                grid=data["grid"],
                assignee=data["assignee"],
                due_at=data.get("due_at"),
            )
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc
        return Response(
            TaskSerializer(task, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
        )

    def _act(self, request: Request, run: Any) -> Response:
        task = self.get_object()
        note = TaskReviewSerializer(data=request.data)
        note.is_valid(raise_exception=True)
        try:
            task = run(task, note.validated_data["note"])
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc
        return Response(TaskSerializer(task, context=self.get_serializer_context()).data)

    @extend_schema(
        summary=_("验收"),
        request=TaskReviewSerializer,
        responses={200: TaskSerializer, 400: ERROR_400, 403: ERROR_403, 404: ERROR_404},
    )
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        return self._act(request, lambda t, note: review_task(by=request.user, task=t, accept=True, note=note))

    @extend_schema(
        summary=_("退回重做(须说明原因)"),
        request=TaskReviewSerializer,
        responses={200: TaskSerializer, 400: ERROR_400, 403: ERROR_403, 404: ERROR_404},
    )
    @action(detail=True, methods=["post"])
    def redo(self, request: Request, pk: str | None = None) -> Response:
        return self._act(request, lambda t, note: review_task(by=request.user, task=t, accept=False, note=note))

    @extend_schema(
        summary=_("催办"), request=None, responses={200: TaskSerializer, 400: ERROR_400, 403: ERROR_403, 404: ERROR_404}
    )
    @action(detail=True, methods=["post"])
    def remind(self, request: Request, pk: str | None = None) -> Response:
        return self._act(request, lambda t, note: remind_task(by=request.user, task=t))


# --- figures ----------------------------------------------------------------------------------------------


def worker_in_scope(user: Any, pk: int) -> Any:
    """A grid worker or head of a grid whose field work ``user`` may see (a grid worker: only themselves). Anyone
    else — missing, or out of scope — is the same 400, so the parameter does not tell whether a user exists."""
    if fig.own_only(user):
        candidates = User.objects.filter(pk=user.pk)
    else:
        scope = scope_for(user, "patrol", "view")
        grids = Grid.objects.all()
        if not scope.everything:
            grids = grids.filter(Q(code__in=scope.grid_codes) | prefix_q("code", scope.region_prefixes))
        holders = RoleAssignment.objects.filter(role__in=[Role.GRID_WORKER, Role.GRID_HEAD], grid__in=grids)
        candidates = User.objects.filter(pk__in=holders.values("user_id"))
    worker = candidates.filter(pk=pk).first()
    if worker is None:
        raise exceptions.ValidationError({"worker": [_("网格员不存在或不在您的权限范围内。")]})
    return worker


class FiguresView(APIView):
    """Patrol figures per worker (and grid) and per grid for a day or a month (default: this month)."""

    @extend_schema(
        summary=_("巡查统计(按网格员、按网格)"),
        parameters=[
            OpenApiParameter("day", OpenApiTypes.DATE, description=_("日期(北京时间)")),
            OpenApiParameter("month", str, description=_("月份 YYYY-MM(默认本月)")),
            OpenApiParameter("grid", str, description=_("网格编码")),
            OpenApiParameter("worker", int, description=_("网格员(用户编号)")),
        ],
        responses={200: OpenApiTypes.OBJECT, 400: ERROR_400, 403: ERROR_403},
    )
    def get(self, request: Request) -> Response:
        if scope_for(request.user, "patrol", "view").empty:  # as the field-work pages: not residents, departments
            raise exceptions.PermissionDenied(_("您没有查看外勤工作的权限。"))
        params = validated_query(PeriodQuery, request)
        period = period_of(params)
        if period is None:
            from django.utils import timezone

            period = fig.month_bounds(timezone.localtime(timezone.now(), fig.SHANGHAI).date())
        grids = None
        if params.get("grid"):
            grids = Grid.objects.filter(pk=grid_of(request, params["grid"]).pk)
        worker = worker_in_scope(request.user, params["worker"]) if params.get("worker") else None
        report = fig.compute(request.user, *period, grids=grids, worker=worker)
        return Response(
            {
                "start": report.start.isoformat(),
                "end": report.end.isoformat(),
                "workers": [
                    {
                        "worker": FieldWorkerSerializer(r.worker).data,
                        "grid": r.grid.code,
                        **r.figures.as_dict(),
                    }
                    for r in report.workers
                ],
                "grids": [
                    {"grid": r.grid.code, "name": r.grid.name, "workers": r.workers, **r.figures.as_dict()}
                    for r in report.grids
                ],
            }
        )


# --- photos -----------------------------------------------------------------------------------------------


class FieldPhotoView(APIView):
    """A photo of a task report, visit or check-in, to whoever may see that record (else 404)."""

    @extend_schema(
        summary=_("外勤照片(任务反馈、走访、打卡)"),
        responses={
            (200, "image/*"): OpenApiResponse(OpenApiTypes.BINARY, description=_("照片")),
            404: ERROR_404,
        },
    )
    def get(self, request: Request, photo_uuid: uuid.UUID) -> FileResponse:
        return photo_response(visible_photo(request.user, photo_uuid))
