"""Serializers of the phone app's sync API (docs/fieldwork-sync.md): the batch envelope and its answer, the ``data``
of each record kind (the dispatcher in ``fieldwork.sync`` validates with these, so errors are field-level and in the
user's language), photos, and the pull. Nothing here writes."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from gridgov.core.api import CRSField

from ..models import RecordKind

#: At most this many records in one upload (the contract says so; the app sends more in several batches).
MAX_BATCH = 200
#: At most this many points in one ``track`` record, and photos announced by one record.
MAX_POINTS = 2000
MAX_PHOTOS = 9


# --- upload: the envelope --------------------------------------------------------------------------------------


class RecordSerializer(serializers.Serializer[Any]):
    """One record as the phone made it (validated one by one by the dispatcher, not as a whole batch)."""

    uuid = serializers.UUIDField(help_text=_("手机生成的记录编号"))
    kind = serializers.ChoiceField(choices=RecordKind.choices)
    made_at = serializers.CharField(help_text=_("手机上的时间,ISO 8601,须带时区偏移,如 2026-11-27T09:41:07+08:00"))
    data = serializers.DictField(  # type: ignore[assignment]  # a declared field, not Serializer.data
        help_text=_("内容,按 kind 而定(见 docs/fieldwork-sync.md)")
    )
    photos = serializers.ListField(
        child=serializers.UUIDField(), required=False, default=list, help_text=_("随后逐张上传的照片编号")
    )


class BatchSerializer(serializers.Serializer[Any]):
    records = serializers.ListField(
        child=serializers.JSONField(),
        max_length=MAX_BATCH,
        allow_empty=True,
        help_text=_("待同步的记录(每批最多 200 条),每条见 RecordSerializer"),
    )


class RecordResultSerializer(serializers.Serializer[Any]):
    uuid = serializers.CharField(allow_null=True)
    status = serializers.IntegerField(
        help_text=_("201 新存入;200 重复发送(与首次相同);409 冲突;400 无效;403 无权;404 不存在")
    )
    result = serializers.DictField(
        required=False, help_text=_("记录变成了什么:type、id(案件另有 number,人员和出租屋另有新的 version)")
    )
    fields = serializers.ListField(  # type: ignore[assignment]  # a declared field, not Serializer.fields
        child=serializers.CharField(), required=False, help_text=_("409:不同或冲突的字段")
    )
    current_version = serializers.IntegerField(required=False, help_text=_("409(人员、出租屋信息):服务器上的版本"))
    message = serializers.CharField(required=False)
    errors = serializers.DictField(  # type: ignore[assignment]  # a declared field, not Serializer.errors
        required=False, help_text=_("400:按字段列出的错误")
    )
    code = serializers.ChoiceField(
        choices=["clock_ahead", "too_old"],
        required=False,
        help_text=_("400 的原因代码:clock_ahead 记录时间晚于服务器时间(手机时钟偏快);too_old 超过离线保留天数"),
    )


class BatchResultSerializer(serializers.Serializer[Any]):
    results = RecordResultSerializer(many=True)


# --- upload: the data of each kind -----------------------------------------------------------------------------


class PatrolStartData(serializers.Serializer[Any]):
    patrol = serializers.UUIDField()
    grid = serializers.CharField(required=False, allow_blank=True, default="", max_length=24)


class PatrolRefData(serializers.Serializer[Any]):
    patrol = serializers.UUIDField()


class PointField(serializers.ListField):
    """``[made_at, lon, lat, accuracy_m?]``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(child=serializers.JSONField(), min_length=3, max_length=4, **kwargs)


class TrackData(serializers.Serializer[Any]):
    patrol = serializers.UUIDField()
    points = serializers.ListField(child=PointField(), max_length=MAX_POINTS, allow_empty=False)
    crs = CRSField()


class CheckInData(serializers.Serializer[Any]):
    """A check-in is always stored; it counts for the figures only with a position near the building, during an
    unflagged patrol (``gridgov.fieldwork.figures``). The app sends the position whenever it has one."""

    patrol = serializers.UUIDField(
        required=False, allow_null=True, default=None, help_text=_("所在巡查;不在巡查中的打卡不计入统计")
    )
    building = serializers.CharField(max_length=32)
    lon = serializers.FloatField(
        required=False,
        allow_null=True,
        default=None,
        min_value=-180,
        max_value=180,
        help_text=_("打卡时手机的位置;没有位置的打卡不计入统计"),
    )
    lat = serializers.FloatField(required=False, allow_null=True, default=None, min_value=-90, max_value=90)
    crs = CRSField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class VisitData(serializers.Serializer[Any]):
    person = serializers.IntegerField(required=False, allow_null=True, default=None)
    household = serializers.IntegerField(required=False, allow_null=True, default=None)
    tag = serializers.IntegerField(required=False, allow_null=True, default=None)
    situation = serializers.CharField(max_length=4000, allow_blank=True)
    needs = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    next_visit_on = serializers.DateField(required=False, allow_null=True, default=None)


class TaskReportData(serializers.Serializer[Any]):
    task = serializers.IntegerField()
    report = serializers.CharField(max_length=4000, allow_blank=True)


class EditData(serializers.Serializer[Any]):
    """An edit of a versioned registry record: the version and values seen, and the changes."""

    version = serializers.IntegerField(min_value=1, help_text=_("编辑所依据的版本号"))
    base = serializers.DictField(required=False, default=dict, help_text=_("编辑时看到的原值"))
    changes = serializers.DictField(help_text=_("要修改的字段及新值"))


class PersonEditData(EditData):
    person = serializers.IntegerField()


class RentalEditData(EditData):
    rental = serializers.IntegerField()


# --- photos ----------------------------------------------------------------------------------------------------


class PhotoUploadSerializer(serializers.Serializer[Any]):
    record = serializers.UUIDField(help_text=_("照片所属记录的编号(该记录须已在 photos 中列出此照片)"))
    image = serializers.FileField(help_text=_("照片(JPEG、PNG、WebP);服务器去除 EXIF 后保存"))


class PhotoResultSerializer(serializers.Serializer[Any]):
    uuid = serializers.UUIDField()
    record = serializers.UUIDField()
    sha256 = serializers.CharField(help_text=_("上传文件的 SHA-256"))


class PhotoConflictSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()


# --- pull ------------------------------------------------------------------------------------------------------


class PullQuerySerializer(serializers.Serializer[Any]):
    since = serializers.CharField(required=False, allow_blank=True, help_text=_("上次下载返回的 cursor"))
    crs = CRSField()


class PullGridSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    boundary = serializers.JSONField(allow_null=True, help_text=_("GeoJSON 几何(坐标系由 crs 参数指定)"))


class PullBuildingSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    grid = serializers.CharField()
    lon = serializers.FloatField()
    lat = serializers.FloatField()
    households = serializers.IntegerField()


class PullHouseholdSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    number = serializers.CharField()
    house = serializers.CharField(allow_null=True, help_text=_("房屋(楼栋名 房号)"))
    building = serializers.CharField(allow_null=True)
    version = serializers.IntegerField()


class PullPersonSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    sex = serializers.CharField()
    age = serializers.IntegerField()
    id_number = serializers.CharField(allow_blank=True, help_text=_("脱敏"))
    phone = serializers.CharField(allow_blank=True, help_text=_("脱敏"))
    house = serializers.CharField(allow_null=True)
    building = serializers.CharField(allow_null=True)
    household = serializers.IntegerField(allow_null=True)
    is_active = serializers.BooleanField()
    version = serializers.IntegerField()
    # What the phone's person edit shows and sends as its base (``sync_pull.EDITABLE``; phone above).
    current_address = serializers.CharField(allow_blank=True, help_text=_("脱敏"))
    occupation = serializers.CharField(allow_blank=True)
    workplace = serializers.CharField(allow_blank=True)
    education = serializers.CharField(allow_blank=True)
    marital_status = serializers.CharField(allow_blank=True)
    political_status = serializers.CharField(allow_blank=True)
    occupancy = serializers.CharField(allow_blank=True)


class PullVisitDueSerializer(serializers.Serializer[Any]):
    tag = serializers.IntegerField()
    person = serializers.IntegerField()
    kind = serializers.CharField()
    kind_display = serializers.CharField()
    next_visit_due = serializers.DateField()
    overdue = serializers.BooleanField()


class PullTaskSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    category = serializers.CharField()
    status = serializers.CharField()
    due_at = serializers.DateTimeField()
    overdue = serializers.BooleanField()
    version = serializers.IntegerField()


class PullCategorySerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    major_code = serializers.CharField()
    major_name = serializers.CharField()
    grid_assignable = serializers.BooleanField()


class PullRentalSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    house = serializers.IntegerField(help_text=_("房屋编号"))
    building = serializers.CharField(help_text=_("楼栋编码"))
    label = serializers.CharField(  # type: ignore[assignment]  # a declared field, not Field.label
        help_text=_("楼栋名 房号")
    )
    landlord = serializers.CharField(allow_blank=True, help_text=_("房东姓名(未登记为空)"))
    rooms = serializers.IntegerField()
    safety_checked_on = serializers.DateField(allow_null=True)
    is_active = serializers.BooleanField()
    registered_on = serializers.DateField()
    version = serializers.IntegerField(help_text=_("rental_edit 所依据的版本号"))


class PullSerializer(serializers.Serializer[Any]):
    full = serializers.BooleanField(help_text=_("true:全量;false:只含 since 之后的变化"))
    cursor = serializers.CharField(help_text=_("下次下载时作为 since 传回"))
    grids = PullGridSerializer(many=True)
    buildings = PullBuildingSerializer(many=True)
    households = PullHouseholdSerializer(many=True)
    household_ids = serializers.ListField(child=serializers.IntegerField(), help_text=_("范围内全部户的编号(用于删除)"))
    people = PullPersonSerializer(many=True)
    person_ids = serializers.ListField(
        child=serializers.IntegerField(), help_text=_("范围内全部在册人员的编号(用于删除)")
    )
    rentals = PullRentalSerializer(many=True)
    visits_due = PullVisitDueSerializer(many=True)
    tasks = PullTaskSerializer(many=True)
    categories = PullCategorySerializer(many=True)
