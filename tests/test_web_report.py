"""The report form: a grid worker or a resident reports a case through the service; a double submit is one case;
refusals (outside every grid, a bad photo, no category, no point) are shown next to their fields; users who do
not report through the form are refused."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from gridgov.cases.models import Case, CaseEvent, Source
from gridgov.cases.views.report import case_url
from gridgov.core.crs import from_wgs84
from gridgov.matters.models import MatterCategory

from .case_factories import POINT, CaseCity, jpeg_with_gps, make_category, png_bytes

URL = "/cases/report/"


def client_for(cc: CaseCity, username: str) -> Client:
    client = Client()
    client.force_login(cc.users[username])
    return client


def form_data(cc: CaseCity, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "category": cc.categories["rubbish"].pk,
        "lon": POINT[0],
        "lat": POINT[1],
        "crs": "wgs84",
        "address": "某路1号",
        "description": "垃圾暴露堆放",
        "urgency": "normal",
        "client_uuid": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def test_the_report_url_is_named() -> None:
    assert reverse("cases:report") == URL


def test_the_form_lists_the_categories_in_force_grouped_by_major(cc: CaseCity) -> None:
    major = make_category("09", "应急事件")
    make_category("0901", "道路积水", parent=major)
    later = make_category("0902", "尚未生效", parent=major)
    MatterCategory.objects.filter(pk=later.pk).update(published_on=None)
    response = client_for(cc, "worker").get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<optgroup label="09 应急事件">' in html
    assert "0901 道路积水" in html
    assert "尚未生效" not in html
    assert "0101 暴露垃圾" in html
    assert 'name="client_uuid"' in html and 'accept="image/jpeg,image/png,image/webp"' in html
    assert 'id="report-map"' in html


def test_a_grid_worker_reports_a_case_through_the_service(cc: CaseCity) -> None:
    response = client_for(cc, "worker").post(URL, form_data(cc))
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == case_url(case.number) == f"/cases/{case.number}/"
    assert case.reporter == cc.users["worker"]
    assert case.source == Source.PATROL
    assert case.grid_code == "441302001001001"
    assert case.description == "垃圾暴露堆放" and case.address == "某路1号"
    assert list(CaseEvent.objects.filter(case=case).values_list("action", flat=True)) == ["report"]


def test_the_same_client_uuid_twice_creates_one_case(cc: CaseCity) -> None:
    client = client_for(cc, "worker")
    data = form_data(cc)
    first = client.post(URL, data)
    second = client.post(URL, data)
    assert Case.objects.count() == 1
    assert first["Location"] == second["Location"]
    assert any("已经提交过" in str(m) for m in get_messages(second.wsgi_request))
    assert str(Case.objects.get().client_uuid) == data["client_uuid"]


def test_the_same_client_uuid_with_other_content_is_refused_and_says_so(cc: CaseCity) -> None:
    client = client_for(cc, "worker")
    data = form_data(cc)
    client.post(URL, data)
    response = client.post(URL, {**data, "description": "另一件事"})
    assert response.status_code == 400
    assert "内容不同" in response.content.decode()
    assert Case.objects.count() == 1


def test_a_point_outside_every_grid_is_shown_under_the_map(cc: CaseCity) -> None:
    response = client_for(cc, "worker").post(URL, form_data(cc, lon=113.0, lat=22.0))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="location-errors"' in html
    assert "不在任何网格内" in html.split('id="location-errors"')[1]
    assert not Case.objects.exists()


def test_a_missing_point_is_shown_under_the_map(cc: CaseCity) -> None:
    response = client_for(cc, "worker").post(URL, form_data(cc, lon="", lat=""))
    assert response.status_code == 400
    assert "请在地图上点选位置" in response.content.decode().split('id="location-errors"')[1]
    assert not Case.objects.exists()


def test_a_missing_category_is_shown_next_to_the_category(cc: CaseCity) -> None:
    response = client_for(cc, "worker").post(URL, form_data(cc, category=""))
    assert response.status_code == 400
    assert "请选择事项类别" in response.content.decode().split('id="errors-category"')[1]
    assert not Case.objects.exists()


def test_a_category_not_in_force_is_refused(cc: CaseCity) -> None:
    lapsed = make_category("0999", "已停用", is_active=False)
    response = client_for(cc, "worker").post(URL, form_data(cc, category=lapsed.pk))
    assert response.status_code == 400
    assert "不在现行事项清单中" in response.content.decode()
    assert not Case.objects.exists()


def test_a_file_that_is_not_an_image_is_shown_next_to_the_photos(cc: CaseCity) -> None:
    fake = SimpleUploadedFile("photo.jpg", b"not an image at all", content_type="image/jpeg")
    response = client_for(cc, "worker").post(URL, {**form_data(cc), "photos": [fake]})
    assert response.status_code == 400
    assert "JPEG、PNG 或 WebP" in response.content.decode().split('id="errors-photos"')[1]
    assert not Case.objects.exists()


def test_several_photos_are_stored_with_the_case(cc: CaseCity) -> None:
    photos = [
        SimpleUploadedFile("a.jpg", jpeg_with_gps(), content_type="image/jpeg"),
        SimpleUploadedFile("b.png", png_bytes(), content_type="image/png"),
    ]
    response = client_for(cc, "worker").post(URL, {**form_data(cc), "photos": photos})
    assert response.status_code == 302
    assert sorted(Case.objects.get().attachments.values_list("content_type", flat=True)) == ["image/jpeg", "image/png"]


def test_a_point_picked_on_gcj02_tiles_is_stored_in_wgs84(cc: CaseCity) -> None:
    lon, lat = from_wgs84(POINT[0], POINT[1], "gcj02")
    client_for(cc, "worker").post(URL, form_data(cc, lon=lon, lat=lat, crs="gcj02"))
    case = Case.objects.get()
    assert case.lon == pytest.approx(POINT[0], abs=1e-6) and case.lat == pytest.approx(POINT[1], abs=1e-6)


def test_a_resident_can_report_and_the_case_says_so(cc: CaseCity) -> None:
    client = client_for(cc, "resident")
    assert client.get(URL).status_code == 200
    response = client.post(URL, form_data(cc))
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.source == Source.RESIDENT and case.reporter == cc.users["resident"]


@pytest.mark.parametrize("username", ["nobody", "cm", "community", "district"])
def test_users_who_do_not_report_through_the_form_are_refused(cc: CaseCity, username: str) -> None:
    client = client_for(cc, username)
    assert client.get(URL).status_code == 403
    assert client.post(URL, form_data(cc)).status_code == 403
    assert not Case.objects.exists()


def test_an_anonymous_visitor_is_sent_to_log_in(cc: CaseCity) -> None:
    response = Client().get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_nav_offers_report_to_reporters_and_not_to_handlers(cc: CaseCity) -> None:
    assert 'id="nav-report"' in client_for(cc, "worker").get("/").content.decode()
    assert 'id="nav-report"' in client_for(cc, "resident").get("/").content.decode()
    assert 'id="nav-report"' not in client_for(cc, "cm").get("/").content.decode()
