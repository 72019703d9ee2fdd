"""In Chromium, the tasks page shows the photos of a task's report as thumbnails that load (served to the
dispatcher in scope); the page is saved as a screenshot (under ``$FIELDWORK_SHOTS`` when set)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gridgov.fieldwork import sync
from gridgov.fieldwork.services import assign_task
from gridgov.fieldwork.services.photos import receive_photo
from tests.browser.test_fieldwork_centre import dispatcher_page, shots  # noqa: F401  (fixtures)
from tests.case_factories import CaseCity, build_case_city, jpeg_with_gps
from tests.fieldwork_sync_factories import WORKER_GRID

pytestmark = [pytest.mark.browser]


@pytest.fixture
def photo_city(transactional_db: None, settings: Any, tmp_path: Any) -> tuple[CaseCity, str]:
    settings.MEDIA_ROOT = tmp_path / "media"
    cc = build_case_city()
    task = assign_task(
        by=cc.users["community"],
        category=cc.categories["rubbish"],
        kind="inspection",
        title="检查楼道堆放杂物",
        grid=cc.city.grids[WORKER_GRID],
        assignee=cc.users["worker"],
    )
    photo, record = str(uuid.uuid4()), str(uuid.uuid4())
    raw = {
        "uuid": record,
        "kind": "task_report",
        "made_at": timezone.now().isoformat(),
        "data": {"task": task.pk, "report": "楼道杂物已清理,照片为清理后"},
        "photos": [photo],
    }
    assert sync.handle_record(cc.users["worker"], raw).status == 201
    upload = SimpleUploadedFile("p.jpg", jpeg_with_gps(size=(320, 240)), content_type="image/jpeg")
    outcome = receive_photo(
        by=cc.users["worker"], photo_uuid=uuid.UUID(photo), record_uuid=uuid.UUID(record), upload=upload
    )
    assert outcome.status == 201
    return cc, photo


def test_the_tasks_page_shows_the_reports_photo(
    photo_city: tuple[CaseCity, str],
    dispatcher_page: Any,  # noqa: F811
    live_server: Any,
    shots: Path,  # noqa: F811
) -> None:
    _cc, photo = photo_city
    page = dispatcher_page
    page.goto(f"{live_server.url}/field/tasks/")
    thumb = page.locator(f'#tasks-table img[src="/field/photos/{photo}/"]')
    thumb.wait_for()
    page.wait_for_function(
        "src => { const i = document.querySelector(`img[src='${src}']`); return i?.complete && i.naturalWidth > 0 }",
        arg=f"/field/photos/{photo}/",
    )
    assert thumb.evaluate("i => i.naturalWidth") == 320
    page.screenshot(path=str(shots / "tasks-with-photo.png"), full_page=True)
