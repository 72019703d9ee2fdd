"""Revealing a protected field: by role and scope, with a reason, one access-log row each; the log is
append-only and only administrators read it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ProtectedError

from gridgov.accounts.roles import Role
from gridgov.registry import services
from gridgov.registry.models import AccessAction, AccessLog, AppendOnlyError, Person

from .factories import MiniCity, UserFactory
from .registry_factories import make_person, make_ric

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 3, 4, 4, 0, tzinfo=dt.UTC)
REASON = "入户走访核对身份"
GRID = "441302001001001"  # the worker's grid; the community, sub-district and district contain it


@pytest.fixture
def people(city: MiniCity) -> MiniCity:
    city.grant("leader", Role.LEADER, region="441300")
    city.grant("handler", Role.DEPARTMENT_HANDLER, region="441302")
    city.grant("gridhead", Role.GRID_HEAD, grid=GRID)
    city.grant("otheradmin", Role.ADMINISTRATOR, region="441303")
    return city


def person_in(city: MiniCity, grid: str = GRID, seq: int = 1, **data: Any) -> Person:
    return make_person(city, grid=grid, seq=seq, by="community" if grid.startswith("441302001001") else "admin", **data)


def reveal(city: MiniCity, who: str, person: Person, field: str = "id_number", reason: str = REASON) -> str:
    return services.reveal(by=city.users[who], person=person, field=field, reason=reason, ip="10.0.0.7")


# --- who may reveal -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["worker", "gridhead", "community", "subdistrict", "district"])
def test_staff_who_handle_people_may_reveal_in_scope(people: MiniCity, who: str) -> None:
    person = person_in(people, seq=3)
    assert reveal(people, who, person) == make_ric(seq=3)
    assert AccessLog.objects.filter(user=people.users[who], person=person).count() == 1


@pytest.mark.parametrize("who", ["leader", "admin"])
def test_roles_that_see_people_but_not_their_numbers_are_refused(people: MiniCity, who: str) -> None:
    person = person_in(people)
    assert Person.objects.visible_to(people.users[who]).filter(pk=person.pk).exists()  # they do see the person
    with pytest.raises(PermissionDenied):
        reveal(people, who, person)
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize("who", ["handler", "resident", "nobody", "outsider"])
def test_roles_that_cannot_see_the_person_at_all_get_does_not_exist(people: MiniCity, who: str) -> None:
    """Department handlers and residents do not read the registry, and the outsider's district is elsewhere:
    for them the person does not exist (404, DESIGN rule 1), which also says nothing about who is registered."""
    person = person_in(people)
    with pytest.raises(Person.DoesNotExist):
        reveal(people, who, person)
    assert not AccessLog.objects.exists()


def test_a_grid_worker_cannot_reveal_in_the_next_grid(people: MiniCity) -> None:
    neighbour = person_in(people, grid="441302001001002", seq=2)
    with pytest.raises(Person.DoesNotExist):
        reveal(people, "worker", neighbour)
    assert reveal(people, "community", neighbour) == make_ric(seq=2)  # the community covers both grids


def test_a_district_dispatcher_cannot_reveal_in_another_district(people: MiniCity) -> None:
    elsewhere = person_in(people, grid="441303001001001", seq=4)
    with pytest.raises(Person.DoesNotExist):
        reveal(people, "district", elsewhere)
    assert reveal(people, "outsider", elsewhere) == make_ric(seq=4)


# --- a reason, a protected field ----------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   ", "核对", "abc"])
def test_a_reason_is_required(people: MiniCity, reason: str) -> None:
    person = person_in(people)
    with pytest.raises(ValidationError) as info:
        reveal(people, "worker", person, reason=reason)
    assert "reason" in info.value.message_dict
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize("field", ["name", "id_number_index", "phone_index", "birth_date", "__class__"])
def test_only_protected_fields_can_be_revealed(people: MiniCity, field: str) -> None:
    person = person_in(people)
    with pytest.raises(ValidationError) as info:
        reveal(people, "worker", person, field=field)
    assert "field" in info.value.message_dict
    assert not AccessLog.objects.exists()


def test_each_protected_field_reveals_its_plaintext(people: MiniCity) -> None:
    person = person_in(people, seq=5, registered_address="惠州市惠城区河南岸街道演达大道8号")
    person = Person.objects.get(pk=person.pk)
    assert reveal(people, "worker", person, "id_number") == make_ric(seq=5)
    assert reveal(people, "worker", person, "phone") == "13800000005"
    assert reveal(people, "worker", person, "current_address") == "惠城区某街道某路5号"
    assert reveal(people, "worker", person, "registered_address") == "惠州市惠城区河南岸街道演达大道8号"
    assert AccessLog.objects.count() == 4


def test_an_empty_field_reveals_an_empty_string_and_is_still_logged(people: MiniCity) -> None:
    person = person_in(people, phone="")
    assert reveal(people, "worker", person, "phone") == ""
    assert AccessLog.objects.count() == 1


# --- the access log -----------------------------------------------------------------------------------------


def test_each_reveal_writes_one_row_saying_who_whom_what_why_and_when(people: MiniCity) -> None:
    person = person_in(people, seq=6)
    with time_machine.travel(NOON, tick=False):
        reveal(people, "community", person, "phone", reason="  联系家属处理纠纷  ")
    (row,) = AccessLog.objects.all()
    assert (row.user, row.person, row.field, row.reason, row.at) == (
        people.users["community"],
        person,
        "phone",
        "联系家属处理纠纷",
        NOON,
    )
    assert (row.action, row.ip, row.scope_code) == (AccessAction.REVEAL, "10.0.0.7", GRID)
    reveal(people, "community", person, "phone")
    assert AccessLog.objects.count() == 2  # every reveal, not once per person


def test_the_log_row_holds_no_plaintext(people: MiniCity) -> None:
    person = person_in(people, seq=8)
    reveal(people, "worker", person)
    row = AccessLog.objects.values().get()
    assert all(make_ric(seq=8) not in str(v) and "13800000008" not in str(v) for v in row.values())


@pytest.fixture
def logged(people: MiniCity) -> AccessLog:
    reveal(people, "worker", person_in(people))
    return AccessLog.objects.get()


def test_a_row_cannot_be_changed(logged: AccessLog) -> None:
    logged.reason = "改过的事由"
    with pytest.raises(AppendOnlyError):
        logged.save()
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.filter(pk=logged.pk).update(reason="改过的事由")
    with pytest.raises(AppendOnlyError), transaction.atomic():  # bulk_update's own atomic marks it for rollback
        AccessLog.objects.bulk_update([logged], ["reason"])
    assert AccessLog.objects.get().reason == REASON


def test_a_row_cannot_be_deleted(people: MiniCity, logged: AccessLog) -> None:
    with pytest.raises(AppendOnlyError):
        logged.delete()
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.filter(pk=logged.pk).delete()
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.all().delete()
    with pytest.raises(ProtectedError):  # nor by deleting the person or the user it names
        Person.objects.filter(pk=logged.person_id).delete()
    with pytest.raises(ProtectedError):
        people.users["worker"].delete()
    assert AccessLog.objects.count() == 1


def test_only_administrators_read_the_log_within_their_region(people: MiniCity, logged: AccessLog) -> None:
    visible = {who: list(AccessLog.objects.visible_to(people.users[who])) for who in people.users}
    assert visible.pop("admin") == [logged]
    assert all(rows == [] for rows in visible.values()), {k for k, v in visible.items() if v}
    superuser = UserFactory(username="root", is_superuser=True)
    assert list(AccessLog.objects.visible_to(superuser)) == [logged]
