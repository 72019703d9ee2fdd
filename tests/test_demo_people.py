"""The demo's synthetic population (``gridgov.demo.people``), built into three grids of the mini city."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from typing import Any

import pytest
from django.db import connection
from stdnum import numdb

from gridgov.demo.people import TAG_RATES, build_people, delete_people, huizhou_area_code, make_uscc
from gridgov.registry.models import (
    Facility,
    FloatingRegistration,
    Household,
    Membership,
    Organisation,
    Person,
    PersonTag,
    RentalHouse,
)
from gridgov.registry.validation import clean_phone, clean_ric, clean_uscc, ric_birth_date, ric_sex
from gridgov.territory.models import Building, BuildingKind, House

from .factories import MiniCity
from .registry_factories import make_person

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 27)
GRIDS = ("441302001001001", "441302001001002", "441302001002001")


def _add_houses(city: MiniCity) -> None:
    """A residential block (300 homes), a rental building (120) and a commercial building in each grid."""
    for code in GRIDS:
        grid = city.grids[code]
        base = city.buildings[code]
        for n, (kind, homes) in enumerate(
            [(BuildingKind.RESIDENTIAL, 300), (BuildingKind.RENTAL, 120), (BuildingKind.COMMERCIAL, 0)], start=2
        ):
            b = Building.objects.create(
                code=f"{code}{n:05d}", grid=grid, name=f"{n}栋", kind=kind, lon=base.lon, lat=base.lat,
                floors=20, households=homes,
            )  # fmt: skip
            House.objects.bulk_create(
                [House(building=b, number=f"{i // 10 + 1}{i % 10 + 1:02d}", floor=i // 10 + 1) for i in range(homes)]
            )


@pytest.fixture
def population(city: MiniCity) -> MiniCity:
    _add_houses(city)
    build_people([city.grids[c] for c in GRIDS], today=TODAY)
    return city


def _snapshot() -> list[tuple[Any, ...]]:
    return [
        (p.name, p.id_number.reveal(), p.birth_date, p.sex, p.house_id, p.occupancy, p.residence_type)
        for p in Person.objects.order_by("id")
    ]


def test_every_id_number_is_valid_and_agrees_with_birth_date_and_sex(population: MiniCity) -> None:
    people = list(Person.objects.all())
    assert 3000 < len(people) < 4200  # 1,260 homes, 4 % vacant, ≈ 2.85 a household
    numbers = [p.id_number.reveal() for p in people]
    assert len(set(numbers)) == len(numbers)
    areas: Counter[str] = Counter()
    for person, number in zip(people, numbers, strict=True):
        assert clean_ric(number) == number
        assert ric_birth_date(number) == person.birth_date
        assert ric_sex(number) == person.sex
        assert person.birth_date <= TODAY
        areas[number[:6]] += 1
        info = numdb.get("cn/loc").info(number[:6])
        assert len(info) > 1 and info[1][1], number[:6]  # an existing county code
    # born in Huizhou before 1988: the old 惠阳地区 code; after: 惠城区's
    assert areas["442501"] > 100 and areas["441302"] > 100
    assert sum(n for a, n in areas.items() if not a.startswith("44")) > 100  # the floating population's homes


def test_the_area_code_follows_the_birth_year() -> None:
    assert huizhou_area_code("441302", 1975) == "442501"
    assert huizhou_area_code("441302", 1990) == "441302"
    assert huizhou_area_code("441303", 1990) == "441321"
    assert huizhou_area_code("441303", 1999) == "441381"
    assert huizhou_area_code("441303", 2010) == "441303"
    assert huizhou_area_code("441324", 1960) == "440124"


def test_every_household_has_exactly_one_head_and_plausible_members(population: MiniCity) -> None:
    heads = Counter(Membership.objects.filter(relation="head", valid_to=None).values_list("household_id", flat=True))
    households = list(Household.objects.values_list("id", flat=True))
    assert len(households) > 1000
    assert all(heads[h] == 1 for h in households)
    members = Membership.objects.select_related("person").filter(valid_to=None)
    by_household: dict[int, list[Membership]] = {}
    for m in members:
        by_household.setdefault(m.household_id, []).append(m)
    sizes = [len(v) for v in by_household.values()]
    assert 2.4 < sum(sizes) / len(sizes) < 3.3
    for ms in by_household.values():
        head = next(m.person for m in ms if m.relation == "head")
        assert head.age >= 18
        assert len({m.person.house_id for m in ms}) == 1
        for m in ms:
            if m.relation == "spouse":
                assert m.person.sex != head.sex
            if m.relation == "child":
                assert m.person.birth_date > head.birth_date
            if m.relation == "parent":
                assert m.person.birth_date < head.birth_date
    assert Person.objects.count() == members.count()  # everyone in exactly one household


def test_tags_come_at_their_rates_with_the_grid_worker_responsible(population: MiniCity) -> None:
    total = Person.objects.count()
    kinds = Counter(PersonTag.objects.values_list("kind", flat=True))
    for kind, rate in TAG_RATES.items():
        assert kinds[kind] == round(rate * total), kind
    assert 0.01 < kinds["elderly_alone"] / total < 0.035
    assert kinds["released_prisoner"] >= 2 and kinds["mental_disorder"] >= 5
    for tag in PersonTag.objects.filter(kind="elderly_alone").select_related("person"):
        assert tag.person.age >= 65
        assert Membership.objects.filter(household__memberships__person=tag.person, valid_to=None).count() == 1
    worker = population.users["worker"]
    in_worker_grid = PersonTag.objects.filter(scope_code="441302001001001")
    assert in_worker_grid.exists() and set(in_worker_grid.values_list("responsible", flat=True)) == {worker.pk}
    assert set(PersonTag.objects.exclude(scope_code="441302001001001").values_list("responsible", flat=True)) == {None}
    overdue = PersonTag.objects.filter(next_visit_due__lt=TODAY).count()
    assert 0 < overdue < PersonTag.objects.count() / 3
    for tag in PersonTag.objects.select_related("person"):
        assert tag.scope_code == tag.person.scope_code
        assert tag.next_visit_due == tag.compute_next_visit()
        assert tag.valid_from <= TODAY


def test_restricted_tags_stay_hidden_from_a_role_without_the_special_group_scope(population: MiniCity) -> None:
    resident = population.users["resident"]
    assert not PersonTag.objects.visible_to(resident, "view").exists()
    outsider = population.users["outsider"]
    assert not Person.objects.visible_to(outsider, "view").exists()  # 惠阳区's dispatcher: none of these people


def test_floating_people_are_registered_and_some_registrations_expire_within_30_days(population: MiniCity) -> None:
    floating = Person.objects.filter(residence_type="floating")
    assert floating.count() > 300
    regs = FloatingRegistration.objects.all()
    assert regs.count() == floating.filter(birth_date__lte=dt.date(2010, 11, 27)).count()
    assert all(r.expires_on == r.registered_on + dt.timedelta(days=365) for r in regs)
    expiring = FloatingRegistration.objects.expiring(TODAY).count()
    assert 0.03 * regs.count() < expiring < 0.2 * regs.count()
    assert not regs.filter(expires_on__lt=TODAY).exists()


def test_rental_houses_have_a_landlord_from_the_grid_and_tenants(population: MiniCity) -> None:
    rentals = list(RentalHouse.objects.select_related("landlord"))
    assert len(rentals) > 200
    occupancy = Counter(Person.objects.values_list("occupancy", flat=True))
    assert occupancy["owner"] > occupancy["tenant"] > occupancy["lodger"] > 0
    for rental in rentals:
        assert rental.landlord is not None and rental.landlord.occupancy == "owner"
        assert rental.landlord.scope_code == rental.scope_code
        assert set(Person.objects.filter(house=rental.house_id).values_list("occupancy", flat=True)) == {"tenant"}


def test_organisations_have_valid_codes_and_venues_a_fire_safety_status(population: MiniCity) -> None:
    orgs = Organisation.objects.all()
    kinds = Counter(orgs.values_list("kind", flat=True))
    assert set(kinds) == {"enterprise", "social_org", "party_branch", "property_management", "small_venue"}
    for code in orgs.values_list("uscc", flat=True):
        assert clean_uscc(code) == code
    venues = orgs.filter(kind="small_venue")
    assert set(venues.values_list("venue_kind", flat=True)) <= {"shop", "restaurant", "entertainment"}
    assert {"passed", "hazard"} <= set(venues.values_list("fire_safety", flat=True))
    assert not venues.filter(fire_safety="passed", fire_checked_on=None).exists()
    for org in orgs[:50]:
        assert clean_phone(org.contact_phone.reveal())
    codes = list(Facility.objects.values_list("code", "major_class", "minor_class"))
    assert len(codes) > 100
    for code, major, minor in codes:
        assert re.fullmatch(r"441302\d{10}", code) and code[6:8] == major and code[8:10] == minor


def test_a_bad_uscc_fails_the_check_it_is_made_to_pass() -> None:
    good = make_uscc("91", "441302", 12345)
    assert clean_uscc(good) == good
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(Exception, match="校验码"):
        clean_uscc(bad)


def test_no_personal_value_is_stored_in_plain_text(population: MiniCity) -> None:
    person = Person.objects.filter(phone__isnull=False).first()
    assert person is not None
    number, phone = person.id_number.reveal(), person.phone.reveal()
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone, registered_address, current_address FROM registry_person")
        rows = cursor.fetchall()
        cursor.execute("SELECT contact_phone FROM registry_organisation")
        org_rows = cursor.fetchall()
    blob = "\n".join(str(v) for row in rows + org_rows for v in row)
    assert number not in blob and phone not in blob and "惠州市" not in blob
    assert not re.search(r"\d{17}[\dX]|1[3-9]\d{9}", blob)
    assert all(v is None or re.fullmatch(r"[0-9a-f]{8}\$[A-Za-z0-9_=-]+", v) for row in rows for v in row)
    # and the blind index finds the person again
    assert Person.objects.filter(id_number_index=person.id_number_index).get() == person


def test_the_population_is_the_same_every_time_and_deletion_keeps_other_places(city: MiniCity) -> None:
    _add_houses(city)
    elsewhere = make_person(city, by="admin", grid="441303001001001", seq=7)
    build_people([city.grids[c] for c in GRIDS], today=TODAY)
    first = _snapshot()
    delete_people("441302")
    assert list(Person.objects.all()) == [elsewhere]
    assert not Household.objects.exists() and not PersonTag.objects.exists() and not Organisation.objects.exists()
    build_people([city.grids[c] for c in GRIDS], today=TODAY)
    second = [row for row in _snapshot() if row[1] != elsewhere.id_number.reveal()]
    assert second == [row for row in first if row[1] != elsewhere.id_number.reveal()]
