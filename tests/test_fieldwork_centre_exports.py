"""Excel exports of the field-work lists: what the page shows, in the exporter's scope only, with who exported
it; a day's patrols with the flagged one marked, a month's coverage per grid and per worker, visits overdue
without ID numbers or phones, tasks; text that looks like a formula stays text."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from gridgov.fieldwork.services import assign_task
from gridgov.registry import services as registry

from .case_factories import CaseCity
from .fieldwork_centre_factories import G1, build_field_data
from .registry_factories import make_person, make_ric


@pytest.fixture
def data(cc: CaseCity) -> Any:
    return build_field_data(cc)


def workbook(cc: CaseCity, who: str, url: str) -> Any:
    client = Client()
    client.force_login(cc.users[who])
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment;" in response["Content-Disposition"]
    return load_workbook(io.BytesIO(response.content))


def sheets(cc: CaseCity, who: str, url: str) -> dict[str, list[tuple[Any, ...]]]:
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in workbook(cc, who, url).worksheets}


def body(rows: list[tuple[Any, ...]], first_header: str) -> list[tuple[Any, ...]]:
    start = next(i for i, r in enumerate(rows) if r and r[0] == first_header)
    return rows[start + 1 :]


def test_the_days_patrols_export_marks_the_flagged_one(cc: CaseCity, data: Any) -> None:
    (rows,) = sheets(cc, "community", "/field/tracks.xlsx?day=2026-03-05").values()
    assert rows[1][1] == cc.users["community"].display_name  # who exported it
    (patrol,) = body(rows, "网格员")
    assert patrol[1] == G1 and patrol[5] == 5.0 and patrol[6] == 9.0 and patrol[8] == "是" and patrol[9] == "轨迹跳变"


def test_the_coverage_export_has_grids_and_workers(cc: CaseCity, data: Any) -> None:
    grids, workers = sheets(cc, "community", "/field/coverage.xlsx?month=2026-03").values()
    g1 = next(r for r in body(grids, "网格编码") if r[0] == G1)
    assert g1[2:12] == (2, 4.5, 7.0, 4, 3, 2, 5, 5, "100.0%", 1)
    mine = next(r for r in body(workers, "网格员") if r[0] == cc.users["worker"].display_name)
    assert mine[3:12] == (3.5, 5.0, 3, 2, 1, 3, 5, "60.0%", 1)


def test_a_grid_worker_exports_only_their_own_coverage(cc: CaseCity, data: Any) -> None:
    _grids, workers = sheets(cc, "worker", "/field/coverage.xlsx?month=2026-03").values()
    assert [r[0] for r in body(workers, "网格员")] == [cc.users["worker"].display_name]


def test_the_visits_export_has_names_but_no_id_numbers_or_phones(cc: CaseCity, data: Any) -> None:
    person = make_person(cc.city, seq=31, name='=HYPERLINK("x")')
    registry.tag_person(by=cc.users["worker"], person=person, kind="elderly_alone", on=dt.date(2026, 2, 1))
    (rows,) = sheets(cc, "community", "/field/visits.xlsx").values()
    (row,) = body(rows, "网格编码")
    assert row[0] == G1 and row[1] == '=HYPERLINK("x")' and row[7] == 24
    # The value alone cannot tell a formula from text (openpyxl gives a formula's text too): the cell's type can.
    (sheet,) = workbook(cc, "community", "/field/visits.xlsx").worksheets
    (name_cell,) = [c for r in sheet.iter_rows() for c in r if c.value == '=HYPERLINK("x")']
    assert name_cell.data_type == "s"
    flat = " ".join(str(v) for r in rows for v in r)
    assert "13800000031" not in flat and make_ric(seq=31) not in flat
    (rows,) = sheets(cc, "outsider", "/field/visits.xlsx").values()
    assert body(rows, "网格编码") == []


def test_the_tasks_export_follows_the_filters_and_scope(cc: CaseCity, data: Any) -> None:
    assign_task(
        by=cc.users["community"],
        category=cc.categories["rubbish"],
        kind="inspection",
        title="检查暴露垃圾",
        grid=cc.city.grids[G1],
        assignee=cc.users["worker"],
    )
    (rows,) = sheets(cc, "community", "/field/tasks.xlsx").values()
    (task,) = body(rows, "编号")
    assert task[1] == "检查暴露垃圾" and task[2] == "0101 暴露垃圾" and task[9] == "待完成"
    (rows,) = sheets(cc, "community", "/field/tasks.xlsx?status=accepted").values()
    assert body(rows, "编号") == []
    (rows,) = sheets(cc, "outsider", "/field/tasks.xlsx").values()
    assert body(rows, "编号") == []
