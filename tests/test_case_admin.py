"""The case admin is read-only and shows the timeline, without the reporter."""

from __future__ import annotations

from django.test import Client

from gridgov.cases import services

from .case_factories import CaseCity
from .factories import UserFactory


def test_the_case_admin_shows_the_timeline_read_only_and_hides_the_reporter(cc: CaseCity) -> None:
    case = cc.report(by="resident", source="resident")
    services.accept_case(case, by=cc.users["community"])
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    listing = client.get("/admin/cases/case/")
    assert listing.status_code == 200
    assert case.number in listing.content.decode()
    page = client.get(f"/admin/cases/case/{case.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "案件时间线" in html
    assert 'name="status"' not in html  # read-only
    assert cc.users["resident"].username not in html
    assert client.get("/admin/cases/case/add/").status_code == 403
