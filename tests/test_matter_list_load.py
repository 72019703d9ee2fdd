"""The default matter list loads by command and function, twice without duplicates, with DOMAIN's time limits;
a bad file is refused whole with every bad row named."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from gridgov.matters.loader import MatterListError, load_matter_list, load_matter_list_text
from gridgov.matters.models import NEVER_GRID_ASSIGNABLE, MatterCategory, MatterKind, MatterVersion
from gridgov.matters.services import assert_grid_assignable

pytestmark = pytest.mark.django_db

HEADER = "编码,名称,大类编码,性质,责任单位类型,默认处置层级,可派网格员,网格员可自行处置,办理时限,办理时限单位\n"


def test_the_default_list_loads_twice_without_duplicates() -> None:
    first = load_matter_list()
    count = MatterCategory.objects.count()
    assert len(first.created) == count >= 50 and first.existing == []
    second = load_matter_list()
    assert second.created == [] and len(second.existing) == count
    assert MatterCategory.objects.count() == count
    assert MatterVersion.objects.count() == count  # one first version each, not two


def test_the_command_loads_it_and_says_what_it_did() -> None:
    out = io.StringIO()
    call_command("load_matter_list", stdout=out)
    assert "新增" in out.getvalue()
    out = io.StringIO()
    call_command("load_matter_list", stdout=out)
    assert "新增 0 项" in out.getvalue()


def test_the_default_list_is_two_levels_with_the_major_classes_and_the_grid_worker_matters() -> None:
    load_matter_list()
    majors = set(MatterCategory.objects.filter(parent=None).values_list("name", flat=True))
    assert {"城市管理事件", "城市管理部件", "矛盾纠纷", "安全隐患", "特殊人群关爱", "群众诉求", "突发事件"} <= majors
    for minor in MatterCategory.objects.exclude(parent=None).select_related("parent"):
        assert minor.parent is not None and minor.parent.parent is None and minor.code.startswith(minor.parent.code)
    worker_kinds = {
        MatterKind.PUBLICITY,
        MatterKind.INFORMATION,
        MatterKind.SCREENING,
        MatterKind.INSPECTION,
        MatterKind.CARE,
        MatterKind.ERRAND,
        MatterKind.EMERGENCY,
    }
    listed = set(MatterCategory.objects.filter(grid_assignable=True).values_list("kind", flat=True))
    assert worker_kinds <= listed
    for category in MatterCategory.objects.filter(grid_assignable=True):
        assert_grid_assignable(category)


def test_licensing_and_penalty_matters_are_listed_but_never_grid_assignable() -> None:
    load_matter_list()
    forbidden = MatterCategory.objects.filter(kind__in=[k.value for k in NEVER_GRID_ASSIGNABLE])
    assert {"licensing", "penalty", "enforcement"} <= set(forbidden.values_list("kind", flat=True))
    assert not forbidden.filter(grid_assignable=True).exists()


@pytest.mark.parametrize(
    ("code", "amount", "unit"),
    [
        ("0101", 4, "hours"),  # exposed rubbish: 4 working hours
        ("0104", 4, "hours"),  # illegal construction, stop work
        ("0105", 20, "days"),  # illegal construction, demolition
        ("0201", 2, "clock_hours"),  # danger to life or property: round the clock
        ("0203", 24, "clock_hours"),  # water
        ("0204", 24, "clock_hours"),  # power
        ("0205", 24, "clock_hours"),  # gas
        ("0206", 24, "clock_hours"),  # heating
        ("0702", 2, "clock_hours"),  # danger to life
        ("0301", 7, "days"),  # general
        ("0302", 15, "days"),  # complex
    ],
)
def test_the_default_time_limits_are_domains(code: str, amount: int, unit: str) -> None:
    load_matter_list()
    assert MatterCategory.objects.get(code=code).limit("handle") == (amount, unit)


def test_a_bad_file_is_refused_whole_naming_each_bad_row() -> None:
    text = (
        HEADER
        + "50,测试大类,,一般事项,,社区,否,否,7,工作日\n"
        + "5001,好的,50,一般事项,城市管理,社区,是,否,7,工作日\n"
        + "5002,罚款,50,行政处罚,城市管理,区县,是,否,15,工作日\n"
        + "5003,时限错,50,一般事项,城市管理,社区,否,否,几天,工作日\n"
        + "5004,孤儿,77,一般事项,城市管理,社区,否,否,7,工作日\n"
        + "5005,性质错,50,随便,城市管理,社区,否,否,7,工作日\n"
    )
    with pytest.raises(MatterListError) as info:
        load_matter_list_text(text)
    errors = "\n".join(info.value.errors)
    assert "第 4 行 可派网格员" in errors and "不得列入网格事项清单" in errors
    assert "第 5 行 办理时限" in errors
    assert "第 6 行 大类编码" in errors
    assert "第 7 行 性质" in errors
    assert not MatterCategory.objects.exists()


def test_the_command_reports_a_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "list.csv"
    bad.write_text("编号,名字\n1,x\n", encoding="utf-8")
    with pytest.raises(CommandError) as info:
        call_command("load_matter_list", str(bad), stdout=io.StringIO())
    assert "缺少列" in str(info.value) and "无法识别的列" in str(info.value)
