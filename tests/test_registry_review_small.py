"""Smaller findings of the registry review: a mobile number searched with a bare 86 in front finds the person; a
fire inspection is locked, not in the future and never replaced by an older one; an importer with roles in two
districts lists their own import jobs through the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from gridgov.accounts.roles import Role
from gridgov.registry import services
from gridgov.registry.models import AccessLog, ImportJob, Organisation

from .factories import MiniCity
from .registry_factories import make_person

pytestmark = pytest.mark.django_db

GRID = "441302001001001"


@pytest.mark.parametrize("typed", ["8613800000001", "+8613800000001", "86 138 0000 0001", "13800000001"])
def test_a_mobile_number_with_the_country_code_finds_the_person(city: MiniCity, api: APIClient, typed: str) -> None:
    person = make_person(city, seq=1)  # phone 13800000001
    api.force_authenticate(city.users["community"])
    r = api.post("/api/v1/persons/search/", {"q": typed}, format="json")
    assert [p["id"] for p in r.json()["results"]] == [person.pk]


def test_the_export_header_masks_a_number_with_the_country_code(city: MiniCity) -> None:
    make_person(city, seq=1)
    client = Client()
    client.force_login(city.users["community"])
    assert client.post("/registry/export/people.xlsx", {"q": "8613800000001"}).status_code == 200
    log = AccessLog.objects.get()
    assert (log.rows, "13800000001" in log.detail, "138****0001" in log.detail) == (1, False, True)


@pytest.fixture
def venue(city: MiniCity) -> Organisation:
    return services.register_organisation(
        by=city.users["community"],
        data={"kind": "small_venue", "venue_kind": "shop", "name": "某便利店"},
        grid=city.grids[GRID],
    )


def test_a_fire_inspection_in_the_future_is_refused(city: MiniCity, venue: Organisation, api: APIClient) -> None:
    api.force_authenticate(city.users["worker"])
    r = api.post(f"/api/v1/organisations/{venue.pk}/fire-inspection/", {"result": "passed", "on": "2999-01-01"})
    assert r.status_code == 400 and "on" in r.json()


def test_an_older_inspection_does_not_replace_the_latest(city: MiniCity, venue: Organisation) -> None:
    by = city.users["worker"]
    services.record_fire_inspection(by=by, organisation=venue, result="hazard", on=dt.date(2026, 3, 10))
    stale = Organisation.objects.get(pk=venue.pk)
    with pytest.raises(ValidationError) as exc:
        services.record_fire_inspection(by=by, organisation=stale, result="passed", on=dt.date(2026, 3, 1))
    assert "on" in exc.value.message_dict
    venue.refresh_from_db()
    assert (venue.fire_safety, venue.fire_checked_on) == ("hazard", dt.date(2026, 3, 10))


def test_a_stale_copy_does_not_lose_a_version(city: MiniCity, venue: Organisation) -> None:
    by = city.users["worker"]
    stale = Organisation.objects.get(pk=venue.pk)
    services.record_fire_inspection(by=by, organisation=venue, result="hazard", on=dt.date(2026, 3, 1))
    services.record_fire_inspection(by=by, organisation=stale, result="passed", on=dt.date(2026, 3, 2))
    venue.refresh_from_db()
    assert (venue.version, venue.fire_safety, stale.version) == (3, "passed", 3)


def test_an_importer_with_roles_in_two_districts_lists_their_own_jobs(
    city: MiniCity, settings: Any, tmp_path: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    user = city.grant("two", Role.COMMUNITY_DISPATCHER, region="441302001001")
    from gridgov.accounts.models import RoleAssignment

    RoleAssignment.objects.create(user=user, role=Role.COMMUNITY_DISPATCHER, region=city.regions["441303001001"])
    api = APIClient()
    api.force_authenticate(user)
    upload = SimpleUploadedFile("people.csv", "证件号码,姓名,人口类型,网格编码\n".encode())
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post("/api/v1/import-jobs/", {"kind": "person", "file": upload}, format="multipart")
    assert r.status_code == 201, r.content
    job = ImportJob.objects.get()
    assert job.scope_code == "44130"  # the common prefix of the two communities' codes
    assert [j["id"] for j in api.get("/api/v1/import-jobs/").json()["results"]] == [str(job.pk)]
    assert api.get(f"/api/v1/import-jobs/{job.pk}/").status_code == 200
    other = APIClient()
    other.force_authenticate(city.users["community"])
    assert other.get("/api/v1/import-jobs/").json()["results"] == []
    assert other.get(f"/api/v1/import-jobs/{job.pk}/").status_code == 404
