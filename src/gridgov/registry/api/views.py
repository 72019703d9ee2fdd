"""``/api/v1/`` over the registry (人地物组织): people (with the audited reveal), households, tags, floating
registrations, rental houses, organisations and small venues, facilities, the access log; an Excel export per list.

Reads go through ``Model.objects.visible_to`` (:class:`~gridgov.core.api.ScopedViewSetMixin`): out of scope is 404
like missing. Writes only call :mod:`gridgov.registry.services`; their ``ValidationError`` is a field-level 400,
their ``PermissionDenied`` a 403 (visible, but not this user's to change). Personal fields are masked in every
response; the one exception is ``POST /api/v1/persons/{id}/reveal/``, which logs the reveal and is never cached.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from django.conf import settings
from django.db.models import F, Prefetch, QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from gridgov.accounts.scope import scope_for
from gridgov.core.api import Pagination, ScopedViewSetMixin
from gridgov.core.crs import CRS, from_wgs84, parse_crs, to_wgs84

from .. import services
from ..export import TABLES, XLSX_CONTENT_TYPE, ExportTable, export_filename, write_xlsx
from ..filters import (
    AccessLogFilterSet,
    FacilityFilterSet,
    FloatingRegistrationFilterSet,
    HouseholdFilterSet,
    OrganisationFilterSet,
    PersonFilterSet,
    PersonTagFilterSet,
    RentalHouseFilterSet,
)
from ..models import (
    AccessAction,
    AccessLog,
    Facility,
    FloatingRegistration,
    Household,
    Membership,
    Organisation,
    OrganisationKind,
    Person,
    PersonTag,
    RentalHouse,
)
from ..views.exports import describe_filters
from . import serializers as s

TAGS = ["registry"]
#: At most this many features in one GeoJSON answer (a map narrows by area).
MAX_FEATURES = 10_000

ERROR_400 = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description=_("输入不合规:{字段: [说明]}"),
    examples=[OpenApiExample("field", value={"id_number": [_("身份证号码校验码不正确。")]})],
)
ERROR_403 = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description=_("记录可见,但您的角色不能进行此操作"),
    examples=[OpenApiExample("forbidden", value={"detail": _("您没有权限进行此操作。")})],
)
ERROR_404 = OpenApiResponse(OpenApiTypes.OBJECT, description=_("记录不存在或不在您的权限范围内"))
ERROR_409_STALE = OpenApiResponse(
    s.StaleEditSerializer,
    description=_("记录已被他人修改:列出冲突的字段和当前版本"),
    examples=[
        OpenApiExample(
            "stale",
            value={
                "detail": _("该记录已被他人修改,请核对以下字段后重试:phone。"),
                "fields": ["phone"],
                "current_version": 3,
            },
        )
    ],
)
XLSX_RESPONSES = {
    (200, XLSX_CONTENT_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description=_("Excel 文件(个人信息已脱敏)")),
    400: ERROR_400,
    403: ERROR_403,
}
CRS_PARAMETER = OpenApiParameter("crs", str, enum=[c.value for c in CRS], description=_("返回坐标的坐标系(默认 wgs84)"))


def _today(value: Any) -> Any:
    return value or timezone.localdate()


def _stale(exc: services.StaleEdit) -> Response:
    """409 for an edit against an outdated version: the fields someone else changed and the current version."""
    body = {"detail": str(exc.message), "fields": exc.fields, "current_version": exc.current_version}
    return Response(body, status=status.HTTP_409_CONFLICT)


def _common_prefix(codes: list[str]) -> str:
    """The longest code prefix shared by all (a region code is a path: characters, not path components)."""
    if not codes:
        return ""
    first, last = min(codes), max(codes)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    return first[:n]


def export_schema(name: str, summary: Any, description: Any) -> Any:
    """Give a viewset its own ``export`` method with its own schema (the routes are plain paths, not actions,
    so ``extend_schema_view`` does not reach them)."""

    def decorate(cls: Any) -> Any:
        def export(self: RegistryViewSet, request: Request) -> HttpResponse:
            return RegistryViewSet.export(self, request)

        cls.export = extend_schema(
            summary=summary,
            description=description,
            operation_id=f"{name}_export_xlsx",
            tags=TAGS,
            filters=True,
            responses=XLSX_RESPONSES,
        )(export)
        return cls

    return decorate


class RegistryViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet[Any]):
    """A scoped list and detail, plus the Excel export of the same list (``export``, routed in urls_resources)."""

    pagination_class = Pagination
    lookup_value_regex = r"\d+"
    #: The export: its table (title and columns, shared with the list pages' exports), file name; which permission
    #: (model name, action) it needs; whether it names people (then the export is written to the access log).
    export_table: ClassVar[ExportTable]
    export_name: ClassVar[str] = ""
    export_permissions: ClassVar[list[tuple[str, str]]] = []
    export_logged: ClassVar[bool] = False

    #: Whether the records have coordinates (then ``crs`` chooses the datum they are given in).
    has_coordinates: ClassVar[bool] = False

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if self.has_coordinates:
            try:
                context["crs"] = parse_crs(self.request.query_params.get("crs"))
            except ValueError:
                raise exceptions.ValidationError({"crs": [_("不支持的坐标系,可选:wgs84、gcj02、bd09。")]}) from None
        context["today"] = timezone.localdate()
        return context

    def export_queryset(self) -> QuerySet[Any]:
        """The rows the user may export: ``visible_to`` with the export's action (a role may read a list but not
        take it away as a file)."""
        actions = {act for _model, act in self.export_permissions} or {"view"}
        assert len(actions) == 1, "one action per export"
        manager: Any = self.scoped_model._default_manager
        return self.optimize(manager.visible_to(self.request.user, actions.pop()))

    def export(self, request: Request) -> HttpResponse:
        user = request.user
        scopes = [scope_for(user, model, act) for model, act in self.export_permissions]
        if all(scope.empty for scope in scopes):
            raise exceptions.PermissionDenied(_("您没有权限导出此列表。"))
        queryset = self.filter_queryset(self.export_queryset())
        filters = describe_filters(request.query_params)
        table = self.export_table
        content, rows = write_xlsx(table=table, rows=table.rows(queryset), user=user, filters=filters)
        if self.export_logged:
            codes = [] if any(sc.everything for sc in scopes) else [p for sc in scopes for p in sc.code_prefixes()]
            scope_code = _common_prefix(codes)
            area = request.query_params.get("area", "")
            if area.isdigit() and area.startswith(scope_code):
                scope_code = area
            services.log_bulk_access(
                by=user,
                action=AccessAction.EXPORT,
                rows=rows,
                detail=f"{self.export_name}?{filters}",
                scope_code=scope_code,
            )
        response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{export_filename(self.export_name)}"'
        response["Cache-Control"] = "no-store"
        return response


# --- people -----------------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary=_("人员列表"),
        description=_(
            "证件号码、电话、地址均已脱敏。q 为姓名,或完整的证件号码/手机号(精确匹配;"
            "按号码查询请用 POST /api/v1/persons/search/,号码不进网址和日志)。"
        ),
        tags=TAGS,
    ),
    retrieve=extend_schema(
        summary=_("人员详情"),
        description=_("含所在户、在管类别(只含您有权查看的类别)、流动人口登记;个人信息已脱敏。"),
        tags=TAGS,
        responses={200: s.PersonDetailSerializer, 404: ERROR_404},
    ),
)
@export_schema(
    "persons",
    _("导出人员列表(Excel)"),
    _("需要“导出”权限;与列表相同的筛选条件,个人信息脱敏,导出记入个人信息访问日志。"),
)
class PersonViewSet(RegistryViewSet):
    """People in the caller's scope."""

    scoped_model = Person
    filterset_class = PersonFilterSet
    export_table = TABLES["people"]
    export_name = "persons"
    export_permissions = [("person", "export")]
    export_logged = True

    def get_serializer_class(self) -> Any:
        return s.PersonDetailSerializer if self.action == "retrieve" else s.PersonSerializer

    def optimize(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.annotate(grid_code=F("grid__code"), building_code=F("building__code"))

    def full_queryset(self) -> QuerySet[Any]:
        user = self.request.user
        memberships = Membership.objects.filter(
            valid_to__isnull=True, household__in=Household.objects.visible_to(user)
        ).select_related("household")
        return self.get_queryset().prefetch_related(
            Prefetch("tags", queryset=PersonTag.objects.visible_to(user).current(), to_attr="visible_tags"),
            Prefetch("memberships", queryset=memberships, to_attr="visible_memberships"),
            Prefetch(
                "floating_registrations",
                queryset=FloatingRegistration.objects.visible_to(user).order_by("-expires_on"),
                to_attr="visible_floating",
            ),
        )

    def _detail(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        person = self.full_queryset().get(pk=pk)
        may_reveal = Person.objects.visible_to(self.request.user, "reveal").filter(pk=pk).exists()
        context = {**self.get_serializer_context(), "may_reveal": may_reveal}
        return Response(s.PersonDetailSerializer(person, context=context).data, status=code)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(self.get_object().pk)

    @extend_schema(
        summary=_("查询人员(POST)"),
        description=_(
            "与人员列表相同的筛选条件,放在请求体里:按完整证件号码或手机号查询时请用此接口,"
            "号码便不会出现在网址和服务器日志中。分页参数 limit/offset 仍在网址上。"
        ),
        tags=TAGS,
        request=s.PersonSearchSerializer,
        responses={200: s.PersonSearchResultSerializer, 400: ERROR_400},
    )
    @action(detail=False, methods=["post"], filterset_class=None)
    def search(self, request: Request) -> Response:
        filterset = PersonFilterSet(data=request.data, queryset=self.get_queryset(), request=request)
        if not filterset.is_valid():
            raise exceptions.ValidationError(filterset.errors)
        page = self.paginate_queryset(filterset.qs)
        return self.get_paginated_response(
            s.PersonSerializer(page, many=True, context=self.get_serializer_context()).data
        )

    @extend_schema(
        summary=_("登记人员"),
        description=_("证件号码按国家标准校验(校验位、出生日期、地区码);同一证件号码只能登记一次。"),
        tags=TAGS,
        request=s.PersonCreateSerializer,
        responses={201: s.PersonDetailSerializer, 400: ERROR_400, 403: ERROR_403},
    )
    def create(self, request: Request) -> Response:
        serializer = s.PersonCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        region = data.pop("region", "")
        person = services.register_person(by=request.user, data=data, region_code=region)
        return self._detail(person.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("修改人员信息"),
        description=_(
            "须带上读取时的 version;若他人已修改了您要改的字段,返回 409 并列出字段(fields)和当前版本"
            "(current_version)。个人信息以明文提交,保存时加密。"
        ),
        tags=TAGS,
        request=s.PersonUpdateSerializer,
        responses={200: s.PersonDetailSerializer, 400: ERROR_400, 403: ERROR_403, 404: ERROR_404, 409: ERROR_409_STALE},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        person = self.get_object()
        serializer = s.PersonUpdateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version")
        base = data.pop("base", {})
        try:
            updated = services.update_person(
                by=request.user, person=person, changes=data, expected_version=version, base=base
            )
        except services.StaleEdit as exc:
            return _stale(exc)
        return self._detail(updated.pk)

    @extend_schema(
        summary=_("查看完整信息"),
        description=_(
            "返回一个个人信息字段的完整值。须填写事由;每次查看都记入个人信息访问日志。"
            "可查看人员但角色无权查看完整信息时返回 403;不在权限范围内返回 404。响应不得缓存(no-store)。"
        ),
        tags=TAGS,
        request=s.RevealRequestSerializer,
        responses={200: s.RevealResponseSerializer, 400: ERROR_400, 403: ERROR_403, 404: ERROR_404},
    )
    @action(detail=True, methods=["post"], pagination_class=None, filterset_class=None)
    def reveal(self, request: Request, pk: str) -> Response:
        person = self.get_object()
        serializer = s.RevealRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        field = serializer.validated_data["field"]
        try:
            value = services.reveal(
                by=request.user,
                person=person,
                field=field,
                reason=serializer.validated_data["reason"],
                ip=request.META.get("REMOTE_ADDR"),
            )
        except Person.DoesNotExist:
            raise exceptions.NotFound() from None
        response = Response({"field": field, "value": value})
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        return response

    @extend_schema(
        summary=_("注销人员"),
        description=_(
            "迁出或死亡:人员保留在册历史,标记为不在册,记下注销日期和原因;其在管类别和在户关系(户主除外,"
            "须在户页面变更户主)于同日结束。已注销的人员不能再次注销。"
        ),
        tags=TAGS,
        request=s.DeregisterSerializer,
        responses={200: s.PersonDetailSerializer, 400: ERROR_400, 403: ERROR_403, 404: ERROR_404},
    )
    @action(detail=True, methods=["post"], pagination_class=None, filterset_class=None)
    def deregister(self, request: Request, pk: str) -> Response:
        person = self.get_object()
        serializer = s.DeregisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.deregister_person(
            by=request.user, person=person, on=_today(data.get("on")), reason=data.get("reason", "")
        )
        return self._detail(person.pk)


# --- households -------------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("户列表"), tags=TAGS),
    retrieve=extend_schema(
        summary=_("户详情"), tags=TAGS, responses={200: s.HouseholdDetailSerializer, 404: ERROR_404}
    ),
)
@export_schema("households", _("导出户列表(Excel)"), _("与列表相同的筛选条件;导出记入个人信息访问日志。"))
class HouseholdViewSet(RegistryViewSet):
    scoped_model = Household
    filterset_class = HouseholdFilterSet
    export_table = TABLES["households"]
    export_name = "households"
    export_permissions = [("household", "export")]
    export_logged = True

    def get_serializer_class(self) -> Any:
        return s.HouseholdDetailSerializer if self.action == "retrieve" else s.HouseholdSerializer

    def optimize(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        current = Membership.objects.filter(valid_to__isnull=True).select_related("person")
        return queryset.annotate(grid_code=F("grid__code")).prefetch_related(
            Prefetch("memberships", queryset=current, to_attr="current_memberships")
        )

    def _detail(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        household = self.get_queryset().get(pk=pk)
        return Response(s.HouseholdDetailSerializer(household, context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        summary=_("立户"),
        description=_("一户必有户主:立户时指定户主(须为您可查看的人员,且不是另一户的在册成员)。"),
        tags=TAGS,
        request=s.HouseholdCreateSerializer,
        responses={201: s.HouseholdDetailSerializer, 400: ERROR_400, 403: ERROR_403},
    )
    def create(self, request: Request) -> Response:
        serializer = s.HouseholdCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        household = services.create_household(
            by=request.user,
            number=data["number"],
            head=data["head"],
            on=_today(data.get("on")),
            house=data.get("house"),
            kind=data["kind"],
        )
        return self._detail(household.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("户成员(含历史)"),
        tags=TAGS,
        responses={200: s.MembershipSerializer(many=True), 404: ERROR_404},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def members(self, request: Request, pk: str) -> Response:
        household = self.get_object()
        memberships = household.memberships.select_related("person").order_by("valid_from", "id")
        return Response(s.MembershipSerializer(memberships, many=True).data)

    @extend_schema(
        summary=_("添加户成员"),
        tags=TAGS,
        request=s.AddMemberSerializer,
        responses={200: s.HouseholdDetailSerializer, 400: ERROR_400, 403: ERROR_403, 404: ERROR_404},
    )
    @action(detail=True, methods=["post"], url_path="add-member", pagination_class=None, filterset_class=None)
    def add_member(self, request: Request, pk: str) -> Response:
        household = self.get_object()
        serializer = s.AddMemberSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.add_member(
            by=request.user,
            household=household,
            person=data["person"],
            relation=data["relation"],
            on=_today(data.get("on")),
        )
        return self._detail(household.pk)

    @extend_schema(
        summary=_("变更户主"),
        description=_("新户主须为本户在册成员;原户主留在户内,改为指定的关系。两人同时变更时,后到者得到 409。"),
        tags=TAGS,
        request=s.ChangeHeadSerializer,
        responses={
            200: s.HouseholdDetailSerializer,
            400: ERROR_400,
            403: ERROR_403,
            404: ERROR_404,
            409: OpenApiResponse(OpenApiTypes.OBJECT, description=_("户主刚被他人变更,请刷新")),
        },
    )
    @action(detail=True, methods=["post"], url_path="change-head", pagination_class=None, filterset_class=None)
    def change_head(self, request: Request, pk: str) -> Response:
        household = self.get_object()
        serializer = s.ChangeHeadSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            services.change_head(
                by=request.user,
                household=household,
                new_head=data["person"],
                on=_today(data.get("on")),
                old_head_relation=data["old_head_relation"],
            )
        except services.HeadConflict:
            return Response({"detail": str(_("户主刚被他人变更,请刷新后重试。"))}, status=status.HTTP_409_CONFLICT)
        return self._detail(household.pk)

    @extend_schema(
        summary=_("成员离户"),
        tags=TAGS,
        request=s.EndMembershipSerializer,
        responses={200: s.HouseholdDetailSerializer, 400: ERROR_400, 403: ERROR_403, 404: ERROR_404},
    )
    @action(detail=True, methods=["post"], url_path="end-membership", pagination_class=None, filterset_class=None)
    def end_membership(self, request: Request, pk: str) -> Response:
        household = self.get_object()
        serializer = s.EndMembershipSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        membership = household.memberships.filter(pk=data["membership"], valid_to__isnull=True).first()
        if membership is None:
            raise exceptions.ValidationError({"membership": [_("不是本户的在册成员。")]})
        services.end_membership(by=request.user, membership=membership, on=_today(data.get("on")))
        return self._detail(household.pk)


# --- tags -------------------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary=_("在管人员类别列表"),
        description=_("特殊人群和重点青少年只对有权的角色可见;关爱对象对辖区内工作人员可见。"),
        tags=TAGS,
    ),
    retrieve=extend_schema(summary=_("在管类别详情"), tags=TAGS, responses={200: s.TagSerializer, 404: ERROR_404}),
)
@export_schema("tags", _("导出在管人员类别(Excel)"), _("只含您有权查看的类别;导出记入个人信息访问日志。"))
class TagViewSet(RegistryViewSet):
    scoped_model = PersonTag
    serializer_class = s.TagSerializer
    filterset_class = PersonTagFilterSet
    export_table = TABLES["tags"]
    export_name = "tags"
    export_permissions = [("persontag", "export"), ("specialgroup", "export")]
    export_logged = True

    def optimize(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.select_related("person").annotate(responsible_name=F("responsible__display_name"))

    @extend_schema(
        summary=_("列管人员(打标签)"),
        description=_("专项信息(details)按类别校验;特殊人群和重点青少年只有有权的角色能列管。"),
        tags=TAGS,
        request=s.TagCreateSerializer,
        responses={201: s.TagSerializer, 400: ERROR_400, 403: ERROR_403},
    )
    def create(self, request: Request) -> Response:
        serializer = s.TagCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        tag = services.tag_person(
            by=request.user,
            person=data["person"],
            kind=data["kind"],
            on=_today(data.get("on")),
            details=data["details"],
            attention_level=data["attention_level"],
            responsible=data.get("responsible"),
            visit_every_days=data.get("visit_every_days"),
            note=data["note"],
        )
        return self._detail(tag.pk, status.HTTP_201_CREATED)

    def _detail(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        tag = self.get_queryset().get(pk=pk)
        return Response(s.TagSerializer(tag, context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        summary=_("记录走访"),
        description=_("按走访日期顺延下次走访日期。"),
        tags=TAGS,
        request=s.DateSerializer,
        responses={200: s.TagSerializer, 400: ERROR_400, 403: ERROR_403, 404: ERROR_404},
    )
    @action(detail=True, methods=["post"], pagination_class=None, filterset_class=None)
    def visit(self, request: Request, pk: str) -> Response:
        tag = self.get_object()
        serializer = s.DateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.record_tag_visit(by=request.user, tag=tag, on=_today(serializer.validated_data.get("on")))
        return self._detail(tag.pk)

    @extend_schema(
        summary=_("撤销列管"),
        tags=TAGS,
        request=s.EndTagSerializer,
        responses={200: s.TagSerializer, 400: ERROR_400, 403: ERROR_403, 404: ERROR_404},
    )
    @action(detail=True, methods=["post"], pagination_class=None, filterset_class=None)
    def end(self, request: Request, pk: str) -> Response:
        tag = self.get_object()
        serializer = s.EndTagSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.end_tag(by=request.user, tag=tag, on=_today(data.get("on")), note=data["note"])
        return self._detail(tag.pk)


# --- floating registrations and rental houses ---------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("流动人口登记列表"), tags=TAGS),
    retrieve=extend_schema(
        summary=_("流动人口登记详情"), tags=TAGS, responses={200: s.FloatingRegistrationSerializer, 404: ERROR_404}
    ),
)
@export_schema(
    "floating_registrations", _("导出流动人口登记(Excel)"), _("与列表相同的筛选条件;导出记入个人信息访问日志。")
)
class FloatingRegistrationViewSet(RegistryViewSet):
    scoped_model = FloatingRegistration
    serializer_class = s.FloatingRegistrationSerializer
    filterset_class = FloatingRegistrationFilterSet
    export_table = TABLES["floating"]
    export_name = "floating-registrations"
    export_permissions = [("floatingregistration", "export")]
    export_logged = True

    def optimize(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.select_related("person").annotate(grid_code=F("grid__code"))

    @extend_schema(
        summary=_("登记流动人口"),
        tags=TAGS,
        request=s.FloatingCreateSerializer,
        responses={201: s.FloatingRegistrationSerializer, 400: ERROR_400, 403: ERROR_403},
    )
    def create(self, request: Request) -> Response:
        serializer = s.FloatingCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        reg = services.register_floating(
            by=request.user,
            person=data["person"],
            on=_today(data.get("on")),
            expires_on=data["expires_on"],
            house=data.get("house"),
            reason=data["reason"],
        )
        fresh = self.get_queryset().get(pk=reg.pk)
        context = self.get_serializer_context()
        return Response(s.FloatingRegistrationSerializer(fresh, context=context).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("即将到期的流动人口登记"),
        description=_("有效期在今天起若干天内(默认按系统设置)的登记,最早到期的在前。"),
        tags=TAGS,
        parameters=[OpenApiParameter("within", int, description=_("多少天内到期(默认按系统设置,最多 366)"))],
        responses={200: s.FloatingRegistrationSerializer(many=True), 400: ERROR_400},
    )
    @action(detail=False, methods=["get"])
    def expiring(self, request: Request) -> Response:
        raw = request.query_params.get("within", str(settings.FLOATING_EXPIRY_NOTICE_DAYS))
        if not raw.isdigit() or int(raw) > 366:
            raise exceptions.ValidationError({"within": [_("请输入 0 到 366 之间的天数。")]})
        filtered: Any = self.filter_queryset(self.get_queryset())  # still a FloatingRegistrationQuerySet
        queryset = filtered.expiring(timezone.localdate(), int(raw))
        page = self.paginate_queryset(queryset.order_by("expires_on", "id"))
        data = self.get_serializer(page, many=True).data
        return self.get_paginated_response(data)


@extend_schema_view(
    list=extend_schema(summary=_("出租屋列表"), tags=TAGS),
    retrieve=extend_schema(
        summary=_("出租屋详情"), tags=TAGS, responses={200: s.RentalHouseSerializer, 404: ERROR_404}
    ),
)
@export_schema("rental_houses", _("导出出租屋列表(Excel)"), _("与列表相同的筛选条件;导出记入个人信息访问日志。"))
class RentalHouseViewSet(RegistryViewSet):
    scoped_model = RentalHouse
    serializer_class = s.RentalHouseSerializer
    filterset_class = RentalHouseFilterSet
    export_table = TABLES["rentals"]
    export_name = "rental-houses"
    export_permissions = [("rentalhouse", "export")]
    export_logged = True

    def optimize(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.select_related("house__building", "landlord").annotate(grid_code=F("grid__code"))

    @extend_schema(
        summary=_("登记出租屋"),
        tags=TAGS,
        request=s.RentalCreateSerializer,
        responses={201: s.RentalHouseSerializer, 400: ERROR_400, 403: ERROR_403},
    )
    def create(self, request: Request) -> Response:
        serializer = s.RentalCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        rental = services.register_rental(
            by=request.user,
            house=data["house"],
            on=_today(data.get("on")),
            landlord=data.get("landlord"),
            rooms=data["rooms"],
        )
        return self._detail(rental.pk, status.HTTP_201_CREATED)

    def _detail(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=pk)
        return Response(s.RentalHouseSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        summary=_("修改出租屋信息"),
        description=_(
            "可修改出租间数(1–999)、最近安全检查日期(不能晚于今天)和是否在租。须带上读取时的 version;"
            "若他人已修改了您要改的字段,返回 409 并列出字段(fields)和当前版本(current_version)。"
        ),
        tags=TAGS,
        request=s.RentalUpdateSerializer,
        responses={
            200: s.RentalHouseSerializer,
            400: ERROR_400,
            403: ERROR_403,
            404: ERROR_404,
            409: ERROR_409_STALE,
        },
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rental = self.get_object()
        serializer = s.RentalUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version")
        base = data.pop("base", {})
        # Only what the client sent (a form's missing checkbox is not "false").
        changes = {k: v for k, v in data.items() if k in request.data}
        try:
            updated = services.update_rental(
                by=request.user, rental=rental, changes=changes, expected_version=version, base=base
            )
        except services.StaleEdit as exc:
            return _stale(exc)
        return self._detail(updated.pk)


# --- organisations and facilities ---------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("组织列表"), tags=TAGS, parameters=[CRS_PARAMETER]),
    retrieve=extend_schema(
        summary=_("组织详情"),
        tags=TAGS,
        parameters=[CRS_PARAMETER],
        responses={200: s.OrganisationSerializer, 400: ERROR_400, 404: ERROR_404},
    ),
)
@export_schema("organisations", _("导出组织列表(Excel)"), _("与列表相同的筛选条件;联系电话已脱敏。"))
class OrganisationViewSet(RegistryViewSet):
    has_coordinates = True
    scoped_model = Organisation
    serializer_class = s.OrganisationSerializer
    filterset_class = OrganisationFilterSet
    export_table = TABLES["organisations"]
    export_name = "organisations"
    export_permissions = [("organisation", "export")]

    def optimize(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.annotate(grid_code=F("grid__code"), building_code=F("building__code"))

    def _detail(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        org = self.get_queryset().get(pk=pk)
        return Response(s.OrganisationSerializer(org, context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        summary=_("登记组织或三小场所"),
        description=_("三小场所(kind=small_venue)须注明场所类型;统一社会信用代码按国家标准校验且不能重复。"),
        tags=TAGS,
        request=s.OrganisationCreateSerializer,
        responses={201: s.OrganisationSerializer, 400: ERROR_400, 403: ERROR_403},
    )
    def create(self, request: Request) -> Response:
        serializer = s.OrganisationCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        crs = data.pop("crs")
        grid = data.pop("grid", None)
        if data.get("lon") is not None:
            data["lon"], data["lat"] = to_wgs84(data["lon"], data["lat"], crs)
        org = services.register_organisation(by=request.user, data=data, grid=grid)
        return self._detail(org.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("三小场所列表"),
        description=_("小商店、小餐饮、小娱乐场所,可按消防检查结果筛选。"),
        tags=TAGS,
        parameters=[CRS_PARAMETER],
        responses={200: s.OrganisationSerializer(many=True), 400: ERROR_400},
    )
    @action(detail=False, methods=["get"], url_path="small-venues")
    def small_venues(self, request: Request) -> Response:
        queryset = self.filter_queryset(self.get_queryset()).filter(kind=OrganisationKind.SMALL_VENUE)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary=_("记录消防检查"),
        tags=TAGS,
        request=s.FireInspectionSerializer,
        responses={200: s.OrganisationSerializer, 400: ERROR_400, 403: ERROR_403, 404: ERROR_404},
    )
    @action(detail=True, methods=["post"], url_path="fire-inspection", pagination_class=None, filterset_class=None)
    def fire_inspection(self, request: Request, pk: str) -> Response:
        org = self.get_object()
        serializer = s.FireInspectionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.record_fire_inspection(
            by=request.user, organisation=org, result=data["result"], on=_today(data.get("on"))
        )
        return self._detail(org.pk)


@extend_schema_view(
    list=extend_schema(summary=_("部件列表"), tags=TAGS, parameters=[CRS_PARAMETER]),
    retrieve=extend_schema(
        summary=_("部件详情"),
        tags=TAGS,
        parameters=[CRS_PARAMETER],
        responses={200: s.FacilitySerializer, 400: ERROR_400, 404: ERROR_404},
    ),
)
@export_schema("facilities", _("导出部件列表(Excel)"), _("与列表相同的筛选条件;坐标为 WGS-84。"))
class FacilityViewSet(RegistryViewSet):
    has_coordinates = True
    scoped_model = Facility
    serializer_class = s.FacilitySerializer
    filterset_class = FacilityFilterSet
    export_table = TABLES["facilities"]
    export_name = "facilities"
    export_permissions = [("facility", "view")]

    def optimize(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.annotate(grid_code=F("grid__code"), owner_unit_name=F("owner_unit__name"))

    @extend_schema(
        summary=_("部件 GeoJSON"),
        description=_(
            "筛选后的部件作为点要素(FeatureCollection),坐标按 crs 参数的坐标系;最多一万个,"
            "超出时 truncated 为 true,请用网格/区划编码缩小范围。"
        ),
        tags=TAGS,
        parameters=[CRS_PARAMETER],
        filters=True,
        responses={
            (200, "application/geo+json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description=_("GeoJSON FeatureCollection(坐标按 crs 参数的坐标系)")
            ),
            400: ERROR_400,
        },
    )
    @action(detail=False, methods=["get"], url_path="geojson", pagination_class=None)
    def geojson(self, request: Request) -> HttpResponse:
        crs = self.get_serializer_context()["crs"]
        rows = list(
            self.filter_queryset(self.get_queryset())
            .order_by("code")
            .values("id", "code", "name", "major_class", "minor_class", "status", "lon", "lat", "grid_code")[
                : MAX_FEATURES + 1
            ]
        )
        features = []
        for row in rows[:MAX_FEATURES]:
            lon, lat = from_wgs84(row.pop("lon"), row.pop("lat"), crs)
            row["grid"] = row.pop("grid_code")
            features.append(
                {
                    "type": "Feature",
                    "id": row["id"],
                    "geometry": {"type": "Point", "coordinates": [round(lon, 7), round(lat, 7)]},
                    "properties": row,
                }
            )
        body = {"type": "FeatureCollection", "features": features, "truncated": len(rows) > MAX_FEATURES}
        return HttpResponse(
            json.dumps(body, ensure_ascii=False, separators=(",", ":")),
            content_type="application/geo+json; charset=utf-8",
        )

    @extend_schema(
        summary=_("登记部件"),
        description=_("按坐标定位所在网格(坐标系见 crs);部件编码须与区县代码、大类一致且不重复。"),
        tags=TAGS,
        request=s.FacilityCreateSerializer,
        responses={201: s.FacilitySerializer, 400: ERROR_400, 403: ERROR_403},
    )
    def create(self, request: Request) -> Response:
        serializer = s.FacilityCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["lon"], data["lat"] = to_wgs84(data["lon"], data["lat"], data.pop("crs"))
        facility = services.register_facility(by=request.user, data=data)
        fresh = self.get_queryset().get(pk=facility.pk)
        context = self.get_serializer_context()
        return Response(s.FacilitySerializer(fresh, context=context).data, status=status.HTTP_201_CREATED)


# --- the access log -----------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary=_("个人信息访问日志"),
        description=_("每次查看完整信息、导出和导入的记录;只有管理员可读,只读。"),
        tags=TAGS,
        responses={200: s.AccessLogSerializer(many=True), 403: ERROR_403},
    ),
    retrieve=extend_schema(
        summary=_("访问日志详情"), tags=TAGS, responses={200: s.AccessLogSerializer, 403: ERROR_403, 404: ERROR_404}
    ),
)
class AccessLogViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet[Any]):
    scoped_model = AccessLog
    serializer_class = s.AccessLogSerializer
    filterset_class = AccessLogFilterSet
    pagination_class = Pagination
    lookup_value_regex = r"\d+"

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if scope_for(request.user, "accesslog", "view").empty:
            raise exceptions.PermissionDenied(_("只有管理员可以查看个人信息访问日志。"))

    def optimize(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.select_related("user", "person")
