"""PUT /api/v1/sync/photos/<uuid>/: photos arrive one by one after their record — stored without EXIF (201), a
replay of the same bytes is 200, other bytes 409, an unknown record or a photo the record did not announce 404, a
broken upload 400 leaving the record untouched, and the retry succeeds. A case report's photo becomes an
attachment of the case's report event."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from gridgov.cases.models import Case, CaseAttachment
from gridgov.fieldwork.models import ClientRecord, FieldPhoto

from .case_factories import CaseCity, jpeg_with_gps, png_bytes
from .fieldwork_sync_factories import post, rec, statuses
from .registry_factories import make_person


def put(api: APIClient, photo: str, record: str, data: bytes, name: str = "p.jpg") -> Any:
    upload = SimpleUploadedFile(name, data, content_type="image/jpeg")
    return api.put(f"/api/v1/sync/photos/{photo}/", {"record": record, "image": upload}, format="multipart")


def visit_with_photos(cc: CaseCity, api: APIClient, *photos: str) -> dict[str, Any]:
    person = make_person(cc.city)
    record = rec("visit", {"person": person.pk, "situation": "身体尚好"}, photos=list(photos))
    assert statuses(post(api, cc.users["worker"], [record])) == [201]
    return record


def test_a_photo_is_stored_without_exif_and_a_replay_is_200(cc: CaseCity, api: APIClient) -> None:
    photo = str(uuid.uuid4())
    record = visit_with_photos(cc, api, photo)
    data = jpeg_with_gps()
    first = put(api, photo, record["uuid"], data)
    assert first.status_code == 201, first.content
    assert first.json() == {"uuid": photo, "record": record["uuid"], "sha256": hashlib.sha256(data).hexdigest()}
    stored = FieldPhoto.objects.get()
    assert str(stored.record_id) == record["uuid"]
    content = stored.image.read()
    assert content[:3] == b"\xff\xd8\xff" and b"PhoneMaker" not in content and b"PhoneMaker" in data
    again = put(api, photo, record["uuid"], data)
    assert again.status_code == 200 and again.json() == first.json()
    assert FieldPhoto.objects.count() == 1


def test_other_bytes_under_the_same_photo_uuid_are_409(cc: CaseCity, api: APIClient) -> None:
    photo = str(uuid.uuid4())
    record = visit_with_photos(cc, api, photo)
    assert put(api, photo, record["uuid"], jpeg_with_gps()).status_code == 201
    other = put(api, photo, record["uuid"], png_bytes(), name="p.png")
    assert other.status_code == 409
    assert FieldPhoto.objects.get().sha256 == hashlib.sha256(jpeg_with_gps()).hexdigest()


def test_a_photo_of_an_unknown_record_or_not_announced_is_404(cc: CaseCity, api: APIClient) -> None:
    announced = str(uuid.uuid4())
    record = visit_with_photos(cc, api, announced)
    assert put(api, str(uuid.uuid4()), record["uuid"], jpeg_with_gps()).status_code == 404
    assert put(api, announced, str(uuid.uuid4()), jpeg_with_gps()).status_code == 404
    api.force_authenticate(cc.users["community"])  # someone else's record
    assert put(api, announced, record["uuid"], jpeg_with_gps()).status_code == 404
    assert not FieldPhoto.objects.exists()


def test_a_broken_upload_is_400_leaves_the_record_untouched_and_the_retry_succeeds(
    cc: CaseCity, api: APIClient
) -> None:
    photo = str(uuid.uuid4())
    record = visit_with_photos(cc, api, photo)
    before = ClientRecord.objects.values().get()
    data = jpeg_with_gps(size=(64, 64))
    for broken in (data[:-10], data[: len(data) // 2], b"not an image"):
        response = put(api, photo, record["uuid"], broken)
        assert response.status_code == 400, broken[-4:]
        assert "image" in response.json()
    for truncated in (data[:-10], data[: len(data) // 2]):  # the same message as any broken image (one check)
        assert put(api, photo, record["uuid"], truncated).json()["image"] == ["照片文件已损坏,无法识别。"]
    assert not FieldPhoto.objects.exists()
    assert ClientRecord.objects.values().get() == before
    assert put(api, photo, record["uuid"], data).status_code == 201
    assert FieldPhoto.objects.count() == 1


def test_a_case_reports_photo_becomes_an_attachment_of_its_report_event(cc: CaseCity, api: APIClient) -> None:
    photo = str(uuid.uuid4())
    report = rec(
        "case_report",
        {"category": "0101", "lon": 114.405, "lat": 23.105, "description": "垃圾堆放"},
        photos=[photo],
    )
    assert statuses(post(api, cc.users["worker"], [report])) == [201]
    data = jpeg_with_gps(lon=114.406, lat=23.106)
    assert put(api, photo, report["uuid"], data).status_code == 201
    case = Case.objects.get()
    attachment = CaseAttachment.objects.get()
    assert attachment.case_id == case.pk
    assert attachment.event is not None and attachment.event.action == "report"
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()
    assert attachment.exif_lon is not None and abs(attachment.exif_lon - 114.406) < 1e-4
    assert b"PhoneMaker" not in attachment.file.read()
    assert FieldPhoto.objects.get().image.name == attachment.file.name  # one file, not two
    assert put(api, photo, report["uuid"], data).status_code == 200
    assert CaseAttachment.objects.count() == 1
    # The report itself still replays as before.
    assert statuses(post(api, cc.users["worker"], [report])) == [200]
