"""Excel exports of the registry's lists (openpyxl, write-only).

Each file starts with a header block naming the list, the exporting user, the time (Asia/Shanghai) and the filters,
so that a copy found later can be traced. Personal fields are written masked (``str()`` of a ``Sensitive``); the
caller (:mod:`gridgov.registry.views.exports`) checks the permission and writes the access-log row.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

SHANGHAI = ZoneInfo("Asia/Shanghai")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DEFAULT_MAX_ROWS = 100_000

Column = tuple[Any, Callable[[Any], Any], int]


def _masked(value: Any) -> str:
    return str(value) if value else ""


def _display(obj: Any, name: str) -> str:
    return str(getattr(obj, f"get_{name}_display")())


def _yes_no(value: bool) -> str:
    return str(_("是") if value else _("否"))


def _local(value: datetime | None) -> datetime | None:
    return timezone.localtime(value, SHANGHAI).replace(tzinfo=None) if value else None


def _person_cols(get: Callable[[Any], Any]) -> list[Column]:
    return [
        (_("姓名"), lambda o: get(o).name, 10),
        (_("性别"), lambda o: _display(get(o), "sex"), 6),
        (_("证件号码(脱敏)"), lambda o: _masked(get(o).id_number), 22),
        (_("联系电话(脱敏)"), lambda o: _masked(get(o).phone), 14),
    ]


PERSON_COLUMNS: list[Column] = [
    *_person_cols(lambda p: p),
    (_("出生日期"), lambda p: p.birth_date, 12),
    (_("民族"), lambda p: p.ethnicity, 8),
    (_("人口类型"), lambda p: _display(p, "residence_type"), 10),
    (_("居住方式"), lambda p: _display(p, "occupancy"), 8),
    (_("现住址(脱敏)"), lambda p: _masked(p.current_address), 24),
    (_("楼栋"), lambda p: p.building.name if p.building_id else "", 20),
    (_("房屋"), lambda p: p.house.number if p.house_id else "", 8),
    (_("网格编码"), lambda p: p.scope_code, 18),
    (_("在册"), lambda p: _yes_no(p.is_active), 6),
]

TAG_COLUMNS: list[Column] = [
    (_("类别"), lambda t: _display(t, "kind"), 16),
    *_person_cols(lambda t: t.person),
    (_("关注程度"), lambda t: _display(t, "attention_level"), 8),
    (_("包案人"), lambda t: str(t.responsible) if t.responsible_id else "", 10),
    (_("列管日期"), lambda t: t.valid_from, 12),
    (_("走访周期(天)"), lambda t: t.visit_every_days, 8),
    (_("最近走访"), lambda t: t.last_visit_on, 12),
    (_("下次走访"), lambda t: t.next_visit_due, 12),
    (_("走访逾期"), lambda t: _yes_no(t.valid_to is None and t.next_visit_due < timezone.localdate()), 8),
    (_("网格编码"), lambda t: t.scope_code, 18),
]

FLOATING_COLUMNS: list[Column] = [
    *_person_cols(lambda r: r.person),
    (_("来此事由"), lambda r: _display(r, "reason"), 10),
    (_("登记日期"), lambda r: r.registered_on, 12),
    (_("有效期至"), lambda r: r.expires_on, 12),
    (_("居住房屋"), lambda r: str(r.house) if r.house_id else "", 24),
    (_("网格编码"), lambda r: r.scope_code, 18),
]

RENTAL_COLUMNS: list[Column] = [
    (_("房屋"), lambda r: str(r.house), 28),
    (_("房东"), lambda r: r.landlord.name if r.landlord_id else "", 10),
    (_("房东电话(脱敏)"), lambda r: _masked(r.landlord.phone) if r.landlord_id else "", 14),
    (_("出租间数"), lambda r: r.rooms, 8),
    (_("登记日期"), lambda r: r.registered_on, 12),
    (_("最近安全检查"), lambda r: r.safety_checked_on, 12),
    (_("在租"), lambda r: _yes_no(r.is_active), 6),
    (_("网格编码"), lambda r: r.scope_code, 18),
]

ORGANISATION_COLUMNS: list[Column] = [
    (_("名称"), lambda o: o.name, 24),
    (_("类别"), lambda o: _display(o, "kind"), 12),
    (_("场所类型"), lambda o: _display(o, "venue_kind") if o.venue_kind else "", 10),
    (_("统一社会信用代码"), lambda o: o.uscc, 20),
    (_("负责人"), lambda o: o.legal_representative, 10),
    (_("联系电话(脱敏)"), lambda o: _masked(o.contact_phone), 14),
    (_("地址"), lambda o: o.address, 24),
    (_("从业人数"), lambda o: o.employees, 8),
    (_("消防检查"), lambda o: _display(o, "fire_safety"), 10),
    (_("最近消防检查"), lambda o: o.fire_checked_on, 12),
    (_("在营"), lambda o: _yes_no(o.is_active), 6),
    (_("网格编码"), lambda o: o.scope_code, 18),
]

FACILITY_COLUMNS: list[Column] = [
    (_("部件编码"), lambda f: f.code, 20),
    (_("名称"), lambda f: f.name, 16),
    (_("大类"), lambda f: _display(f, "major_class"), 10),
    (_("小类"), lambda f: f.minor_class, 6),
    (_("状态"), lambda f: _display(f, "status"), 8),
    (_("权属单位"), lambda f: f.owner_unit.name if f.owner_unit_id else "", 18),
    (_("经度(WGS-84)"), lambda f: f.lon, 12),
    (_("纬度(WGS-84)"), lambda f: f.lat, 12),
    (_("网格编码"), lambda f: f.scope_code, 18),
]

ACCESS_LOG_COLUMNS: list[Column] = [
    (_("时间(北京时间)"), lambda a: _local(a.at), 19),
    (_("操作人"), lambda a: str(a.user), 12),
    (_("操作"), lambda a: _display(a, "action"), 8),
    (_("被查看人"), lambda a: a.person.name if a.person_id else "", 10),
    (_("字段"), lambda a: a.field, 14),
    (_("事由"), lambda a: a.reason, 30),
    (_("记录数"), lambda a: a.rows, 8),
    (_("范围/条件"), lambda a: a.detail, 30),
    (_("IP地址"), lambda a: a.ip or "", 14),
]

COLUMNS: dict[str, list[Column]] = {
    "people": PERSON_COLUMNS,
    "special": TAG_COLUMNS,
    "care": TAG_COLUMNS,
    "floating": FLOATING_COLUMNS,
    "rentals": RENTAL_COLUMNS,
    "organisations": ORGANISATION_COLUMNS,
    "facilities": FACILITY_COLUMNS,
    "access-log": ACCESS_LOG_COLUMNS,
}


def _cell(sheet: WriteOnlyWorksheet, value: Any, *, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if cell.data_type == "f":
        cell.data_type = "s"  # text that starts with "=" is never a formula (spreadsheet injection)
    if isinstance(value, datetime):
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"
    if bold:
        cell.font = Font(bold=True)
    return cell


def exporter_label(user: Any) -> str:
    return str(getattr(user, "display_name", "") or user.get_username())


def write_xlsx(
    *, title: str, columns: list[Column], rows: Iterable[Any], user: Any, filters: str, max_rows: int | None = None
) -> tuple[bytes, int]:
    """The rows as an .xlsx file with the header block; returns the bytes and how many rows were written."""
    limit = max_rows or int(getattr(settings, "GRIDGOV_EXPORT_MAX_ROWS", DEFAULT_MAX_ROWS))
    workbook = Workbook(write_only=True)
    workbook.properties.creator = exporter_label(user)
    workbook.properties.title = title
    sheet = workbook.create_sheet(title[:31])
    for index, (_header, _get, width) in enumerate(columns):
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    exported_at = timezone.localtime(timezone.now(), SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
    sheet.append([_cell(sheet, title, bold=True)])
    sheet.append([_cell(sheet, str(_("导出人"))), _cell(sheet, exporter_label(user))])
    sheet.append([_cell(sheet, str(_("导出时间(北京时间)"))), _cell(sheet, exported_at)])
    sheet.append([_cell(sheet, str(_("筛选条件"))), _cell(sheet, filters or str(_("无")))])
    sheet.append([_cell(sheet, str(_("说明"))), _cell(sheet, str(_("个人信息已脱敏;仅含导出人有权查看的记录。")))])
    sheet.append([])
    sheet.append([_cell(sheet, str(header), bold=True) for header, _get, _width in columns])
    written = 0
    for obj in rows:
        if written >= limit:
            sheet.append([_cell(sheet, str(_("超过 %(n)d 条的部分未导出,请缩小筛选范围。") % {"n": limit}))])
            break
        sheet.append([_cell(sheet, get(obj)) for _header, get, _width in columns])
        written += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), written


def export_filename(name: str) -> str:
    stamp = timezone.localtime(timezone.now(), SHANGHAI).strftime("%Y%m%d-%H%M%S")
    return f"registry-{name}-{stamp}.xlsx"
