"""POST /api/v1/cases/: intake over HTTP is idempotent on the client UUID (201 new, 200 replay, 409 with the
differing fields), takes multipart photos, offers duplicates, names the field of bad input, and answers with a slim
body (the detail is at its ``url``)."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from gridgov.cases.models import Case, CaseAttachment

from .case_factories import POINT, CaseCity, jpeg_with_gps


def body(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "source": "patrol",
        "category": "0101",
        "lon": POINT[0],
        "lat": POINT[1],
        "description": "垃圾暴露堆放",
        "address": "某路1号",
    }
    data.update(overrides)
    return data


def test_a_new_report_is_201_and_the_same_uuid_and_content_again_is_200_with_the_same_case(
    cc: CaseCity, api: APIClient
) -> None:
    api.force_authenticate(cc.users["worker"])
    client_uuid = str(uuid.uuid4())
    first = api.post("/api/v1/cases/", body(client_uuid=client_uuid), format="json")
    assert first.status_code == 201, first.json()
    number = first.json()["number"]
    assert first.json()["status"] == "reported"
    assert first.json()["grid_code"] == "441302001001001"
    assert Case.objects.get().grid.code == "441302001001001"  # type: ignore[union-attr]
    again = api.post("/api/v1/cases/", body(client_uuid=client_uuid), format="json")
    assert again.status_code == 200
    assert again.json()["number"] == number
    assert Case.objects.count() == 1


def test_the_same_uuid_with_different_content_is_409_naming_the_fields(cc: CaseCity, api: APIClient) -> None:
    api.force_authenticate(cc.users["worker"])
    client_uuid = str(uuid.uuid4())
    first = api.post("/api/v1/cases/", body(client_uuid=client_uuid), format="json")
    response = api.post(
        "/api/v1/cases/", body(client_uuid=client_uuid, description="别的内容", urgency="urgent"), format="json"
    )
    assert response.status_code == 409
    assert set(response.json()["fields"]) == {"description", "urgency"}
    assert response.json()["case"] == first.json()["number"]
    assert Case.objects.count() == 1


def test_photos_come_as_multipart_and_are_served_without_exif(cc: CaseCity, api: APIClient) -> None:
    api.force_authenticate(cc.users["worker"])
    photo = SimpleUploadedFile("IMG_0001.jpg", jpeg_with_gps(), content_type="image/jpeg")
    response = api.post("/api/v1/cases/", {**body(), "photos": [photo]}, format="multipart")
    assert response.status_code == 201, response.json()
    detail = api.get(response.json()["url"])
    assert detail.status_code == 200
    attachments = detail.json()["attachments"]
    assert len(attachments) == 1
    assert "IMG_0001" not in attachments[0]["url"]
    stored = CaseAttachment.objects.get()
    assert stored.exif_lon is not None
    assert b"Exif" not in stored.file.read()
    number = response.json()["number"]
    assert attachments[0]["url"].endswith(f"/api/v1/cases/{number}/photos/{stored.pk}/")
    served = api.get(f"/api/v1/cases/{number}/photos/{stored.pk}/")
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert b"Exif" not in b"".join(served.streaming_content)  # type: ignore[arg-type]
    api.force_authenticate(cc.users["outsider"])
    assert api.get(f"/api/v1/cases/{number}/photos/{stored.pk}/").status_code == 404


def test_a_file_that_is_not_a_photo_is_a_400_on_photos(cc: CaseCity, api: APIClient) -> None:
    api.force_authenticate(cc.users["worker"])
    fake = SimpleUploadedFile("a.jpg", b"MZ not an image at all", content_type="image/jpeg")
    response = api.post("/api/v1/cases/", {**body(), "photos": [fake]}, format="multipart")
    assert response.status_code == 400
    assert "photos" in response.json()
    assert Case.objects.count() == 0


def test_the_response_offers_open_cases_of_the_same_category_nearby(cc: CaseCity, api: APIClient) -> None:
    earlier = cc.report()
    api.force_authenticate(cc.users["worker"])
    response = api.post("/api/v1/cases/", body(lon=POINT[0] + 0.0005), format="json")
    assert response.status_code == 201
    duplicates = response.json()["duplicates"]
    assert [d["number"] for d in duplicates] == [earlier.number]
    assert 0 < duplicates[0]["distance_m"] < 250


def test_bad_input_is_a_400_naming_each_field(cc: CaseCity, api: APIClient) -> None:
    api.force_authenticate(cc.users["worker"])
    response = api.post("/api/v1/cases/", body(category="9999", lat=123, description="", crs="mars"), format="json")
    assert response.status_code == 400
    assert {"category", "lat", "description", "crs"} <= set(response.json())


def test_a_point_outside_every_grid_is_a_400_on_location(cc: CaseCity, api: APIClient) -> None:
    api.force_authenticate(cc.users["worker"])
    response = api.post("/api/v1/cases/", body(lon=100.0, lat=30.0), format="json")
    assert response.status_code == 400
    assert "location" in response.json()


def test_a_user_without_any_role_cannot_report(cc: CaseCity, api: APIClient) -> None:
    api.force_authenticate(cc.users["nobody"])
    response = api.post("/api/v1/cases/", body(), format="json")
    assert response.status_code == 403
    assert response.json()["rule"] == "role"
    assert Case.objects.count() == 0


def test_an_anonymous_client_gets_401(cc: CaseCity, api: APIClient) -> None:
    assert api.post("/api/v1/cases/", body(), format="json").status_code == 401


def test_the_answer_is_slim_and_points_to_the_detail(cc: CaseCity, api: APIClient) -> None:
    api.force_authenticate(cc.users["worker"])
    response = api.post("/api/v1/cases/", body(), format="json")
    assert response.status_code == 201
    answer = response.json()
    assert set(answer) == {"id", "number", "status", "version", "due_at", "grid_code", "duplicates", "url"}
    case = Case.objects.get()
    assert answer["id"] == case.pk and answer["version"] == case.version
    assert answer["due_at"] is not None and answer["due_at"].startswith(str(case.due_at.year))  # type: ignore[union-attr]
    assert answer["url"] == f"http://testserver/api/v1/cases/{case.number}/"
    detail = api.get(answer["url"]).json()
    assert detail["number"] == case.number and [e["action"] for e in detail["timeline"]] == ["report"]


def test_a_replay_answers_with_the_same_slim_body(cc: CaseCity, api: APIClient) -> None:
    api.force_authenticate(cc.users["worker"])
    client_uuid = str(uuid.uuid4())
    first = api.post("/api/v1/cases/", body(client_uuid=client_uuid), format="json").json()
    again = api.post("/api/v1/cases/", body(client_uuid=client_uuid), format="json")
    assert again.status_code == 200
    assert {k: again.json()[k] for k in ("id", "number", "status", "url")} == {
        k: first[k] for k in ("id", "number", "status", "url")
    }


def test_a_category_that_exists_but_is_not_in_force_is_refused_on_category(cc: CaseCity, api: APIClient) -> None:
    cc.categories["rubbish"].is_active = False
    cc.categories["rubbish"].save()
    api.force_authenticate(cc.users["worker"])
    response = api.post("/api/v1/cases/", body(), format="json")
    assert response.status_code == 400
    assert response.json()["category"] == ["该事项类别未发布或已失效。"]
    response = api.post("/api/v1/cases/", body(category="9999"), format="json")
    assert response.status_code == 400 and response.json()["category"] != ["该事项类别未发布或已失效。"]


def test_a_jpeg_cut_short_near_its_end_is_a_400_on_photos_like_any_broken_image(cc: CaseCity, api: APIClient) -> None:
    from PIL import ImageFile

    assert not ImageFile.LOAD_TRUNCATED_IMAGES  # Pillow would pad the missing pixels with grey
    api.force_authenticate(cc.users["worker"])
    whole = jpeg_with_gps(size=(64, 64))
    for cut in (whole[:-10], whole[: len(whole) - 40]):
        upload = SimpleUploadedFile("IMG_0002.jpg", cut, content_type="image/jpeg")
        response = api.post("/api/v1/cases/", {**body(), "photos": [upload]}, format="multipart")
        assert response.status_code == 400
        assert "照片文件已损坏,无法识别。" in str(response.json()["photos"])
    assert Case.objects.count() == 0
    assert CaseAttachment.objects.count() == 0
    upload = SimpleUploadedFile("IMG_0002.jpg", whole, content_type="image/jpeg")
    assert api.post("/api/v1/cases/", {**body(), "photos": [upload]}, format="multipart").status_code == 201
