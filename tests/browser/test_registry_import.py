"""In Chromium, the import wizard as a community dispatcher: download the template, upload a small Excel file with
errors, read the dry run, confirm, download the error file, fix the rows, re-import the corrected file and see
everything imported (updated, not duplicated); and the job page's progress bar, which htmx polls until the job
has been validated.

Screenshots of every page go to ``$GRIDGOV_SCREENSHOTS`` when set (else the test's temporary directory)."""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from gridgov.registry.models import ImportJob, ImportStatus, Person
from tests.factories import PASSWORD, MiniCity, build_mini_city
from tests.registry_factories import make_ric

pytestmark = [pytest.mark.browser]

GRID = "441302001001001"
BUILDING = f"{GRID}00001"
OUT_OF_SCOPE_GRID = "441302001002001"  # the next community: not the dispatcher's
HEADERS = ["证件号码*", "姓名*", "性别", "人口类型*", "联系电话", "网格编码", "楼栋编码", "房号"]


@pytest.fixture
def city(transactional_db: None, settings: Any, tmp_path: Path) -> MiniCity:
    settings.MEDIA_ROOT = tmp_path / "media"
    return build_mini_city()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("GRIDGOV_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def dispatcher(chromium: Any, live_server: Any, city: MiniCity) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", city.users["community"].username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    yield page
    context.close()


def ric(seq: int) -> str:
    return make_ric(dt.date(1990, 7, 1), seq=seq)


def person(seq: int, **cells: Any) -> list[Any]:
    row = {
        "证件号码*": ric(seq),
        "姓名*": f"测试居民{seq}",
        "性别": "男" if seq % 2 else "女",
        "人口类型*": "户籍人口",
        "联系电话": f"1370000{seq:04d}",
        "网格编码": GRID,
        "楼栋编码": BUILDING,
        "房号": "101",
    }
    row.update(cells)
    return [row[h] for h in HEADERS]


def write_xlsx(path: Path, rows: list[list[Any]]) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADERS)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def upload(page: Any, base: str, path: Path) -> None:
    page.goto(f"{base}/registry/import/")
    page.check("input[name=kind][value=person]")
    page.set_input_files("#id_file", str(path))
    with page.expect_navigation():
        page.click("#import-form button[type=submit]")
    page.wait_for_selector("#job-status[data-status=validated]")


def figure(page: Any, name: str) -> int:
    return int(page.locator(f"#count-{name}").inner_text())


def test_import_with_errors_fix_and_reimport(dispatcher: Any, live_server: Any, shots: Path, tmp_path: Path) -> None:
    page, base = dispatcher, live_server.url
    page.goto(f"{base}/registry/import/")
    page.screenshot(path=str(shots / "import-index.png"), full_page=True)
    with page.expect_download() as download:
        page.click("#template-person")
    template = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert template.worksheets[0]["B1"].value == "证件号码*"
    assert template.worksheets[1].title == "填写说明"

    bad_checksum = ric(4)[:-1] + ("1" if ric(4)[-1] != "1" else "2")
    first = [
        person(1),
        person(2),
        person(3),
        person(4, **{"证件号码*": bad_checksum}),
        person(5, 网格编码=OUT_OF_SCOPE_GRID, 楼栋编码="", 房号=""),
        person(6, 性别="男性"),
    ]
    upload(page, base, write_xlsx(tmp_path / "居民.xlsx", first))
    assert (figure(page, "total"), figure(page, "new"), figure(page, "errors")) == (6, 3, 3)
    table = page.locator("#error-table").inner_text()
    assert "身份证号码校验码不正确" in table and "不在您的管辖范围内" in table and "不是有效选项" in table
    assert bad_checksum not in page.content()  # masked on the page
    page.screenshot(path=str(shots / "import-dry-run.png"), full_page=True)
    assert Person.objects.count() == 0

    with page.expect_download() as download:
        page.click("#error-file")
    errors = list(load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).worksheets[0].values)[2:]
    assert sorted((r[0], r[1]) for r in errors) == [(5, "证件号码"), (6, "网格编码"), (7, "性别")]
    assert all(bad_checksum not in str(r) for r in errors)

    with page.expect_navigation():
        page.click("#confirm-import")
    page.wait_for_selector("#job-status[data-status=done]")
    assert (figure(page, "created"), figure(page, "updated"), figure(page, "errors")) == (3, 0, 3)
    page.screenshot(path=str(shots / "import-done-with-errors.png"), full_page=True)
    assert Person.objects.count() == 3

    # The office fixes the three rows and imports the whole corrected file again.
    fixed = [person(1), person(2), person(3), person(4), person(5), person(6)]
    upload(page, base, write_xlsx(tmp_path / "居民-修正.xlsx", fixed))
    assert (figure(page, "new"), figure(page, "update"), figure(page, "errors")) == (3, 3, 0)
    assert not page.locator("#error-file").count()
    with page.expect_navigation():
        page.click("#confirm-import")
    page.wait_for_selector("#job-status[data-status=done]")
    assert (figure(page, "created"), figure(page, "updated"), figure(page, "errors")) == (3, 3, 0)
    page.screenshot(path=str(shots / "import-done.png"), full_page=True)
    assert Person.objects.count() == 6
    assert sorted(p.id_number.reveal() for p in Person.objects.all()) == sorted(ric(s) for s in range(1, 7))

    page.goto(f"{base}/registry/import/")
    assert page.locator("#import-jobs tbody tr").count() == 2
    page.screenshot(path=str(shots / "import-index-jobs.png"), full_page=True)


def test_the_job_page_polls_until_validation_ends(
    dispatcher: Any, live_server: Any, city: MiniCity, shots: Path
) -> None:
    page, base = dispatcher, live_server.url
    job = ImportJob.objects.create(
        kind="person",
        filename="大文件.xlsx",
        created_by=city.users["community"],
        status=ImportStatus.VALIDATING,
        total_rows=1000,
        processed_rows=400,
    )
    page.goto(f"{base}/registry/import/{job.pk}/")
    assert page.locator("#job-progress").get_attribute("value") == "40"
    page.screenshot(path=str(shots / "import-progress.png"), full_page=True)
    ImportJob.objects.filter(pk=job.pk).update(processed_rows=700)
    page.wait_for_function("document.querySelector('#job-progress')?.value === 70")
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.VALIDATED,
        processed_rows=1000,
        valid_rows=1000,
        summary={"new": 990, "update": 10, "errors": [], "error_count": 0},
    )
    page.wait_for_selector("#job-status[data-status=validated]")
    assert figure(page, "new") == 990
    assert page.locator("#confirm-import").is_visible()
