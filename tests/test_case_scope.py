"""Who sees which cases: territory for the centres and grid workers, units for departments, own reports for
residents; out of scope is "does not exist", for reads and for actions alike."""

from __future__ import annotations

import pytest

from gridgov.cases import services
from gridgov.cases.models import Case

from .case_factories import CaseCity


def numbers(cc: CaseCity, user: str) -> set[str]:
    return set(Case.objects.visible_to(cc.users[user]).values_list("number", flat=True))


def test_cases_are_visible_by_territory_unit_and_reporter(cc: CaseCity) -> None:
    mine = cc.report(by="resident", source="resident")
    elsewhere = cc.report(by="district", source="hotline", point=(114.435, 23.135))  # grid 441302002002002
    far = cc.report(by="outsider", source="hotline", point=(114.47, 23.12))  # district 441303
    assert numbers(cc, "community") == {mine.number}
    assert numbers(cc, "worker") == {mine.number}
    assert numbers(cc, "district") == {mine.number, elsewhere.number}
    assert numbers(cc, "outsider") == {far.number}
    assert numbers(cc, "resident") == {mine.number}
    assert numbers(cc, "cm") == set()
    assert numbers(cc, "nobody") == set()
    services.accept_case(mine, by=cc.users["community"])
    services.dispatch_case(mine, to=cc.units["cm"], by=cc.users["community"])
    assert numbers(cc, "cm") == {mine.number}
    services.summon_units(mine, by=cc.users["community"], units=[cc.units["police"]])
    assert numbers(cc, "police") == {mine.number}
    assert numbers(cc, "justice") == set()


def test_a_resident_does_not_see_a_neighbours_report(cc: CaseCity) -> None:
    cc.report(by="worker")
    assert numbers(cc, "resident") == set()


def test_an_out_of_scope_dispatcher_gets_not_found_when_acting(cc: CaseCity) -> None:
    case = cc.report()
    with pytest.raises(Case.DoesNotExist):
        services.accept_case(case, by=cc.users["outsider"])
    case.refresh_from_db()
    assert case.status == "reported"
    assert case.events.count() == 1


def test_a_dispatcher_of_another_community_cannot_act_on_the_case(cc: CaseCity) -> None:
    from gridgov.accounts.roles import Role

    other = cc.city.grant("other_community", Role.COMMUNITY_DISPATCHER, region="441302001002")
    case = cc.report()
    with pytest.raises(Case.DoesNotExist):
        services.accept_case(case, by=other)
