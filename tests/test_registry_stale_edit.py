"""An edit made against an older version (a phone offline) is refused for the fields someone else changed since,
and merged when it touches only fields that did not move."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from gridgov.accounts.roles import Role
from gridgov.registry import services
from gridgov.registry.models import Person
from gridgov.registry.services import StaleEdit

from .factories import MiniCity
from .registry_factories import make_person

pytestmark = pytest.mark.django_db

OLD_PHONE = "13800000001"
NEW_PHONE = "13900000002"


@pytest.fixture
def person(city: MiniCity) -> Person:
    return make_person(city, seq=1, occupation="", workplace="惠州学院")


def seen(person: Person) -> dict[str, object]:
    """What an editor's copy holds (the phone sends these back as ``base``)."""
    return {
        "phone": person.phone.reveal() if person.phone else "",
        "occupation": person.occupation,
        "workplace": person.workplace,
        "name": person.name,
        "birth_date": person.birth_date.isoformat(),
        "house": person.house_id,
    }


def someone_else_changes(city: MiniCity, person: Person, **changes: object) -> Person:
    return services.update_person(by=city.users["community"], person=person, changes=changes)


def test_a_stale_edit_of_a_changed_field_is_refused_naming_it(city: MiniCity, person: Person) -> None:
    base = seen(person)
    someone_else_changes(city, person, phone=NEW_PHONE)
    with pytest.raises(StaleEdit) as info:
        services.update_person(
            by=city.users["worker"], person=person, changes={"phone": "13700000003"}, expected_version=1, base=base
        )
    assert info.value.fields == ["phone"]
    assert info.value.current_version == 2
    assert "phone" in str(info.value.message)
    fresh = Person.objects.get(pk=person.pk)
    assert fresh.phone.reveal() == NEW_PHONE and fresh.version == 2


def test_only_the_fields_that_moved_are_listed_and_nothing_is_written(city: MiniCity, person: Person) -> None:
    base = seen(person)
    someone_else_changes(city, person, phone=NEW_PHONE, workplace="惠州市第一中学")
    changes = {"phone": "13700000003", "workplace": "惠州市中心医院", "occupation": "教师"}
    with pytest.raises(StaleEdit) as info:
        services.update_person(by=city.users["worker"], person=person, changes=changes, expected_version=1, base=base)
    assert info.value.fields == ["phone", "workplace"]  # occupation did not move: not a conflict
    fresh = Person.objects.get(pk=person.pk)
    assert (fresh.occupation, fresh.workplace, fresh.version) == ("", "惠州市第一中学", 2)


def test_a_stale_edit_of_unchanged_fields_is_merged_onto_the_newer_version(city: MiniCity, person: Person) -> None:
    base = seen(person)
    someone_else_changes(city, person, phone=NEW_PHONE)
    services.update_person(
        by=city.users["worker"],
        person=person,
        changes={"occupation": "教师", "birth_date": dt.date(1980, 5, 17)},
        expected_version=1,
        base=base,
    )
    fresh = Person.objects.get(pk=person.pk)
    assert fresh.occupation == "教师"
    assert fresh.phone.reveal() == NEW_PHONE  # the other editor's change stays
    assert fresh.version == 3


def test_a_field_missing_from_base_counts_as_moved(city: MiniCity, person: Person) -> None:
    someone_else_changes(city, person, workplace="惠州市第一中学")
    with pytest.raises(StaleEdit) as info:
        services.update_person(
            by=city.users["worker"], person=person, changes={"occupation": "教师"}, expected_version=1, base={}
        )
    assert info.value.fields == ["occupation"]


def test_the_current_version_is_not_a_conflict(city: MiniCity, person: Person) -> None:
    someone_else_changes(city, person, phone=NEW_PHONE)
    services.update_person(
        by=city.users["worker"], person=person, changes={"phone": OLD_PHONE}, expected_version=2, base={}
    )
    assert Person.objects.get(pk=person.pk).phone.reveal() == OLD_PHONE


def test_a_protected_field_is_compared_by_its_plaintext(city: MiniCity, person: Person) -> None:
    """The base holds the plaintext the editor saw; the stored value is ciphertext with a fresh nonce each save,
    so comparing anything but the plaintext would call every protected field moved."""
    base = seen(person)
    someone_else_changes(city, person, occupation="教师")  # phone re-encrypted, unchanged
    services.update_person(
        by=city.users["worker"], person=person, changes={"phone": NEW_PHONE}, expected_version=1, base=base
    )
    assert Person.objects.get(pk=person.pk).phone.reveal() == NEW_PHONE


def test_a_foreign_key_in_base_is_compared_by_its_key(city: MiniCity, person: Person) -> None:
    base = seen(person)
    other_house = city.buildings["441302001001001"].houses.order_by("number").last()
    someone_else_changes(city, person, house=other_house)
    with pytest.raises(StaleEdit) as info:
        services.update_person(
            by=city.users["worker"], person=person, changes={"house": None}, expected_version=1, base=base
        )
    assert info.value.fields == ["house"]


def test_a_stale_edit_is_still_validated(city: MiniCity, person: Person) -> None:
    from django.core.exceptions import ValidationError

    base = seen(person)
    someone_else_changes(city, person, workplace="惠州市第一中学")
    with pytest.raises(ValidationError) as info:
        services.update_person(
            by=city.users["worker"], person=person, changes={"phone": "12345"}, expected_version=1, base=base
        )
    assert "phone" in info.value.message_dict
    assert Person.objects.get(pk=person.pk).version == 2


def test_editing_needs_the_change_permission_in_scope(city: MiniCity, person: Person) -> None:
    city.grant("leader", Role.LEADER, region="441300")
    with pytest.raises(PermissionDenied):
        services.update_person(by=city.users["leader"], person=person, changes={"occupation": "教师"})
    with pytest.raises(Http404):
        services.update_person(by=city.users["outsider"], person=person, changes={"occupation": "教师"})
    assert Person.objects.get(pk=person.pk).version == 1
