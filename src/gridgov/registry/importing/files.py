"""The files the import hands out: the template of each kind and the error file of a job.

The template's first sheet has the Chinese headers (required ones marked ``*``), one example row and text
formatting on code, ID-number and phone columns (so Excel keeps leading zeros and all 18 digits); the second
sheet explains each column and lists its allowed values. The error file lists each rejected cell — row, column,
value (masked for ID numbers and phones), reason — and is given only to the user who imported the file."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from stdnum.cn import ric, uscc

from gridgov.territory.models import Building, Grid

from ..models import ImportKind
from .columns import COLUMNS
from .engine import RowError

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_FILL = PatternFill("solid", fgColor="DBEAFE")
REQUIRED_FILL = PatternFill("solid", fgColor="FDE68A")
TEXT_KINDS = ("idno", "phone", "code")


def example_ric() -> str:
    body = "44130219800517001"
    return body[:17] + ric.calc_check_digit(body + "0")


def example_uscc() -> str:
    body = "91441302MA4UJ8N1"
    return body + "2" + uscc.calc_check_digit(body + "2")


def _example_place(by: Any) -> tuple[str, str]:
    """A grid and building of the user's own scope for the example row (so that it validates as it is)."""
    building = Building.objects.visible_to(by).select_related("grid").order_by("code").first()
    if building is not None:
        return building.grid.code, building.code
    grid = Grid.objects.current().visible_to(by).order_by("code").first()
    return (grid.code if grid is not None else "441302001001001"), ""


def _example(kind: str, by: Any) -> dict[str, Any]:
    grid, building = _example_place(by)
    base: dict[str, Any] = {"网格编码": grid, "楼栋编码": building}
    if kind == ImportKind.PERSON:
        base.update(
            {
                "证件类型": "居民身份证",
                "证件号码": example_ric(),
                "性别": "男",
                "出生日期": "1980-05-17",
                "联系电话": "13800138000",
                "人口类型": "户籍人口",
                "居住方式": "自住",
                "婚姻状况": "已婚",
                "政治面貌": "群众",
                "学历": "高中/中专",
                "现住址详址": "惠城区某某路1号",
                "房号": "",
            }
        )
    elif kind == ImportKind.HOUSEHOLD:
        base.update({"户别": "家庭户", "户主证件号码": example_ric(), "立户日期": "2020-01-01", "房号": ""})
    elif kind == ImportKind.HOUSE:
        base = {"楼栋编码": building or f"{grid}00001"}
    elif kind == ImportKind.ORGANISATION:
        base.update(
            {
                "类别": "三小场所",
                "场所类型": "小商店",
                "统一社会信用代码": example_uscc(),
                "负责人": "李四",
                "联系电话": "07522345678",
                "地址": "惠城区某某路2号",
                "消防检查": "合格",
            }
        )
    return base


def template_filename(kind: str) -> str:
    return f"import-template-{kind}.xlsx"


def build_template(kind: str, by: Any) -> bytes:
    columns = COLUMNS[kind]
    example = _example(kind, by)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _("导入模板")
    bold = Font(bold=True)
    for i, col in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=i, value=col.header + ("*" if col.required else ""))
        cell.font = bold
        cell.fill = REQUIRED_FILL if col.required else HEADER_FILL
        value = example.get(col.header, col.example)
        ex = ws.cell(row=2, column=i, value=value)
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = max(10, len(col.header) * 2 + 4, len(str(value)) + 2)
        if col.kind in TEXT_KINDS:
            ex.number_format = "@"
            for row in range(3, 1003):  # the rows an office fills in keep every digit
                ws.cell(row=row, column=i).number_format = "@"
    ws.freeze_panes = "A2"

    notes = wb.create_sheet(_("填写说明"))
    notes.append([_("列名"), _("是否必填"), _("说明"), _("可选值")])
    for cell in notes[1]:
        cell.font = bold
        cell.fill = HEADER_FILL
    for col in columns:
        notes.append(
            [col.header, _("必填") if col.required else _("选填"), str(col.help), "、".join(col.choice_labels())]
        )
    notes.append([])
    notes.append([_("第一行为列名,请勿修改;第二行为示例,导入前请删除或改为真实数据。")])
    notes.append([_("网格、楼栋和房号须已存在,且在您的管辖范围内;有错误的行会被跳过并列入错误清单。")])
    for letter, width in zip("ABCD", (16, 10, 70, 50), strict=True):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def build_error_file(errors: Iterable[RowError], *, filename: str, by: Any) -> bytes:
    """The rejected rows: row, column, value (masked for ID numbers and phones), reason."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("错误清单"))
    ws.column_dimensions["A"].width = 8
    ws.column_dimensions["B"].width = 16
    ws.column_dimensions["C"].width = 24
    ws.column_dimensions["D"].width = 70
    now = timezone.localtime()
    ws.append([_("文件:%(f)s;导入人:%(u)s;生成时间:%(t)s") % {"f": filename, "u": by, "t": f"{now:%Y-%m-%d %H:%M}"}])
    header = []
    for text in (_("行号"), _("列"), _("值"), _("原因")):
        cell = WriteOnlyCell(ws, value=text)
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    for e in errors:
        ws.append([e.row, e.column, e.value, e.reason])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def error_filename(filename: str, when: dt.datetime | None = None) -> str:
    stem = filename.rsplit(".", 1)[0]
    return f"{stem}-errors.xlsx"
