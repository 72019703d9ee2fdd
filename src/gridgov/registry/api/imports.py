"""``/api/v1/import-jobs/``: the registry import as an API — upload a file (multipart) to create a job, poll its
status and progress, read the dry run, confirm, download the error file; and the template of each kind at
``/api/v1/import-jobs/templates/{kind}.xlsx``.

A job is its importer's own: other users get 404 for it (the error file holds the importer's own data, masked).
Users without the ``importjob`` add permission get 403 when they upload or download a template."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import GenericViewSet

from ..importing import (
    XLSX_CONTENT_TYPE,
    build_template,
    confirm_job,
    create_job,
    may_import,
    require_kind,
    template_filename,
)
from ..models import ImportJob, ImportKind

TAGS = ["registry-import"]

XLSX_RESPONSE = OpenApiResponse(OpenApiTypes.BINARY, description=_("Excel 文件(.xlsx)"))
ERROR_400 = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description=_("输入不合规:{字段: [说明]}"),
    examples=[OpenApiExample("file", value={"file": [_("只支持 .xlsx 或 .csv 文件。")]})],
)


class RowErrorSerializer(serializers.Serializer[Any]):
    row = serializers.IntegerField(help_text=_("文件中的行号(第1行为列名)"))
    column = serializers.CharField(help_text=_("列名"))
    value = serializers.CharField(help_text=_("单元格的值(证件号码和电话已脱敏)"))
    reason = serializers.CharField(help_text=_("原因"))


class DryRunSerializer(serializers.Serializer[Any]):
    new_rows = serializers.IntegerField(help_text=_("将新增的行数"))
    update_rows = serializers.IntegerField(help_text=_("将更新的行数"))
    error_count = serializers.IntegerField(help_text=_("错误条数"))
    first_errors = RowErrorSerializer(many=True, help_text=_("前20条错误;全部错误见错误清单"))


class ImportJobSerializer(serializers.ModelSerializer[ImportJob]):
    progress = serializers.IntegerField(read_only=True, help_text=_("进度 0–100"))
    dry_run = serializers.SerializerMethodField(help_text=_("校验结果(状态为已校验或之后)"))
    error_file_url = serializers.SerializerMethodField(help_text=_("错误清单的下载地址;没有错误时为 null"))

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "status",
            "filename",
            "progress",
            "total_rows",
            "processed_rows",
            "valid_rows",
            "error_rows",
            "committed_rows",
            "created_rows",
            "updated_rows",
            "message",
            "dry_run",
            "error_file_url",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields

    @extend_schema_field(DryRunSerializer(allow_null=True))
    def get_dry_run(self, job: ImportJob) -> dict[str, Any] | None:
        summary = job.summary or {}
        if "new" not in summary:
            return None
        return {
            "new_rows": summary.get("new", 0),
            "update_rows": summary.get("update", 0),
            "error_count": summary.get("error_count", 0),
            "first_errors": summary.get("errors", []),
        }

    @extend_schema_field(OpenApiTypes.URI)
    def get_error_file_url(self, job: ImportJob) -> str | None:
        if not job.error_file:
            return None
        url = reverse("import-job-error-file", kwargs={"pk": job.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


def _require_kind(user: Any, kind: str) -> None:
    """403 with the reason, naming the kinds the user may import (DRF would drop a Django PermissionDenied's)."""
    if not may_import(user):
        raise exceptions.PermissionDenied(_("您没有导入数据的权限。"))
    try:
        require_kind(user, kind)
    except PermissionDenied as exc:
        raise exceptions.PermissionDenied(str(exc)) from exc


class UploadSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=ImportKind.choices, help_text=_("导入类别"))
    file = serializers.FileField(help_text=_(".xlsx 或 .csv(UTF-8 或 GB18030),第一行为模板的列名"))


@extend_schema_view(
    list=extend_schema(summary=_("我的导入任务"), tags=TAGS),
    retrieve=extend_schema(
        summary=_("导入任务的状态和进度"),
        description=_("校验或写入期间可轮询此接口(progress 0–100);状态为 validated 时 dry_run 给出预览。"),
        tags=TAGS,
    ),
)
class ImportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet[ImportJob]):
    serializer_class = ImportJobSerializer
    parser_classes = [MultiPartParser, FormParser]
    filterset_class = None
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[ImportJob]:
        # A job is its importer's own (as on the import page): found by who made it, while they may import. Not by
        # visible_to: a job is filed under the common prefix of its importer's scopes, which for roles in two
        # districts is a city prefix none of their scopes covers.
        user = self.request.user
        if not may_import(user):
            return ImportJob.objects.none()
        return ImportJob.objects.filter(created_by_id=user.pk).order_by("-created_at")

    @extend_schema(
        summary=_("上传文件,创建导入任务"),
        description=_(
            "以 multipart/form-data 上传。系统在后台逐行校验(不写入),完成后状态为 validated,"
            "dry_run 给出将新增、将更新和错误的行;确认后才写入。"
        ),
        tags=TAGS,
        request={"multipart/form-data": UploadSerializer},
        responses={
            201: ImportJobSerializer,
            400: ERROR_400,
            403: OpenApiResponse(description=_("没有导入权限,或不能导入该类别(如房屋只由网格员和管理员导入)")),
        },
    )
    def create(self, request: Request) -> Response:
        upload = UploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        _require_kind(request.user, upload.validated_data["kind"])
        job = create_job(
            by=request.user,
            kind=upload.validated_data["kind"],
            upload=upload.validated_data["file"],
            language=get_language(),
        )
        job.refresh_from_db()
        return Response(self.get_serializer(job).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("确认导入"),
        description=_(
            "对状态为 validated 的任务确认写入(后台分批写入,可轮询进度);写入中断的任务再次确认即从中断处继续。"
        ),
        tags=TAGS,
        request=None,
        responses={202: ImportJobSerializer, 400: ERROR_400, 404: OpenApiResponse(description=_("不存在"))},
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str) -> Response:
        job = confirm_job(by=request.user, job=self.get_object())
        return Response(self.get_serializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary=_("下载错误清单"),
        description=_("行号、列、值(证件号码和电话已脱敏)、原因。只有导入人可以下载。"),
        tags=TAGS,
        operation_id="import_jobs_errors_xlsx",
        responses={(200, XLSX_CONTENT_TYPE): XLSX_RESPONSE, 404: OpenApiResponse(description=_("不存在或没有错误"))},
    )
    def error_file(self, request: Request, pk: str) -> FileResponse:
        job = self.get_object()
        if not job.error_file:
            raise Http404
        stem = job.filename.rsplit(".", 1)[0]
        response = FileResponse(
            job.error_file.open("rb"),
            as_attachment=True,
            filename=f"{stem}-errors.xlsx",
            content_type=XLSX_CONTENT_TYPE,
        )
        response["Cache-Control"] = "no-store"
        return response


class ImportTemplateView(APIView):
    @extend_schema(
        summary=_("下载导入模板"),
        description=_("第一页为中文列名(带 * 为必填)和一行示例,第二页说明每一列及可选值。"),
        tags=TAGS,
        parameters=[OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=ImportKind.values)],
        operation_id="import_jobs_template_xlsx",
        responses={(200, XLSX_CONTENT_TYPE): XLSX_RESPONSE, 403: OpenApiResponse(description=_("没有导入权限"))},
    )
    def get(self, request: Request, kind: str) -> HttpResponse:
        if not may_import(request.user):
            raise exceptions.PermissionDenied(_("您没有导入数据的权限。"))
        if kind not in ImportKind.values:
            raise Http404
        _require_kind(request.user, kind)
        response = HttpResponse(build_template(kind, request.user), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{template_filename(kind)}"'
        return response
