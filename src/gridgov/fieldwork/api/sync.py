"""The phone app's sync API (docs/fieldwork-sync.md): upload of queued records, photos one by one, download of
the worker's grid data. The views check input and hand it to ``fieldwork.sync`` (records), ``fieldwork.services.photos``
and ``api.sync_pull``; they never write themselves."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import unquote

from django.db import transaction
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import sync
from . import sync_serializers as ss

TAGS = ["fieldwork-sync"]

#: The header the phone app sends with every upload and pull: the user it was opened by (percent-encoded UTF-8,
#: as a header can carry only Latin-1). The session may since belong to someone else (logged out and in again in
#: another tab): their records must not go under the new user's name, nor their data into the old user's phone.
USER_HEADER = "X-Gridgov-User"

USER_MISMATCH = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description=_("X-Gridgov-User 与当前登录用户不同:手机需重新登录,未发送任何记录"),
)

EXPECTED_USER = OpenApiParameter(
    USER_HEADER,
    str,
    location=OpenApiParameter.HEADER,
    required=False,
    description=_("应用打开时的用户名(百分号编码的 UTF-8);与当前登录用户不同时答 409。令牌客户端可不带。"),
)


def user_mismatch(request: Request) -> Response | None:
    """A 409 when the request names an expected user other than the one logged in; None otherwise (no header: a
    Token client, which has no session to change under it)."""
    expected = request.headers.get(USER_HEADER)
    if expected is None:
        return None
    actual = request.user.get_username()
    if unquote(expected) == actual:
        return None
    message = _("当前登录的是另一个用户(%(actual)s),不是打开本应用的用户。请重新登录后再同步;记录仍保存在手机上。")
    return Response({"code": "user_mismatch", "detail": message % {"actual": actual}}, status=409)


ERROR_400 = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description=_("输入无效:按字段列出错误"),
    examples=[OpenApiExample("invalid", value={"records": [_("请确保这个字段不超过 200 个元素。")]})],
)


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class RecordsView(APIView):
    """Each record in its own transaction: a record is acknowledged only after its transaction committed."""

    parser_classes = [JSONParser]

    @extend_schema(
        summary=_("上传手机记录"),
        description=_(
            "一批最多 200 条,按顺序逐条处理,每条一个结果:201 新存入;200 同一编号同一内容已存入过(重复发送无害);"
            "409 同一编号不同内容(fields 列出不同的字段)或依据旧版本的修改(fields、current_version);"
            "400 无效(errors 按字段);403 无权;404 所指对象不存在或不在权限范围内。一条出错不影响其他记录。"
        ),
        tags=TAGS,
        request=ss.BatchSerializer,
        parameters=[EXPECTED_USER],
        responses={200: ss.BatchResultSerializer, 400: ERROR_400, 409: USER_MISMATCH},
        examples=[
            OpenApiExample(
                "visit",
                request_only=True,
                value={
                    "records": [
                        {
                            "uuid": "0b1c5a52-8d4e-4c1e-9f0e-2f7f1c9d8a11",
                            "kind": "visit",
                            "made_at": "2026-11-27T09:41:07+08:00",
                            "data": {"person": 123, "situation": _("身体状况良好"), "needs": "", "next_visit_on": None},
                            "photos": [],
                        }
                    ]
                },
            ),
            OpenApiExample(
                "rental_edit",
                request_only=True,
                value={
                    "records": [
                        {
                            "uuid": "5d0e1f3a-7b6c-4d2e-8a9f-0c1b2d3e4f50",
                            "kind": "rental_edit",
                            "made_at": "2026-11-27T10:05:00+08:00",
                            "data": {
                                "rental": 42,
                                "version": 3,
                                "base": {"safety_checked_on": "2026-05-12", "rooms": 4},
                                "changes": {"safety_checked_on": "2026-11-27", "rooms": 5},
                            },
                            "photos": [],
                        }
                    ]
                },
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        if (mismatch := user_mismatch(request)) is not None:
            return mismatch
        s = ss.BatchSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        results = sync.handle_batch(request.user, s.validated_data["records"])
        return Response({"results": results})


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class PhotoView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary=_("上传记录的照片"),
        description=_(
            "照片在其记录之后逐张上传(multipart:record、image)。201 已存入;200 同一编号同一文件已存入过;"
            "409 该编号已存有不同的文件;404 记录不存在(请先发送记录)或记录未列出此照片;400 文件无效(可重传)。"
        ),
        tags=TAGS,
        request={"multipart/form-data": ss.PhotoUploadSerializer},
        parameters=[EXPECTED_USER],
        responses={
            201: ss.PhotoResultSerializer,
            200: ss.PhotoResultSerializer,
            400: ERROR_400,
            404: OpenApiResponse(OpenApiTypes.OBJECT, description=_("记录不存在或未列出此照片")),
            409: OpenApiResponse(
                ss.PhotoConflictSerializer,
                description=_("同一照片编号、不同文件;或 code 为 user_mismatch:X-Gridgov-User 与当前登录用户不同"),
            ),
        },
    )
    def put(self, request: Request, photo_uuid: uuid.UUID) -> Response:
        from ..services import photos

        if (mismatch := user_mismatch(request)) is not None:
            return mismatch
        s = ss.PhotoUploadSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        outcome = photos.receive_photo(
            by=request.user,
            photo_uuid=photo_uuid,
            record_uuid=s.validated_data["record"],
            upload=s.validated_data["image"],
        )
        return Response(outcome.body, status=outcome.status)


class PullView(APIView):
    @extend_schema(
        summary=_("下载网格数据"),
        description=_(
            "网格员离线使用的数据:网格边界、楼栋、范围内的户和人员(脱敏)、出租屋(含 version)、到期走访、未完成任务、"
            "可上报的事项类别和 cursor。"
            "带 since(上次的 cursor)时只返回之后变化的户和人员(full=false),并附范围内全部编号以便删除;"
            "其余部分每次完整返回。"
        ),
        tags=TAGS,
        parameters=[
            OpenApiParameter("since", str, description=_("上次下载返回的 cursor")),
            OpenApiParameter("crs", str, description=_("坐标系:wgs84(默认)、gcj02、bd09")),
            EXPECTED_USER,
        ],
        responses={200: ss.PullSerializer, 400: ERROR_400, 409: USER_MISMATCH},
    )
    def get(self, request: Request) -> Response:
        from . import sync_pull as pull

        if (mismatch := user_mismatch(request)) is not None:
            return mismatch
        s = ss.PullQuerySerializer(data=request.query_params)
        s.is_valid(raise_exception=True)
        body: dict[str, Any] = pull.pull(
            request.user, since=s.validated_data.get("since") or None, crs=s.validated_data["crs"]
        )
        return Response(body)
