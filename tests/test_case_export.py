"""Excel export of case lists: the file opens, has only the cases the user may see (with the list's filters), no
reporter name, says who exported it and when, and writes text that looks like a formula as text."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook
from rest_framework.test import APIClient

from gridgov.cases import services
from gridgov.cases.export import XLSX_CONTENT_TYPE, export_cases_xlsx
from gridgov.cases.models import Case

from .case_factories import CaseCity


def rows(content: bytes) -> list[tuple[Any, ...]]:
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def table(content: bytes) -> list[dict[str, Any]]:
    """The case rows as dicts keyed by the Chinese headers (the header row starts with 案件编号)."""
    all_rows = rows(content)
    start = next(i for i, row in enumerate(all_rows) if row and row[0] == "案件编号")
    header = all_rows[start]
    return [dict(zip(header, row, strict=False)) for row in all_rows[start + 1 :] if row and row[0]]


def named(cc: CaseCity, username: str, name: str) -> None:
    user = cc.users[username]
    user.display_name = name
    user.save()


def test_the_file_has_only_visible_cases_no_reporter_and_names_the_exporter(cc: CaseCity) -> None:
    named(cc, "resident", "王小明")
    named(cc, "community", "李调度")
    mine = cc.report(by="resident", source="resident")
    cc.report(by="outsider", source="hotline", point=(114.47, 23.12))  # another district
    content = export_cases_xlsx(Case.objects.all(), cc.users["community"])
    cases = table(content)
    assert [c["案件编号"] for c in cases] == [mine.number]
    assert cases[0]["上报人"] == "已隐藏"
    assert cases[0]["状态"] == "已上报"
    assert cases[0]["事项大类"] == "暴露垃圾"
    text = str(rows(content))
    assert "王小明" not in text
    assert "李调度" in text
    assert "导出时间" in text and "2026-03-04 10:00:00" in text  # Beijing time of the frozen clock
    assert load_workbook(io.BytesIO(content)).properties.creator == "李调度"


def test_a_description_that_looks_like_a_formula_is_written_as_text(cc: CaseCity) -> None:
    cc.report(description='=HYPERLINK("http://example.invalid","点我")')
    cases = table(export_cases_xlsx(Case.objects.all(), cc.users["community"]))
    assert cases[0]["描述"] == '=HYPERLINK("http://example.invalid","点我")'
    sheet = load_workbook(io.BytesIO(export_cases_xlsx(Case.objects.all(), cc.users["community"]))).active
    assert sheet is not None
    cells = [c for row in sheet.iter_rows() for c in row if c.value and str(c.value).startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)


def test_the_api_export_uses_the_list_filters_and_scope(cc: CaseCity, api: APIClient) -> None:
    rubbish = cc.report()
    building = cc.report(category="building", description="违章搭建")
    services.accept_case(building, by=cc.users["community"])
    cc.report(by="outsider", source="hotline", point=(114.47, 23.12))
    api.force_authenticate(cc.users["community"])
    response = api.get("/api/v1/cases/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    assert {c["案件编号"] for c in table(response.content)} == {rubbish.number, building.number}
    filtered = api.get("/api/v1/cases/export.xlsx?status=accepted")
    assert [c["案件编号"] for c in table(filtered.content)] == [building.number]
    assert api.get("/api/v1/cases/export.xlsx?overdue=perhaps").status_code == 400


def test_a_unit_exports_only_its_own_cases_and_a_stranger_an_empty_table(cc: CaseCity, api: APIClient) -> None:
    case = cc.report()
    cc.report()
    services.accept_case(case, by=cc.users["community"])
    services.dispatch_case(case, to=cc.units["cm"], by=cc.users["community"])
    api.force_authenticate(cc.users["cm"])
    assert [c["案件编号"] for c in table(api.get("/api/v1/cases/export.xlsx").content)] == [case.number]
    api.force_authenticate(cc.users["nobody"])
    assert table(api.get("/api/v1/cases/export.xlsx").content) == []


def test_anonymous_clients_cannot_export(cc: CaseCity, api: APIClient) -> None:
    cc.report()
    assert api.get("/api/v1/cases/export.xlsx").status_code == 401
