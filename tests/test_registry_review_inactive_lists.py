"""People no longer on the register (deceased, moved away) are off the special and care lists, their exports and
the centre's overdue home visits — also a tag left current by a deregistration made before tags were ended."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from gridgov.registry import services
from gridgov.registry.models import Person, TagKind

from .factories import MiniCity
from .registry_factories import make_person

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 2, 1)


@pytest.fixture
def client_(city: MiniCity) -> Client:
    by = city.users["community"]
    alive = make_person(city, seq=1, name="王在册")
    gone = make_person(city, seq=2, name="李已故")
    for person in (alive, gone):
        services.tag_person(by=by, person=person, kind=TagKind.ELDERLY_ALONE, on=ON)
        services.tag_person(by=by, person=person, kind=TagKind.DRUG_USER, on=ON)
    # As a deregistration left it before it ended the person's tags.
    Person.objects.filter(pk=gone.pk).update(is_active=False, left_on=dt.date(2026, 3, 1))
    client = Client()
    client.force_login(by)
    return client


@pytest.mark.parametrize("url", ["/registry/special/", "/registry/care/", "/field/visits/"])
def test_the_lists_show_only_people_on_the_register(client_: Client, url: str) -> None:
    html = client_.get(url).content.decode()
    assert "王在册" in html and "李已故" not in html


@pytest.mark.parametrize("name", ["special", "care"])
def test_the_exports_hold_only_people_on_the_register(city: MiniCity, client_: Client, name: str) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(client_.get(f"/registry/export/{name}.xlsx").content)).active
    assert sheet is not None
    cells = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)
    assert "王在册" in cells and "李已故" not in cells
