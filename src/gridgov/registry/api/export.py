"""Excel files of the registry's API lists (``/api/v1/<list>/export.xlsx``).

The rows are exactly what the caller's list would show (the same ``visible_to`` and filterset); personal fields are
written masked, as in the API. The first row names who exported the file and when (Beijing time), so that a copy
found later can be traced; exports that name people are also written to the access log by the view.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

SHANGHAI = ZoneInfo("Asia/Shanghai")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: More rows than this are not written (the file says so); narrow the list with filters instead.
MAX_ROWS = 100_000

Column = tuple[Any, Callable[[Any], Any], int]


def _cell(sheet: WriteOnlyWorksheet, value: Any, *, bold: bool = False) -> WriteOnlyCell:
    if value is not None and not isinstance(value, int | float) and not hasattr(value, "isoformat"):
        value = str(value)
    cell = WriteOnlyCell(sheet, value=value)
    if cell.data_type == "f":
        # A value that starts with "=" is text, never a formula (spreadsheet injection).
        cell = WriteOnlyCell(sheet, value="'" + str(value))
    if bold:
        cell.font = Font(bold=True)
    return cell


def write_xlsx(title: str, columns: list[Column], rows: Iterable[Any], user: Any) -> tuple[bytes, int]:
    """The workbook's bytes and the number of data rows written."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    for index, (_label, _get, width) in enumerate(columns):
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    now = timezone.localtime(timezone.now(), SHANGHAI)
    header = _("导出人:%(user)s 导出时间(北京时间):%(at)s 个人信息已脱敏") % {
        "user": str(user),
        "at": f"{now:%Y-%m-%d %H:%M}",
    }
    sheet.append([_cell(sheet, header, bold=True)])
    sheet.append([_cell(sheet, label, bold=True) for label, _get, _width in columns])
    count = 0
    for obj in rows:
        if count >= MAX_ROWS:
            sheet.append([_cell(sheet, _("超过 %(n)d 行,其余未导出;请缩小筛选范围。") % {"n": MAX_ROWS})])
            break
        sheet.append([_cell(sheet, get(obj)) for _label, get, _width in columns])
        count += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), count


def export_filename(name: str) -> str:
    now = timezone.localtime(timezone.now(), SHANGHAI)
    return f"{name}-{now:%Y%m%d-%H%M}.xlsx"
