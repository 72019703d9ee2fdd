"""Every kind of bad import row gets its own reason — row number as in the file, the column's header, the value
(masked for ID numbers and phones) and the rule — and good rows are written, matched on re-import.

These go through :func:`gridgov.registry.importing.import_rows`, the engine the jobs use (the jobs' files are
tested in test_registry_import_jobs.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from stdnum.cn import uscc

from gridgov.registry.importing import RowError, import_rows
from gridgov.registry.models import Household, Membership, Organisation, Person
from gridgov.territory.models import House
from tests.factories import MiniCity

from .registry_factories import make_person, make_ric

GRID = "441302001001001"
OTHER_GRID = "441302001001002"  # same community, another grid: outside the grid worker's scope
BUILDING = f"{GRID}00001"


def person_row(seq: int = 1, **cells: Any) -> dict[str, Any]:
    row = {
        "证件号码": make_ric(dt.date(1985, 3, 9), seq=seq),
        "姓名": f"导入{seq}",
        "人口类型": "户籍人口",
        "联系电话": f"1390000{seq:04d}",
        "网格编码": GRID,
        "楼栋编码": BUILDING,
        "房号": "101",
    }
    row.update(cells)
    return row


def errors_of(city: MiniCity, *rows: dict[str, Any], by: str = "worker", kind: str = "person") -> list[RowError]:
    return import_rows(kind, rows, by=city.users[by], dry_run=True).errors


def only_error(city: MiniCity, row: dict[str, Any], **kw: Any) -> RowError:
    errors = errors_of(city, row, **kw)
    assert len(errors) == 1, errors
    return errors[0]


def test_a_good_row_has_no_error_and_a_dry_run_writes_nothing(city: MiniCity) -> None:
    result = import_rows("person", [person_row()], by=city.users["worker"], dry_run=True)
    assert result.errors == []
    assert (result.created, result.updated) == (1, 0)
    assert Person.objects.count() == 0


def test_it_rejects_a_bad_checksum_with_the_value_masked(city: MiniCity) -> None:
    good = make_ric(dt.date(1985, 3, 9), seq=1)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    e = only_error(city, person_row(证件号码=bad))
    assert (e.row, e.column, e.reason) == (2, "证件号码", "身份证号码校验码不正确。")
    assert e.value == bad[:4] + "*" * 10 + bad[-4:]
    assert bad not in repr(e)


def test_it_accepts_a_15_digit_number_and_stores_it_upgraded(city: MiniCity) -> None:
    legacy = "441302850309001"
    result = import_rows("person", [person_row(证件号码=legacy)], by=city.users["worker"])
    assert result.errors == [] and result.created == 1
    person = Person.objects.get()
    assert person.id_number.reveal() == make_ric(dt.date(1985, 3, 9), seq=1)
    assert (person.sex, person.birth_date) == ("male", dt.date(1985, 3, 9))


def test_it_rejects_a_sex_that_contradicts_the_id_number(city: MiniCity) -> None:
    e = only_error(city, person_row(性别="女"))
    assert e.column == "性别" and "性别与身份证号码不一致" in e.reason


def test_it_rejects_a_birth_date_that_contradicts_the_id_number(city: MiniCity) -> None:
    e = only_error(city, person_row(出生日期="1985-03-10"))
    assert e.column == "出生日期" and "出生日期与身份证号码不一致" in e.reason


def test_it_reads_birth_dates_written_several_ways(city: MiniCity) -> None:
    for text in ("1985-03-09", "1985/3/9", "19850309", "1985年3月9日", dt.date(1985, 3, 9)):
        assert errors_of(city, person_row(出生日期=text)) == [], text
    e = only_error(city, person_row(出生日期="九日"))
    assert e.column == "出生日期" and "日期格式不正确" in e.reason


def test_it_rejects_an_unknown_grid_or_building_or_house(city: MiniCity) -> None:
    e = only_error(city, person_row(网格编码="441302001001099", 楼栋编码="", 房号=""))
    assert (e.column, e.reason) == ("网格编码", "网格编码不存在。")
    e = only_error(city, person_row(楼栋编码=f"{GRID}00099", 房号=""))
    assert (e.column, e.reason) == ("楼栋编码", "楼栋编码不存在。")
    e = only_error(city, person_row(房号="909"))
    assert (e.column, e.reason) == ("房号", "该楼栋下没有此房号。")
    e = only_error(city, person_row(楼栋编码=f"{OTHER_GRID}00001", 房号=""))
    assert (e.column, e.reason) == ("楼栋编码", "楼栋不在所填网格内。")


def test_it_rejects_a_place_outside_the_importers_scope(city: MiniCity) -> None:
    e = only_error(city, person_row(网格编码=OTHER_GRID, 楼栋编码="", 房号=""))
    assert e.column == "网格编码" and "不在您的管辖范围内" in e.reason
    # the community dispatcher's scope covers both grids
    assert errors_of(city, person_row(网格编码=OTHER_GRID, 楼栋编码="", 房号=""), by="community") == []


def test_it_rejects_a_person_registered_outside_the_scope(city: MiniCity) -> None:
    make_person(city, by="community", grid=OTHER_GRID, seq=1, id_number=make_ric(dt.date(1985, 3, 9), seq=1))
    e = only_error(city, person_row())
    assert e.column == "证件号码" and "不在您的管辖范围内" in e.reason


def test_it_rejects_a_bad_phone(city: MiniCity) -> None:
    e = only_error(city, person_row(联系电话="1390000"))
    assert e.column == "联系电话" and "电话号码格式不正确" in e.reason
    assert e.value == "***0000"


def test_it_names_each_missing_required_field(city: MiniCity) -> None:
    errors = errors_of(city, person_row(姓名="", 人口类型="", 证件号码=""))
    assert {(e.column, e.reason) for e in errors} == {
        ("姓名", "此项为必填项。"),
        ("人口类型", "此项为必填项。"),
        ("证件号码", "此项为必填项。"),
    }
    e = only_error(city, person_row(网格编码="", 楼栋编码="", 房号=""))
    assert e.reason == "请填写网格编码或楼栋编码。"


def test_it_rejects_a_duplicate_id_number_within_the_file(city: MiniCity) -> None:
    rows = [person_row(1), person_row(2), person_row(1, 姓名="又一个")]
    errors = errors_of(city, *rows)
    assert [(e.row, e.column, e.reason) for e in errors] == [(4, "证件号码", "与第2行的证件号码重复。")]


def test_it_rejects_a_choice_not_given_by_its_label(city: MiniCity) -> None:
    e = only_error(city, person_row(人口类型="外来人口"))
    assert e.column == "人口类型"
    assert "不是有效选项" in e.reason and "户籍人口、流动人口、境外人员" in e.reason
    assert errors_of(city, person_row(人口类型="流动人口", 性别="男", 居住方式="租住")) == []


def test_it_counts_rows_as_numbered_in_the_file(city: MiniCity) -> None:
    rows = [(2, person_row(1)), (5, person_row(2, 联系电话="12"))]
    (e,) = import_rows("person", rows, by=city.users["worker"], dry_run=True).errors
    assert e.row == 5


def test_reimporting_updates_and_never_duplicates(city: MiniCity) -> None:
    by = city.users["worker"]
    first = import_rows("person", [person_row(1), person_row(2)], by=by)
    assert (first.created, first.updated) == (2, 0)
    again = import_rows("person", [person_row(1, 姓名="改名"), person_row(2), person_row(3)], by=by)
    assert (again.created, again.updated) == (1, 2)
    assert Person.objects.count() == 3
    changed = Person.objects.get(name="改名")
    assert changed.version == 2
    assert changed.phone.reveal() == "13900000001"
    assert Person.objects.filter(phone_index=changed.phone_index).count() == 1


def test_a_column_missing_from_the_file_is_left_alone(city: MiniCity) -> None:
    by = city.users["worker"]
    import_rows("person", [person_row(1)], by=by)
    row = person_row(1, 姓名="新名")
    del row["联系电话"]
    result = import_rows("person", [row], by=by, headers=list(row))
    assert result.updated == 1
    person = Person.objects.get()
    assert person.name == "新名" and person.phone.reveal() == "13900000001"


# --- households, houses, organisations ------------------------------------------------------------------------


def test_households_need_a_registered_head_in_scope(city: MiniCity) -> None:
    head = make_person(city, seq=7)
    out = make_person(city, by="community", grid=OTHER_GRID, seq=8)
    row = {"户号": "H001", "户主证件号码": head.id_number.reveal(), "楼栋编码": BUILDING, "房号": "101"}
    assert errors_of(city, row, kind="household") == []
    e = only_error(city, {**row, "户主证件号码": make_ric(seq=99)}, kind="household")
    assert e.column == "户主证件号码" and "未登记" in e.reason and e.value.count("*") == 10
    e = only_error(city, {**row, "户主证件号码": out.id_number.reveal()}, kind="household")
    assert "不在您的管辖范围内" in e.reason
    errors = errors_of(
        city, row, {**row, "户主证件号码": make_person(city, seq=9).id_number.reveal()}, kind="household"
    )
    assert [(e.row, e.column, e.reason) for e in errors] == [(3, "户号", "与第2行的户号重复。")]


def test_households_are_created_with_their_head_and_updated_on_reimport(city: MiniCity) -> None:
    head = make_person(city, seq=7)
    by = city.users["worker"]
    row = {
        "户号": "H001",
        "户别": "家庭户",
        "户主证件号码": head.id_number.reveal(),
        "楼栋编码": BUILDING,
        "房号": "101",
    }
    assert import_rows("household", [row], by=by).created == 1
    household = Household.objects.get()
    assert household.scope_code == GRID and household.house is not None
    assert household.current_members().get().person == head
    result = import_rows("household", [{**row, "户别": "集体户"}], by=by)
    assert (result.created, result.updated) == (0, 1)
    assert Household.objects.get().kind == "collective" and Membership.objects.count() == 1
    other = make_person(city, seq=8)
    e = only_error(city, {**row, "户主证件号码": other.id_number.reveal()}, kind="household")
    assert "户主与已登记的不一致" in e.reason
    e = only_error(city, {**row, "户号": "H002"}, kind="household")
    assert "已是另一户(户号 H001)的在册成员" in e.reason


def test_houses_are_matched_on_building_and_number(city: MiniCity) -> None:
    by = city.users["worker"]
    rows = [
        {"楼栋编码": BUILDING, "房号": "301", "楼层": "3", "建筑面积": "88.5"},
        {"楼栋编码": BUILDING, "房号": "101"},
    ]
    result = import_rows("house", rows, by=by)
    assert (result.created, result.updated) == (1, 1)
    assert House.objects.get(building__code=BUILDING, number="301").area_m2 == 88.5
    e = only_error(city, {"楼栋编码": BUILDING, "房号": "401", "楼层": "三"}, kind="house")
    assert (e.column, e.reason) == ("楼层", "应为不小于0的整数。")
    e = only_error(city, {"楼栋编码": f"{OTHER_GRID}00001", "房号": "401"}, kind="house")
    assert "不在您的管辖范围内" in e.reason
    errors = errors_of(city, {"楼栋编码": BUILDING, "房号": "501"}, {"楼栋编码": BUILDING, "房号": "501"}, kind="house")
    assert [(e.row, e.reason) for e in errors] == [(3, "与第2行的楼栋和房号重复。")]


def good_uscc(seq: int = 1) -> str:
    body = f"91441302MA4UJ8N{seq:02d}"
    return body + uscc.calc_check_digit(body)


def test_organisations_are_validated_and_matched_on_their_credit_code(city: MiniCity) -> None:
    by = city.users["worker"]
    row = {
        "名称": "便利店",
        "类别": "三小场所",
        "场所类型": "小商店",
        "统一社会信用代码": good_uscc(),
        "楼栋编码": BUILDING,
    }
    assert import_rows("organisation", [row], by=by).created == 1
    org = Organisation.objects.get()
    assert org.grid is not None and org.lon == city.buildings[GRID].lon
    result = import_rows("organisation", [{**row, "名称": "便利店(新)"}], by=by)
    assert (result.created, result.updated) == (0, 1)
    assert Organisation.objects.get().name == "便利店(新)"
    code = good_uscc()
    e = only_error(
        city, {**row, "统一社会信用代码": code[:-1] + ("1" if code[-1] != "1" else "2")}, kind="organisation"
    )
    assert (e.column, e.reason) == ("统一社会信用代码", "统一社会信用代码校验码不正确。")
    e = only_error(city, {**row, "统一社会信用代码": "", "场所类型": ""}, kind="organisation")
    assert e.column == "场所类型" and "三小场所须注明类型" in e.reason
    e = only_error(city, {**row, "类别": "公司"}, kind="organisation")
    assert e.column == "类别" and "不是有效选项" in e.reason


def test_organisations_without_a_credit_code_are_matched_on_name_and_grid(city: MiniCity) -> None:
    by = city.users["worker"]
    row = {"名称": "张记小吃", "类别": "三小场所", "场所类型": "小餐饮", "网格编码": GRID}
    import_rows("organisation", [row], by=by)
    assert import_rows("organisation", [{**row, "从业人数": "4"}], by=by).updated == 1
    assert Organisation.objects.get().employees == 4


@pytest.mark.parametrize("kind", ["person", "household", "house", "organisation"])
def test_a_user_without_the_person_change_scope_gets_every_row_out_of_scope(city: MiniCity, kind: str) -> None:
    # The sub-district dispatcher may start imports (importjob add) but edits no one's records.
    rows = {
        "person": person_row(),
        "household": {"户号": "H9", "户主证件号码": make_person(city, seq=5).id_number.reveal(), "网格编码": GRID},
        "house": {"楼栋编码": BUILDING, "房号": "909"},
        "organisation": {"名称": "店", "类别": "企业", "网格编码": GRID},
    }[kind]
    errors = errors_of(city, rows, by="subdistrict", kind=kind)
    assert errors and all("不在您的管辖范围内" in e.reason for e in errors)
