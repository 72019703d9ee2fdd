"""The registry's list pages run the same number of queries for 2 rows as for 8 (no N+1)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gridgov.registry import services

from .factories import MiniCity
from .registry_factories import make_person

pytestmark = pytest.mark.django_db

PAGES = ["/registry/", "/registry/special/", "/registry/care/", "/registry/floating/", "/registry/rentals/"]


def add_people(city: MiniCity, seqs: range) -> None:
    today = timezone.localdate()
    worker = city.users["worker"]
    houses = list(city.buildings["441302001001001"].houses.all())
    for seq in seqs:
        person = make_person(city, seq=seq, residence_type="floating")
        services.tag_person(by=worker, person=person, kind="drug_user", on=today, responsible=worker)
        services.tag_person(by=worker, person=person, kind="disabled", on=today, responsible=worker)
        services.register_floating(by=worker, person=person, on=today, expires_on=today + dt.timedelta(days=9))
        if seq <= len(houses):
            services.register_rental(by=worker, house=houses[seq - 1], on=today, landlord=person)


def counts(client: Client) -> dict[str, int]:
    out = {}
    for url in PAGES:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        out[url] = len(ctx.captured_queries)
    return out


def test_list_pages_do_not_grow_with_rows(city: MiniCity, client: Client) -> None:
    client.force_login(city.users["worker"])
    add_people(city, range(1, 3))
    few = counts(client)
    add_people(city, range(3, 9))
    assert counts(client) == few
