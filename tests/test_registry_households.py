"""Exactly one current head per household: the database refuses a second one even past the services, the
services keep one through every change, and two concurrent head changes end with one head."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from gridgov.registry import services
from gridgov.registry.models import Household, Membership, Person, Relation
from gridgov.registry.services import HeadConflict

from .factories import MiniCity
from .registry_factories import make_person

GRID = "441302001001001"
D1 = dt.date(2026, 1, 5)
D2 = dt.date(2026, 2, 9)


def family(city: MiniCity, size: int = 3, number: str = "H0001") -> tuple[Household, list[Person]]:
    people = [make_person(city, grid=GRID, seq=i) for i in range(1, size + 1)]
    household = services.create_household(by=city.users["worker"], number=number, head=people[0], on=D1)
    for person in people[1:]:
        services.add_member(by=city.users["worker"], household=household, person=person, relation=Relation.CHILD, on=D1)
    return household, people


def heads(household: Household) -> list[int]:
    return list(
        Membership.objects.filter(household=household, relation=Relation.HEAD, valid_to__isnull=True).values_list(
            "person_id", flat=True
        )
    )


def current(household: Household) -> dict[int, str]:
    return dict(household.memberships.filter(valid_to__isnull=True).values_list("person_id", "relation"))


# --- the database rule ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_database_refuses_a_second_current_head_past_the_services(city: MiniCity) -> None:
    household, people = family(city)
    outsider = make_person(city, grid=GRID, seq=9)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(household=household, person=outsider, relation=Relation.HEAD, valid_from=D2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(household=household, person=people[1]).update(relation=Relation.HEAD)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.bulk_create(
            [Membership(household=household, person=outsider, relation=Relation.HEAD, valid_from=D2)]
        )
    assert heads(household) == [people[0].pk]


@pytest.mark.django_db
def test_past_heads_do_not_count(city: MiniCity) -> None:
    household, people = family(city)
    Membership.objects.filter(household=household, person=people[0]).update(valid_to=D2)
    Membership.objects.filter(household=household, person=people[1]).update(relation=Relation.HEAD)
    assert heads(household) == [people[1].pk]


@pytest.mark.django_db
def test_a_person_belongs_to_one_household_at_a_time(city: MiniCity) -> None:
    _household, people = family(city)
    with pytest.raises(ValidationError) as info:
        services.create_household(by=city.users["worker"], number="H0002", head=people[1], on=D2)
    assert "head" in info.value.message_dict
    other = services.create_household(by=city.users["worker"], number="H0003", head=make_person(city, seq=8), on=D2)
    with pytest.raises(ValidationError) as info:
        services.add_member(by=city.users["worker"], household=other, person=people[2], relation="child", on=D2)
    assert "person" in info.value.message_dict
    assert not Household.objects.filter(number="H0002").exists()


# --- the services keep one head ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_household_is_created_with_its_head(city: MiniCity) -> None:
    household, people = family(city)
    assert current(household) == {people[0].pk: "head", people[1].pk: "child", people[2].pk: "child"}
    assert household.scope_code == GRID


@pytest.mark.django_db
def test_adding_a_second_head_is_refused(city: MiniCity) -> None:
    household, _people = family(city, size=1)
    with pytest.raises(ValidationError) as info:
        services.add_member(
            by=city.users["worker"], household=household, person=make_person(city, seq=5), relation="head", on=D2
        )
    assert "relation" in info.value.message_dict


@pytest.mark.django_db
def test_change_head_keeps_one_head_and_the_old_head_stays_a_member(city: MiniCity) -> None:
    household, people = family(city)
    services.change_head(
        by=city.users["worker"], household=household, new_head=people[1], on=D2, old_head_relation=Relation.PARENT
    )
    assert current(household) == {people[0].pk: "parent", people[1].pk: "head", people[2].pk: "child"}
    # the history is kept: the old rows are closed on the day of the change
    assert household.memberships.filter(valid_to=D2).count() == 2
    services.change_head(by=city.users["worker"], household=household, new_head=people[1], on=D2)  # already head
    assert heads(household) == [people[1].pk]


@pytest.mark.django_db
def test_the_new_head_must_be_a_current_member(city: MiniCity) -> None:
    household, people = family(city)
    with pytest.raises(ValidationError) as info:
        services.change_head(by=city.users["worker"], household=household, new_head=make_person(city, seq=7), on=D2)
    assert "new_head" in info.value.message_dict
    assert heads(household) == [people[0].pk]


@pytest.mark.django_db
def test_the_head_cannot_leave_while_others_remain(city: MiniCity) -> None:
    household, people = family(city, size=2)
    head = household.memberships.get(person=people[0], valid_to__isnull=True)
    with pytest.raises(ValidationError) as info:
        services.end_membership(by=city.users["worker"], membership=head, on=D2)
    assert "membership" in info.value.message_dict
    assert heads(household) == [people[0].pk]
    child = household.memberships.get(person=people[1], valid_to__isnull=True)
    services.end_membership(by=city.users["worker"], membership=child, on=D2)
    services.end_membership(by=city.users["worker"], membership=head, on=D2)  # the last one may leave
    assert current(household) == {}


@pytest.mark.django_db
def test_changing_a_household_needs_the_right_and_the_scope(city: MiniCity) -> None:
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from gridgov.accounts.roles import Role

    household, people = family(city)
    city.grant("leader", Role.LEADER, region="441300")
    with pytest.raises(PermissionDenied):
        services.change_head(by=city.users["leader"], household=household, new_head=people[1], on=D2)
    with pytest.raises(Http404):
        services.change_head(by=city.users["outsider"], household=household, new_head=people[1], on=D2)
    assert heads(household) == [people[0].pk]


# --- two head changes at once --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_head_changes_end_with_one_head(city: MiniCity) -> None:
    """Two editors make different members head at the same moment. PostgreSQL queues the second on the
    household's row lock, SQLite serialises the writers; either way each change is applied whole (the later
    one wins) or refused as a HeadConflict — never two heads, never a member lost."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("threads on SQLite need a file database (GRIDGOV_TEST_FILE_DB=1): the in-memory one locks tables")
    household, people = family(city)
    editors = [city.users["worker"], city.users["community"]]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            services.change_head(by=editors[i], household=household, new_head=people[i + 1], on=D2)
            outcomes.append("ok")
        except HeadConflict:
            outcomes.append("conflict")
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(outcomes) in (["conflict", "ok"], ["ok", "ok"])
    (head,) = heads(household)
    assert head in (people[1].pk, people[2].pk)
    assert set(current(household)) == {p.pk for p in people}  # nobody dropped out of the household
    assert list(current(household).values()).count("head") == 1
