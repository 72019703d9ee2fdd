"""A person's current floating registration follows them when they move (form/API edit, the phone's person edit,
a re-import), as their tags do; an expired one stays where it was made. Their home visits stay where they were
made too, but a special-group person's visits are no longer read by the old grid's worker once the tag moved."""

from __future__ import annotations

import datetime as dt
import uuid
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.utils import timezone
from rest_framework.test import APIClient

from gridgov.accounts.roles import Role
from gridgov.fieldwork.models import Visit
from gridgov.fieldwork.services import record_visit
from gridgov.registry import services
from gridgov.registry.importing import import_rows
from gridgov.registry.models import FloatingRegistration, Person, TagKind

from .case_factories import CaseCity
from .factories import MiniCity
from .registry_factories import make_person, make_ric

pytestmark = pytest.mark.django_db

GRID = "441302001001001"
OTHER = "441302001001002"  # same community, another grid


def register(city: MiniCity, person: Person, *, expires_in: int = 180) -> FloatingRegistration:
    today = timezone.localdate()
    return services.register_floating(
        by=city.users["community"],
        person=person,
        on=today - dt.timedelta(days=200),
        expires_on=today + dt.timedelta(days=expires_in),
    )


def move(city: MiniCity, person: Person, grid: str = OTHER) -> None:
    house = city.buildings[grid].houses.order_by("number").first()
    services.update_person(by=city.users["community"], person=person, changes={"house": house})


def test_a_moved_persons_current_registration_follows_them(city: MiniCity, api: APIClient) -> None:
    city.grant("worker2", Role.GRID_WORKER, grid=OTHER)
    person = make_person(city, seq=1)
    reg = register(city, person)
    assert reg.scope_code == GRID
    move(city, person)
    person.refresh_from_db()
    reg.refresh_from_db()
    assert (reg.scope_code, reg.grid_id, reg.house_id) == (OTHER, person.grid_id, person.house_id)
    assert reg.version == 2  # a phone holding the old copy sees that it changed
    api.force_authenticate(city.users["worker"])
    assert api.get(f"/api/v1/floating-registrations/{reg.pk}/").status_code == 404
    api.force_authenticate(city.users["worker2"])
    assert api.get(f"/api/v1/floating-registrations/{reg.pk}/").status_code == 200


def test_a_move_to_another_house_in_the_same_grid_moves_the_registrations_house(city: MiniCity) -> None:
    person = make_person(city, seq=1)
    reg = register(city, person)
    other_house = city.buildings[GRID].houses.order_by("number")[1]
    services.update_person(by=city.users["community"], person=person, changes={"house": other_house})
    reg.refresh_from_db()
    assert (reg.scope_code, reg.house_id) == (GRID, other_house.pk)


def test_an_expired_registration_stays_where_it_was_made(city: MiniCity) -> None:
    person = make_person(city, seq=1)
    old = register(city, person, expires_in=-1)
    move(city, person)
    old.refresh_from_db()
    assert old.scope_code == GRID and old.version == 1


def test_an_edit_that_does_not_move_the_person_leaves_the_registration_alone(city: MiniCity) -> None:
    person = make_person(city, seq=1)
    reg = register(city, person)
    services.update_person(by=city.users["community"], person=person, changes={"occupation": "司机"})
    reg.refresh_from_db()
    assert reg.scope_code == GRID and reg.version == 1


def test_a_re_import_that_moves_people_moves_their_registration(city: MiniCity) -> None:
    person = make_person(city, seq=1)
    reg = register(city, person)
    headers = ["证件号码", "姓名", "人口类型", "网格编码"]
    result = import_rows(
        "person",
        [{"证件号码": make_ric(seq=1), "姓名": "居民1", "人口类型": "户籍人口", "网格编码": OTHER}],
        by=city.users["community"],
        headers=headers,
    )
    assert result.updated == 1, result.errors
    reg.refresh_from_db()
    assert reg.scope_code == OTHER and reg.house_id is None


def test_the_migration_gives_stale_current_registrations_their_persons_place(city: MiniCity) -> None:
    person = make_person(city, seq=1)
    current, expired = register(city, person), register(city, person, expires_in=-1)
    FloatingRegistration.objects.filter(pk__in=[current.pk, expired.pk]).update(scope_code=OTHER, house=None)
    migration = import_module("gridgov.registry.migrations.0006_resync_floating_place")
    migration.resync(django_apps, None)
    current.refresh_from_db()
    expired.refresh_from_db()
    assert (current.scope_code, current.house_id, current.version) == (GRID, person.house_id, 2)
    assert expired.scope_code == OTHER  # an expired one is history: left alone


def _visit(cc: CaseCity, person: Person) -> Visit:
    return record_visit(
        by=cc.users["worker"],
        visit_id=uuid.uuid4(),
        made_at=timezone.now() - dt.timedelta(days=1),
        situation="按时报到",
        person=person,
    )


def test_visits_stay_but_a_special_group_persons_are_no_longer_read_by_the_old_grids_worker(
    cc: CaseCity, api: APIClient
) -> None:
    city = cc.city
    city.grant("worker2", Role.GRID_WORKER, grid=OTHER)
    special = make_person(city, seq=1)
    services.tag_person(by=cc.users["worker"], person=special, kind=TagKind.DRUG_USER, on=dt.date(2026, 1, 1))
    plain = make_person(city, seq=2)
    special_visit, plain_visit = _visit(cc, special), _visit(cc, plain)
    for person in (special, plain):
        move(city, person)
    codes = Visit.objects.filter(pk__in=[special_visit.pk, plain_visit.pk]).values_list("scope_code", flat=True)
    assert set(codes) == {GRID}  # the record of a visit made where they lived then
    old = cc.users["worker"]
    api.force_authenticate(old)
    assert api.get(f"/api/v1/visits/{plain_visit.pk}/").status_code == 200
    assert api.get(f"/api/v1/visits/{special_visit.pk}/").status_code == 404
    assert not Visit.objects.readable_by(old).filter(pk=special_visit.pk).exists()
    # The community's dispatcher covers both grids: still reads it, situation included.
    api.force_authenticate(cc.users["community"])
    assert api.get(f"/api/v1/visits/{special_visit.pk}/").json()["situation"] == "按时报到"


def test_a_special_group_persons_visits_stay_readable_when_they_did_not_move(cc: CaseCity) -> None:
    person = make_person(cc.city, seq=1)
    services.tag_person(by=cc.users["worker"], person=person, kind=TagKind.DRUG_USER, on=dt.date(2026, 1, 1))
    made = _visit(cc, person)
    assert Visit.objects.readable_by(cc.users["worker"]).filter(pk=made.pk).exists()
