"""Special groups and key youth are visible only to the roles in SPECIAL_GROUP_ROLES, within scope; care groups
to staff in scope; visits due follow the last visit and the frequency."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import override_settings

from gridgov.accounts.roles import Role
from gridgov.registry import services
from gridgov.registry.models import DEFAULT_VISIT_DAYS, Person, PersonTag, TagKind

from .factories import MiniCity
from .registry_factories import make_person

pytestmark = pytest.mark.django_db

GRID = "441302001001001"
NEXT_GRID = "441302001001002"
ON = dt.date(2026, 3, 2)
EVERYONE = ["worker", "gridhead", "community", "subdistrict", "district", "leader", "admin", "handler", "resident"]
EVERYONE += ["outsider", "nobody"]


@pytest.fixture
def city_(city: MiniCity) -> MiniCity:
    city.grant("leader", Role.LEADER, region="441300")
    city.grant("handler", Role.DEPARTMENT_HANDLER, region="441302")
    city.grant("gridhead", Role.GRID_HEAD, grid=GRID)
    return city


def tag_all(city: MiniCity, person: Person) -> dict[str, PersonTag]:
    by = city.users["community"]
    return {
        "special": services.tag_person(
            by=by, person=person, kind=TagKind.RELEASED_PRISONER, on=ON, details={"release_date": "2025-12-01"}
        ),
        "youth": services.tag_person(
            by=by, person=person, kind=TagKind.KEY_YOUTH, on=ON, details={"youth_type": "idle"}
        ),
        "care": services.tag_person(by=by, person=person, kind=TagKind.ELDERLY_ALONE, on=ON),
    }


def kinds_seen(city: MiniCity, who: str) -> set[str]:
    return {t.group for t in PersonTag.objects.visible_to(city.users[who])}


@pytest.fixture
def tagged(city_: MiniCity) -> dict[str, PersonTag]:
    return tag_all(city_, make_person(city_, grid=GRID, seq=1))


# --- visibility by role and scope ----------------------------------------------------------------------------


def test_by_default_the_roles_that_handle_special_groups_see_every_tag(city_: MiniCity, tagged: object) -> None:
    seen = {who: kinds_seen(city_, who) for who in EVERYONE}
    assert seen == {
        "worker": {"special", "youth", "care"},
        "gridhead": {"special", "youth", "care"},
        "community": {"special", "youth", "care"},
        "subdistrict": {"special", "youth", "care"},
        "district": {"special", "youth", "care"},
        "leader": {"care"},  # staff in scope: care groups only
        "admin": {"care"},
        "handler": set(),  # does not read the registry
        "resident": set(),
        "outsider": set(),  # another district
        "nobody": set(),
    }


@override_settings(SPECIAL_GROUP_ROLES=["community_dispatcher"])
def test_the_setting_narrows_special_groups_to_the_roles_it_names(city_: MiniCity, tagged: object) -> None:
    assert kinds_seen(city_, "community") == {"special", "youth", "care"}
    for who in ("worker", "gridhead", "subdistrict", "district", "leader", "admin"):
        assert kinds_seen(city_, who) == {"care"}, who


@override_settings(SPECIAL_GROUP_ROLES=["grid_worker", "leader"])
def test_a_role_added_by_the_setting_sees_but_only_editors_change(city_: MiniCity) -> None:
    person = make_person(city_, grid=GRID, seq=2)
    services.tag_person(
        by=city_.users["worker"], person=person, kind=TagKind.DRUG_USER, on=ON, details={"control_status": "abstinent"}
    )
    assert kinds_seen(city_, "leader") == {"special"}
    with pytest.raises(PermissionDenied):
        services.tag_person(
            by=city_.users["leader"],
            person=person,
            kind=TagKind.RELEASED_PRISONER,
            on=ON,
            details={"release_date": "2025-01-01"},
        )


def test_special_groups_stay_within_scope(city_: MiniCity) -> None:
    tag_all(city_, make_person(city_, grid=NEXT_GRID, seq=3, by="community"))  # the same community, the next grid
    assert kinds_seen(city_, "worker") == set()
    assert kinds_seen(city_, "gridhead") == set()
    assert kinds_seen(city_, "community") == {"special", "youth", "care"}
    assert kinds_seen(city_, "leader") == {"care"}


# --- who may tag -----------------------------------------------------------------------------------------------


@override_settings(SPECIAL_GROUP_ROLES=["community_dispatcher"])
def test_a_worker_outside_the_setting_may_tag_care_groups_only(city_: MiniCity) -> None:
    person = make_person(city_, grid=GRID, seq=4)
    services.tag_person(by=city_.users["worker"], person=person, kind=TagKind.DISABLED, on=ON)
    with pytest.raises(PermissionDenied):
        services.tag_person(
            by=city_.users["worker"], person=person, kind=TagKind.KEY_YOUTH, on=ON, details={"youth_type": "idle"}
        )
    assert list(PersonTag.objects.values_list("kind", flat=True)) == [TagKind.DISABLED]


def test_out_of_scope_tagging_is_not_found_and_reading_roles_are_refused(city_: MiniCity) -> None:
    person = make_person(city_, grid=GRID, seq=5)
    with pytest.raises(Http404):
        services.tag_person(by=city_.users["outsider"], person=person, kind=TagKind.LOW_INCOME, on=ON)
    with pytest.raises(PermissionDenied):
        services.tag_person(by=city_.users["leader"], person=person, kind=TagKind.LOW_INCOME, on=ON)
    assert not PersonTag.objects.exists()


@override_settings(SPECIAL_GROUP_ROLES=["community_dispatcher"])
def test_recording_a_visit_needs_the_same_right_as_tagging(city_: MiniCity, tagged: dict[str, PersonTag]) -> None:
    with pytest.raises(PermissionDenied):
        services.record_tag_visit(by=city_.users["worker"], tag=tagged["special"], on=ON + dt.timedelta(days=1))
    services.record_tag_visit(by=city_.users["worker"], tag=tagged["care"], on=ON + dt.timedelta(days=1))
    assert PersonTag.objects.get(pk=tagged["special"].pk).last_visit_on is None


# --- each kind's own fields ----------------------------------------------------------------------------------


def test_a_kind_checks_its_own_fields(city_: MiniCity) -> None:
    person = make_person(city_, grid=GRID, seq=6)
    with pytest.raises(ValidationError) as info:
        services.tag_person(by=city_.users["worker"], person=person, kind=TagKind.MENTAL_DISORDER, on=ON, details={})
    assert set(info.value.message_dict) == {"risk_level"}
    with pytest.raises(ValidationError):
        services.tag_person(
            by=city_.users["worker"], person=person, kind=TagKind.MENTAL_DISORDER, on=ON, details={"risk_level": 6}
        )
    tag = services.tag_person(
        by=city_.users["worker"], person=person, kind=TagKind.MENTAL_DISORDER, on=ON, details={"risk_level": "3"}
    )
    assert tag.details == {"risk_level": 3}


def test_one_current_tag_per_kind(city_: MiniCity, tagged: dict[str, PersonTag]) -> None:
    with pytest.raises(ValidationError):
        services.tag_person(by=city_.users["worker"], person=tagged["care"].person, kind=TagKind.ELDERLY_ALONE, on=ON)


# --- visits due ----------------------------------------------------------------------------------------------


def test_the_first_visit_is_due_one_period_after_tagging(tagged: dict[str, PersonTag]) -> None:
    assert DEFAULT_VISIT_DAYS[TagKind.ELDERLY_ALONE] == 7
    assert tagged["care"].next_visit_due == dt.date(2026, 3, 9)
    assert tagged["special"].next_visit_due == ON + dt.timedelta(days=DEFAULT_VISIT_DAYS[TagKind.RELEASED_PRISONER])


def test_a_visit_moves_the_next_due_date_and_an_older_visit_does_not(
    city_: MiniCity, tagged: dict[str, PersonTag]
) -> None:
    care = tagged["care"]
    services.record_tag_visit(by=city_.users["worker"], tag=care, on=dt.date(2026, 3, 5))
    care = PersonTag.objects.get(pk=care.pk)
    assert (care.last_visit_on, care.next_visit_due) == (dt.date(2026, 3, 5), dt.date(2026, 3, 12))
    services.record_tag_visit(by=city_.users["worker"], tag=care, on=dt.date(2026, 3, 4))  # entered late
    care = PersonTag.objects.get(pk=care.pk)
    assert (care.last_visit_on, care.next_visit_due) == (dt.date(2026, 3, 5), dt.date(2026, 3, 12))


def test_visits_due_lists_current_tags_due_on_a_day(city_: MiniCity, tagged: dict[str, PersonTag]) -> None:
    worker = city_.users["worker"]
    services.record_tag_visit(by=worker, tag=tagged["care"], on=dt.date(2026, 3, 5))
    due = PersonTag.objects.visible_to(worker).visits_due
    assert list(due(dt.date(2026, 3, 11))) == []
    assert [t.kind for t in due(dt.date(2026, 3, 12))] == [TagKind.ELDERLY_ALONE]
    services.end_tag(by=worker, tag=tagged["care"], on=dt.date(2026, 3, 12), note="搬离")
    assert list(due(dt.date(2026, 3, 12))) == []
    assert len(due(dt.date(2026, 4, 30))) == 2  # special and youth, 30 days each


def test_a_tag_may_set_its_own_frequency_of_at_least_a_day(city_: MiniCity) -> None:
    person = make_person(city_, grid=GRID, seq=7)
    tag = services.tag_person(
        by=city_.users["worker"], person=person, kind=TagKind.LOW_INCOME, on=ON, visit_every_days=3
    )
    assert tag.next_visit_due == dt.date(2026, 3, 5)
    for days in (0, -1):
        with pytest.raises(ValidationError) as info:
            services.tag_person(
                by=city_.users["worker"], person=person, kind=TagKind.DISABLED, on=ON, visit_every_days=days
            )
        assert "visit_every_days" in info.value.message_dict
