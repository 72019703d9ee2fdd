"""Excel export of a case list (the API's ``/api/v1/cases/export.xlsx`` and the workbench both call it).

Only cases the exporting user may see are written, whatever queryset the caller passes (it is narrowed by
``visible_to`` once more). Reporter data is masked: no reporter name or phone in the file, only "已隐藏". The file
says who exported it and when (Asia/Shanghai), so a copy found later can be traced.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from .disclosure import HIDDEN, is_overdue
from .models import Case

SHANGHAI = ZoneInfo("Asia/Shanghai")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: More rows than this are not written (the file says so); narrow the list with filters instead.
DEFAULT_MAX_ROWS = 100_000


def _local(value: datetime | None) -> datetime | None:
    # Excel has no time zones: write Beijing time without an offset (the header says so).
    return timezone.localtime(value, SHANGHAI).replace(tzinfo=None) if value else None


def _yes_no(value: bool) -> str:
    return str(_("是") if value else _("否"))


def _major_name(case: Case) -> str:
    parent = case.category.parent
    return parent.name if parent is not None else case.category.name


Column = tuple[Any, Callable[[Case, datetime], Any], int]

COLUMNS: list[Column] = [
    (_("案件编号"), lambda c, now: c.number, 14),
    (_("状态"), lambda c, now: str(c.get_status_display()), 10),
    (_("来源"), lambda c, now: str(c.get_source_display()), 10),
    (_("事项大类"), lambda c, now: _major_name(c), 14),
    (_("事项类别"), lambda c, now: f"{c.category.code} {c.category.name}", 18),
    (_("紧急程度"), lambda c, now: str(c.get_urgency_display()), 8),
    (_("当前层级"), lambda c, now: str(c.get_current_tier_display()), 8),
    (_("当前处置单位"), lambda c, now: c.current_unit.name if c.current_unit is not None else "", 18),
    (_("网格编码"), lambda c, now: c.grid_code, 18),
    (_("社区代码"), lambda c, now: c.community_code, 14),
    (_("地址"), lambda c, now: c.address, 24),
    (_("描述"), lambda c, now: c.description, 40),
    (_("上报人"), lambda c, now: str(HIDDEN), 8),
    (_("上报时间(北京时间)"), lambda c, now: _local(c.created_at), 19),
    (_("本阶段办理期限(北京时间)"), lambda c, now: _local(c.due_at), 19),
    (_("超期"), lambda c, now: _yes_no(is_overdue(c, now)), 6),
    (_("结案时间(北京时间)"), lambda c, now: _local(c.closed_at), 19),
    (_("评价"), lambda c, now: str(c.get_rating_display()) if c.rating else "", 10),
    (_("附议数"), lambda c, now: c.me_too_count, 8),
    (_("催办次数"), lambda c, now: c.reminder_count, 8),
    (_("督办次数"), lambda c, now: c.supervision_count, 8),
    (_("退回次数"), lambda c, now: c.return_count, 8),
    (_("重办次数"), lambda c, now: c.redo_count, 8),
]


def _cell(sheet: WriteOnlyWorksheet, value: Any, *, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if cell.data_type == "f":
        # A description that starts with "=" is text, never a formula (spreadsheet injection).
        cell.data_type = "s"
    if isinstance(value, datetime):
        cell.number_format = "yyyy-mm-dd hh:mm"
    if bold:
        cell.font = Font(bold=True)
    return cell


def exporter_label(user: Any) -> str:
    return str(getattr(user, "display_name", "") or user.get_username())


def export_cases_xlsx(queryset: QuerySet[Case], user: Any, *, max_rows: int | None = None) -> bytes:
    """The cases of ``queryset`` that ``user`` may see, as an .xlsx file (bytes), in the queryset's order."""
    limit = max_rows or int(getattr(settings, "GRIDGOV_EXPORT_MAX_ROWS", DEFAULT_MAX_ROWS))
    now = timezone.now()
    visible = Case.objects.visible_to(user, "view").values("pk")
    cases = (
        queryset.filter(pk__in=visible)
        .select_related("category__parent", "current_unit")
        .defer("overdue_stages", "content_hash")
    )
    workbook = Workbook(write_only=True)
    workbook.properties.creator = exporter_label(user)
    workbook.properties.title = str(_("案件列表"))
    sheet = workbook.create_sheet(str(_("案件列表")))
    for index, (_header, _get, width) in enumerate(COLUMNS):
        sheet.column_dimensions[_column_letter(index)].width = width
    exported_at = timezone.localtime(now, SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
    sheet.append([_cell(sheet, str(_("案件列表")), bold=True)])
    sheet.append([_cell(sheet, str(_("导出人"))), _cell(sheet, exporter_label(user))])
    sheet.append([_cell(sheet, str(_("导出时间(北京时间)"))), _cell(sheet, exported_at)])
    sheet.append([_cell(sheet, str(_("说明"))), _cell(sheet, str(_("上报人信息已隐藏;仅含导出人有权查看的案件。")))])
    sheet.append([])
    sheet.append([_cell(sheet, str(header), bold=True) for header, _get, _width in COLUMNS])
    for written, case in enumerate(cases.iterator(chunk_size=2000)):
        if written >= limit:
            sheet.append([_cell(sheet, str(_("超过 %(n)d 条的部分未导出,请缩小筛选范围。") % {"n": limit}))])
            break
        sheet.append([_cell(sheet, get(case, now)) for _header, get, _width in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def export_filename(now: datetime | None = None) -> str:
    stamp = timezone.localtime(now or timezone.now(), SHANGHAI).strftime("%Y%m%d-%H%M%S")
    return f"cases-{stamp}.xlsx"
