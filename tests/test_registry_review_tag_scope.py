"""A person's tags follow them when they move (form/API edit, the phone's person edit, a re-import): the new
grid's worker sees and visits them, the old grid's worker no longer does."""

from __future__ import annotations

import datetime as dt
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from rest_framework.test import APIClient

from gridgov.accounts.roles import Role
from gridgov.registry import services
from gridgov.registry.importing import import_rows
from gridgov.registry.models import Person, PersonTag, TagKind

from .factories import MiniCity
from .registry_factories import make_person, make_ric

pytestmark = pytest.mark.django_db

GRID = "441302001001001"
OTHER = "441302001001002"  # same community, another grid
ON = dt.date(2026, 3, 2)


@pytest.fixture
def moved(city: MiniCity) -> tuple[Person, PersonTag, PersonTag]:
    city.grant("worker2", Role.GRID_WORKER, grid=OTHER)
    person = make_person(city, seq=1)
    special = services.tag_person(
        by=city.users["community"],
        person=person,
        kind=TagKind.MENTAL_DISORDER,
        on=ON,
        details={"risk_level": 3, "diagnosis": "精神分裂症"},
    )
    care = services.tag_person(by=city.users["community"], person=person, kind=TagKind.LOW_INCOME, on=ON)
    services.update_person(
        by=city.users["community"], person=person, changes={"building": city.buildings[OTHER], "house": None}
    )
    return person, special, care


def test_a_moved_persons_tags_leave_the_old_grid_and_reach_the_new_one(
    city: MiniCity, moved: tuple[Person, PersonTag, PersonTag]
) -> None:
    _person, special, care = moved
    old, new = city.users["worker"], city.users["worker2"]
    for tag in (special, care):
        tag.refresh_from_db()
        assert tag.scope_code == OTHER
        assert not PersonTag.objects.visible_to(old).filter(pk=tag.pk).exists()
        assert PersonTag.objects.visible_to(new).filter(pk=tag.pk).exists()


def test_the_old_grids_worker_cannot_read_the_tag_through_the_api_and_the_new_one_records_the_visit(
    city: MiniCity, moved: tuple[Person, PersonTag, PersonTag], api: APIClient
) -> None:
    _person, special, _care = moved
    api.force_authenticate(city.users["worker"])
    assert api.get(f"/api/v1/tags/{special.pk}/").status_code == 404
    api.force_authenticate(city.users["worker2"])
    assert api.get(f"/api/v1/tags/{special.pk}/").json()["details"]["diagnosis"] == "精神分裂症"
    r = api.post(f"/api/v1/tags/{special.pk}/visit/", {"on": ON.isoformat()}, format="json")
    assert r.status_code == 200, r.content


def test_an_ended_tag_follows_too_it_is_the_persons_history(city: MiniCity) -> None:
    person = make_person(city, seq=1)
    tag = services.tag_person(by=city.users["community"], person=person, kind=TagKind.DISABLED, on=ON)
    services.end_tag(by=city.users["community"], tag=tag, on=ON)
    services.update_person(
        by=city.users["community"], person=person, changes={"building": city.buildings[OTHER], "house": None}
    )
    tag.refresh_from_db()
    assert tag.scope_code == OTHER


def test_a_re_import_that_moves_people_moves_their_tags(city: MiniCity) -> None:
    person = make_person(city, seq=1)
    tag = services.tag_person(by=city.users["community"], person=person, kind=TagKind.DRUG_USER, on=ON)
    headers = ["证件号码", "姓名", "人口类型", "网格编码"]
    result = import_rows(
        "person",
        [{"证件号码": make_ric(seq=1), "姓名": "居民1", "人口类型": "户籍人口", "网格编码": OTHER}],
        by=city.users["community"],
        headers=headers,
    )
    assert result.updated == 1, result.errors
    tag.refresh_from_db()
    assert tag.scope_code == OTHER


def test_an_edit_that_does_not_move_the_person_leaves_the_tags_alone(city: MiniCity) -> None:
    person = make_person(city, seq=1)
    tag = services.tag_person(by=city.users["community"], person=person, kind=TagKind.DISABLED, on=ON)
    services.update_person(by=city.users["community"], person=person, changes={"occupation": "司机"})
    tag.refresh_from_db()
    assert tag.scope_code == GRID


def test_the_migration_gives_stale_tags_their_persons_code(city: MiniCity) -> None:
    person = make_person(city, seq=1)
    tag = services.tag_person(by=city.users["community"], person=person, kind=TagKind.DISABLED, on=ON)
    PersonTag.objects.filter(pk=tag.pk).update(scope_code=OTHER)  # as left by a move before the fix
    migration = import_module("gridgov.registry.migrations.0004_resync_tag_scope")
    migration.resync(django_apps, None)
    tag.refresh_from_db()
    assert tag.scope_code == GRID
