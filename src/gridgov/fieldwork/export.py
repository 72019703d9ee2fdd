"""Excel exports of the centre's field-work lists: a day's patrols, a month's coverage (per grid and per worker),
home visits overdue, tasks. Written like ``cases.export``: the file says who exported it and when, times are
Beijing time, text is never a formula. Callers pass scoped querysets (``visible_to``); people appear by name only
(no ID number, no phone)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from gridgov.cases.export import SHANGHAI, XLSX_CONTENT_TYPE, _cell, _local, _yes_no, exporter_label
from gridgov.registry.models import PersonTag

from .figures import Report
from .models import OPEN_TASK_STATUSES, Patrol, Task

__all__ = ["XLSX_CONTENT_TYPE", "coverage_xlsx", "filename", "patrols_xlsx", "tasks_xlsx", "visits_overdue_xlsx"]

MAX_ROWS = 100_000


def filename(stem: str) -> str:
    stamp = timezone.localtime(timezone.now(), SHANGHAI).strftime("%Y%m%d-%H%M%S")
    return f"{stem}-{stamp}.xlsx"


def _sheet(workbook: Workbook, title: str, user: Any, headers: Sequence[tuple[str, int]], note: str = "") -> Any:
    sheet = workbook.create_sheet(title[:31])
    for index, (_h, width) in enumerate(headers):
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    sheet.append([_cell(sheet, title, bold=True)])
    sheet.append([_cell(sheet, _("导出人")), _cell(sheet, exporter_label(user))])
    exported = timezone.localtime(timezone.now(), SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
    sheet.append([_cell(sheet, _("导出时间(北京时间)")), _cell(sheet, exported)])
    if note:
        sheet.append([_cell(sheet, _("说明")), _cell(sheet, note)])
    sheet.append([])
    sheet.append([_cell(sheet, h, bold=True) for h, _w in headers])
    return sheet


def _rows(sheet: Any, rows: Iterable[Sequence[Any]]) -> None:
    for written, row in enumerate(rows):
        if written >= MAX_ROWS:
            sheet.append([_cell(sheet, _("超过 %(n)d 条的部分未导出,请缩小筛选范围。") % {"n": MAX_ROWS})])
            break
        sheet.append([_cell(sheet, v) for v in row])


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _name(user: Any) -> str:
    return str(getattr(user, "display_name", "") or user.get_username())


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def patrols_xlsx(patrols: QuerySet[Patrol], user: Any, day: dt.date) -> bytes:
    workbook = Workbook(write_only=True)
    headers = [
        (_("网格员"), 12),
        (_("网格编码"), 18),
        (_("网格"), 14),
        (_("开始(北京时间)"), 17),
        (_("结束(北京时间)"), 17),
        (_("时长(小时)"), 10),
        (_("里程(公里)"), 10),
        (_("轨迹点数"), 9),
        (_("存疑"), 6),
        (_("存疑原因"), 30),
    ]
    sheet = _sheet(workbook, _("巡查记录 %(d)s") % {"d": day.isoformat()}, user, headers)
    _rows(
        sheet,
        (
            [
                _name(p.worker),
                p.grid.code,
                p.grid.name,
                _local(p.started_at),
                _local(p.ended_at),
                round(p.duration_s / 3600, 2),
                round(p.distance_m / 1000, 2),
                p.points,
                _yes_no(p.flagged),
                "、".join(p.flag_labels),
            ]
            for p in patrols.select_related("worker", "grid").iterator(chunk_size=2000)
        ),
    )
    return _save(workbook)


def coverage_xlsx(report: Report, user: Any, month: dt.date) -> bytes:
    workbook = Workbook(write_only=True)
    figure_headers = [
        (_("巡查时长(小时)"), 12),
        (_("里程(公里)"), 10),
        (_("巡查次数"), 9),
        (_("巡查天数"), 9),
        (_("打卡楼栋数"), 10),
        (_("覆盖户数"), 9),
        (_("总户数"), 9),
        (_("覆盖率"), 9),
        (_("存疑巡查(不计入)"), 14),
    ]
    note = _("存疑巡查不计入时长、里程、天数和覆盖。")

    def values(f: Any) -> list[Any]:
        return [
            f.hours,
            f.km,
            f.patrols,
            f.days,
            f.buildings,
            f.households_covered,
            f.households_total,
            _pct(f.coverage),
            f.flagged,
        ]

    title = _("网格巡查覆盖 %(m)s") % {"m": month.strftime("%Y-%m")}
    grids = _sheet(
        workbook, title, user, [(_("网格编码"), 18), (_("网格"), 14), (_("网格员数"), 9), *figure_headers], note
    )
    _rows(grids, ([r.grid.code, r.grid.name, r.workers, *values(r.figures)] for r in report.grids))
    title = _("网格员巡查 %(m)s") % {"m": month.strftime("%Y-%m")}
    workers = _sheet(
        workbook, title, user, [(_("网格员"), 12), (_("网格编码"), 18), (_("网格"), 14), *figure_headers], note
    )
    _rows(workers, ([_name(r.worker), r.grid.code, r.grid.name, *values(r.figures)] for r in report.workers))
    return _save(workbook)


def visits_overdue_xlsx(tags: QuerySet[PersonTag], user: Any, today: dt.date) -> bytes:
    workbook = Workbook(write_only=True)
    headers = [
        (_("网格编码"), 18),
        (_("姓名"), 10),
        (_("类别"), 14),
        (_("关注程度"), 8),
        (_("走访周期(天)"), 10),
        (_("最近走访"), 11),
        (_("应走访日期"), 11),
        (_("超期天数"), 8),
        (_("包案人"), 10),
    ]
    note = _("仅含导出人有权查看的人员;不含证件号码和电话。")
    sheet = _sheet(workbook, _("走访超期 %(d)s") % {"d": today.isoformat()}, user, headers, note)
    _rows(
        sheet,
        (
            [
                t.scope_code,
                t.person.name,
                str(t.get_kind_display()),
                str(t.get_attention_level_display()),
                t.visit_every_days,
                t.last_visit_on,
                t.next_visit_due,
                (today - t.next_visit_due).days,
                _name(t.responsible) if t.responsible else "",
            ]
            for t in tags.select_related("person", "responsible").iterator(chunk_size=2000)
        ),
    )
    return _save(workbook)


def tasks_xlsx(tasks: QuerySet[Task], user: Any) -> bytes:
    workbook = Workbook(write_only=True)
    now = timezone.now()
    headers = [
        (_("编号"), 8),
        (_("标题"), 24),
        (_("事项"), 18),
        (_("任务类型"), 10),
        (_("网格编码"), 18),
        (_("网格员"), 10),
        (_("派发人"), 10),
        (_("派发时间(北京时间)"), 17),
        (_("完成时限(北京时间)"), 17),
        (_("状态"), 9),
        (_("超时"), 6),
        (_("催办次数"), 8),
        (_("反馈"), 40),
    ]
    sheet = _sheet(workbook, _("任务列表"), user, headers)
    _rows(
        sheet,
        (
            [
                t.pk,
                t.title,
                f"{t.category.code} {t.category.name}",
                str(t.get_kind_display()),
                t.grid.code,
                _name(t.assignee),
                _name(t.assigned_by),
                _local(t.assigned_at),
                _local(t.due_at),
                str(t.get_status_display()),
                _yes_no(t.overdue or (t.status in OPEN_TASK_STATUSES and t.due_at < now)),
                t.reminders,
                t.report,
            ]
            for t in tasks.select_related("category", "grid", "assignee", "assigned_by").iterator(chunk_size=2000)
        ),
    )
    return _save(workbook)
