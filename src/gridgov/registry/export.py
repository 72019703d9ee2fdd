"""Excel exports of the registry's lists (openpyxl, write-only): one column table per list, used by both the pages
(:mod:`gridgov.registry.views.exports`) and the API (``RegistryViewSet.export``), so the same rows exported by the
same user give the same file either way.

Each file starts with a header block naming the list, the exporting user, the time (Asia/Shanghai) and the filters,
so that a copy found later can be traced. Personal columns are marked ``masked`` and only their masked form is
written; the callers check the permission and write the access-log row.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from gridgov.core.sensitive import Sensitive

SHANGHAI = ZoneInfo("Asia/Shanghai")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DEFAULT_MAX_ROWS = 100_000


@dataclass(frozen=True)
class Column:
    """One column of an export: its header (Chinese, translated), how to read the value from a row, its width, and
    whether the value is personal (a ``Sensitive``): then only its masked form is written."""

    header: Any
    value: Callable[[Any], Any]
    width: int
    masked: bool = False

    def cell(self, obj: Any) -> Any:
        value = self.value(obj)
        if self.masked:
            # Only a Sensitive knows how to mask itself; anything else would be plain text, so it is left out.
            return value.masked if isinstance(value, Sensitive) and value else ""
        return value


@dataclass(frozen=True)
class ExportTable:
    """What one list's file holds: its sheet title, its columns, and the relations the columns read (joined by
    every caller, so the page and the API make the same queries)."""

    title: Any
    columns: list[Column]
    related: tuple[str, ...] = ()

    def rows(self, queryset: QuerySet[Any]) -> Iterable[Any]:
        return (queryset.select_related(*self.related) if self.related else queryset).iterator(chunk_size=2000)


def _display(obj: Any, name: str) -> str:
    return str(getattr(obj, f"get_{name}_display")())


def _yes_no(value: bool) -> str:
    return str(_("是") if value else _("否"))


def _local(value: datetime | None) -> datetime | None:
    return timezone.localtime(value, SHANGHAI).replace(tzinfo=None) if value else None


def _person_cols(get: Callable[[Any], Any]) -> list[Column]:
    return [
        Column(_("姓名"), lambda o: get(o).name, 10),
        Column(_("性别"), lambda o: _display(get(o), "sex"), 6),
        Column(_("证件号码(脱敏)"), lambda o: get(o).id_number, 22, masked=True),
        Column(_("联系电话(脱敏)"), lambda o: get(o).phone, 14, masked=True),
    ]


def _household_head(household: Any) -> str:
    # ``current_memberships``: the current members, prefetched by the caller (see HOUSEHOLDS.related's note).
    return next((m.person.name for m in household.current_memberships if m.relation == "head"), "")


PEOPLE = ExportTable(
    _("人员"),
    [
        *_person_cols(lambda p: p),
        Column(_("出生日期"), lambda p: p.birth_date, 12),
        Column(_("民族"), lambda p: p.ethnicity, 8),
        Column(_("人口类型"), lambda p: _display(p, "residence_type"), 10),
        Column(_("居住方式"), lambda p: _display(p, "occupancy"), 8),
        Column(_("现住址(脱敏)"), lambda p: p.current_address, 24, masked=True),
        Column(_("楼栋"), lambda p: p.building.name if p.building_id else "", 20),
        Column(_("房屋"), lambda p: p.house.number if p.house_id else "", 8),
        Column(_("网格编码"), lambda p: p.scope_code, 18),
        Column(_("在册"), lambda p: _yes_no(p.is_active), 6),
    ],
    related=("building", "house"),
)

HOUSEHOLDS = ExportTable(
    _("户"),
    [
        Column(_("户号"), lambda h: h.number, 16),
        Column(_("户别"), lambda h: _display(h, "kind"), 8),
        Column(_("户主"), _household_head, 10),
        Column(_("在册成员数"), lambda h: len(h.current_memberships), 10),
        Column(_("网格编码"), lambda h: h.scope_code, 18),
    ],
)


def _tag_table(title: Any) -> ExportTable:
    return ExportTable(
        title,
        [
            Column(_("类别"), lambda t: _display(t, "kind"), 16),
            *_person_cols(lambda t: t.person),
            Column(_("关注程度"), lambda t: _display(t, "attention_level"), 8),
            Column(_("包案人"), lambda t: str(t.responsible) if t.responsible_id else "", 10),
            Column(_("列管日期"), lambda t: t.valid_from, 12),
            Column(_("撤销日期"), lambda t: t.valid_to, 12),
            Column(_("走访周期(天)"), lambda t: t.visit_every_days, 8),
            Column(_("最近走访"), lambda t: t.last_visit_on, 12),
            Column(_("下次走访"), lambda t: t.next_visit_due, 12),
            Column(
                _("走访逾期"),
                lambda t: _yes_no(t.valid_to is None and t.next_visit_due < timezone.localdate()),
                8,
            ),
            Column(_("网格编码"), lambda t: t.scope_code, 18),
        ],
        related=("person", "responsible"),
    )


FLOATING = ExportTable(
    _("流动人口登记"),
    [
        *_person_cols(lambda r: r.person),
        Column(_("来此事由"), lambda r: _display(r, "reason"), 10),
        Column(_("登记日期"), lambda r: r.registered_on, 12),
        Column(_("有效期至"), lambda r: r.expires_on, 12),
        Column(_("居住房屋"), lambda r: str(r.house) if r.house_id else "", 24),
        Column(_("网格编码"), lambda r: r.scope_code, 18),
    ],
    related=("person", "house__building"),
)

RENTALS = ExportTable(
    _("出租屋"),
    [
        Column(_("房屋"), lambda r: str(r.house), 28),
        Column(_("房东"), lambda r: r.landlord.name if r.landlord_id else "", 10),
        Column(_("房东电话(脱敏)"), lambda r: r.landlord.phone if r.landlord_id else "", 14, masked=True),
        Column(_("出租间数"), lambda r: r.rooms, 8),
        Column(_("登记日期"), lambda r: r.registered_on, 12),
        Column(_("最近安全检查"), lambda r: r.safety_checked_on, 12),
        Column(_("在租"), lambda r: _yes_no(r.is_active), 6),
        Column(_("网格编码"), lambda r: r.scope_code, 18),
    ],
    related=("house__building", "landlord"),
)

ORGANISATIONS = ExportTable(
    _("组织和三小场所"),
    [
        Column(_("名称"), lambda o: o.name, 24),
        Column(_("类别"), lambda o: _display(o, "kind"), 12),
        Column(_("场所类型"), lambda o: _display(o, "venue_kind") if o.venue_kind else "", 10),
        Column(_("统一社会信用代码"), lambda o: o.uscc, 20),
        Column(_("负责人"), lambda o: o.legal_representative, 10),
        Column(_("联系电话(脱敏)"), lambda o: o.contact_phone, 14, masked=True),
        Column(_("地址"), lambda o: o.address, 24),
        Column(_("从业人数"), lambda o: o.employees, 8),
        Column(_("消防检查"), lambda o: _display(o, "fire_safety"), 10),
        Column(_("最近消防检查"), lambda o: o.fire_checked_on, 12),
        Column(_("在营"), lambda o: _yes_no(o.is_active), 6),
        Column(_("网格编码"), lambda o: o.scope_code, 18),
    ],
)

FACILITIES = ExportTable(
    _("部件"),
    [
        Column(_("部件编码"), lambda f: f.code, 20),
        Column(_("名称"), lambda f: f.name, 16),
        Column(_("大类"), lambda f: _display(f, "major_class"), 10),
        Column(_("小类"), lambda f: f.minor_class, 6),
        Column(_("状态"), lambda f: _display(f, "status"), 8),
        Column(_("权属单位"), lambda f: f.owner_unit.name if f.owner_unit_id else "", 18),
        Column(_("经度(WGS-84)"), lambda f: f.lon, 12),
        Column(_("纬度(WGS-84)"), lambda f: f.lat, 12),
        Column(_("网格编码"), lambda f: f.scope_code, 18),
    ],
    related=("owner_unit",),
)

ACCESS_LOG = ExportTable(
    _("个人信息访问日志"),
    [
        Column(_("时间(北京时间)"), lambda a: _local(a.at), 19),
        Column(_("操作人"), lambda a: str(a.user), 12),
        Column(_("操作"), lambda a: _display(a, "action"), 8),
        Column(_("被查看人"), lambda a: a.person.name if a.person_id else "", 10),
        Column(_("字段"), lambda a: a.field, 14),
        Column(_("事由"), lambda a: a.reason, 30),
        Column(_("记录数"), lambda a: a.rows, 8),
        Column(_("范围/条件"), lambda a: a.detail, 30),
        Column(_("IP地址"), lambda a: a.ip or "", 14),
    ],
    related=("user", "person"),
)

#: Every registry export, by the name of its list page (``/registry/export/<name>.xlsx``); the API's exports
#: (``/api/v1/<resource>/export.xlsx``) name theirs in ``export_table``. ``households`` and ``tags`` (special
#: groups and care together) are API-only lists.
TABLES: dict[str, ExportTable] = {
    "people": PEOPLE,
    "households": HOUSEHOLDS,
    "special": _tag_table(_("特殊人群和重点青少年")),
    "care": _tag_table(_("关爱对象")),
    "tags": _tag_table(_("在管人员")),
    "floating": FLOATING,
    "rentals": RENTALS,
    "organisations": ORGANISATIONS,
    "facilities": FACILITIES,
    "access-log": ACCESS_LOG,
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
    *, table: ExportTable, rows: Iterable[Any], user: Any, filters: str, max_rows: int | None = None
) -> tuple[bytes, int]:
    """The rows as an .xlsx file with the header block; returns the bytes and how many rows were written."""
    title = str(table.title)
    columns = table.columns
    limit = max_rows or int(getattr(settings, "GRIDGOV_EXPORT_MAX_ROWS", DEFAULT_MAX_ROWS))
    workbook = Workbook(write_only=True)
    workbook.properties.creator = exporter_label(user)
    workbook.properties.title = title
    sheet = workbook.create_sheet(title[:31])
    for index, column in enumerate(columns):
        sheet.column_dimensions[get_column_letter(index + 1)].width = column.width
    exported_at = timezone.localtime(timezone.now(), SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
    sheet.append([_cell(sheet, title, bold=True)])
    sheet.append([_cell(sheet, str(_("导出人"))), _cell(sheet, exporter_label(user))])
    sheet.append([_cell(sheet, str(_("导出时间(北京时间)"))), _cell(sheet, exported_at)])
    sheet.append([_cell(sheet, str(_("筛选条件"))), _cell(sheet, filters or str(_("无")))])
    sheet.append([_cell(sheet, str(_("说明"))), _cell(sheet, str(_("个人信息已脱敏;仅含导出人有权查看的记录。")))])
    sheet.append([])
    sheet.append([_cell(sheet, str(column.header), bold=True) for column in columns])
    written = 0
    for obj in rows:
        if written >= limit:
            sheet.append([_cell(sheet, str(_("超过 %(n)d 条的部分未导出,请缩小筛选范围。") % {"n": limit}))])
            break
        sheet.append([_cell(sheet, column.cell(obj)) for column in columns])
        written += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), written


def export_filename(name: str) -> str:
    stamp = timezone.localtime(timezone.now(), SHANGHAI).strftime("%Y%m%d-%H%M%S")
    return f"registry-{name}-{stamp}.xlsx"
