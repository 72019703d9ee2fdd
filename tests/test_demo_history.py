"""The demo's history is written in bulk (``gridgov.demo.cases.write_history``): its rows must be those the services
write for the same case — the same case row, the same timeline rows with the same times, statuses, notes and
data, the same deadlines and frozen overdue flags — and every timeline must replay through the workflow table to
its case's status."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from gridgov.cases import services
from gridgov.cases.models import Case, CaseEvent
from gridgov.cases.workflow import TRANSITIONS, Status
from gridgov.demo.cases import (
    HANDLE_RESULT,
    RATING_COMMENT,
    REJECT_REASON,
    VERIFY_NOTE,
    HistoricCase,
    _history_times,
    history_steps,
    write_history,
)

from .case_factories import POINT, CaseCity

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: A Monday morning; the case starts the Tuesday before, so its steps cross office hours and a night.
NOW = datetime.datetime(2026, 3, 16, 10, 0, tzinfo=SHANGHAI)
START = datetime.datetime(2026, 3, 10, 9, 30, tzinfo=SHANGHAI)
#: Hours between the steps: report, accept, dispatch, sign, handle (late: the limit is 4 working hours), verify,
#: rate.
DELAYS = [0.0, 1.0, 0.5, 1.0, 30.0, 3.0, 5.0]


def historic(cc: CaseCity, script: str = "closed", rating: str = "dissatisfied") -> HistoricCase:
    u = cc.users
    item = HistoricCase(
        category=cc.categories["rubbish"],
        source="patrol",
        lon=POINT[0],
        lat=POINT[1],
        place="某路1号",
        description="垃圾桶满溢,周边散落生活垃圾。",
        urgency="normal",
        reporter=u["worker"],
        centre=u["community"],
        script=script,
        delays=DELAYS[:2] if script == "rejected" else DELAYS if rating else DELAYS[:-1],
        start=START,
    )
    if script == "closed":
        item.unit, item.handler = cc.units["cm"], u["cm"]
        if rating:
            item.rating, item.rater = rating, u["worker"]
    return item


def drive(h: HistoricCase) -> Case:
    """The same case through the services, each call at its time."""
    times = _history_times(h, NOW.astimezone(datetime.UTC))
    calls = [
        lambda c: (
            services.report_case(
                by=h.reporter,
                source=h.source,
                category=h.category,
                lon=h.lon,
                lat=h.lat,
                description=h.description,
                address=h.place,
                urgency=h.urgency,
            ).case
        )
    ]
    if h.script == "rejected":
        calls.append(lambda c: services.reject_case(c, by=h.centre, reason=REJECT_REASON))
    else:
        unit = h.unit
        assert unit is not None
        calls += [
            lambda c: services.accept_case(c, by=h.centre),
            lambda c: services.dispatch_case(c, to=unit, by=h.centre),
            lambda c: services.sign_case(c, by=h.handler),
            lambda c: services.handle_case(c, by=h.handler, result=HANDLE_RESULT),
            lambda c: services.verify_case(c, by=h.centre, note=VERIFY_NOTE),
        ]
        if h.rating:
            calls.append(lambda c: services.rate_case(c, by=h.rater, rating=h.rating, comment=RATING_COMMENT[h.rating]))
    assert len(calls) == len(times) == len(history_steps(h))
    case: Case | None = None
    for call, when in zip(calls, times, strict=True):
        with time_machine.travel(when, tick=False):
            case = call(case)
    assert case is not None
    return case


def row(case: Case) -> dict[str, object]:
    case = Case.objects.get(pk=case.pk)
    skip = {"id", "number"}
    return {f.attname: getattr(case, f.attname) for f in Case._meta.concrete_fields if f.name not in skip}


def timeline(case: Case) -> list[tuple[object, ...]]:
    return list(
        CaseEvent.objects.filter(case=case)
        .order_by("id")
        .values_list("actor_id", "at", "action", "from_status", "to_status", "note", "data")
    )


def replays(case: Case) -> bool:
    """Walk the timeline through the workflow table: each transition allowed from the status before it, landing
    where the table says; the walk ends at the case's status."""
    status = ""
    for action, from_status, to_status in (
        CaseEvent.objects.filter(case=case).order_by("at", "id").values_list("action", "from_status", "to_status")
    ):
        if action == "report":
            if status or to_status != Status.REPORTED:
                return False
        else:
            transition = TRANSITIONS[action]
            if from_status != status or status not in transition.sources:
                return False
            if to_status != (transition.target or status):
                return False
        status = to_status
    return status == case.status


@pytest.mark.parametrize(("script", "rating"), [("closed", "dissatisfied"), ("closed", ""), ("rejected", "")])
def test_a_bulk_case_is_the_case_the_services_write(cc: CaseCity, script: str, rating: str) -> None:
    item = historic(cc, script, rating)
    driven = drive(item)
    (bulk,) = write_history([item], NOW.astimezone(datetime.UTC))
    assert row(bulk) == row(driven)
    assert timeline(bulk) == timeline(driven)
    assert bulk.number != driven.number


def test_the_late_stage_is_frozen_and_the_times_fall_in_office_hours(cc: CaseCity) -> None:
    (bulk,) = write_history([historic(cc)], NOW.astimezone(datetime.UTC))
    bulk.refresh_from_db()
    assert bulk.status == Status.CLOSED and bulk.due_at is None
    assert bulk.overdue_stages == {"handle": True}
    assert bulk.rating == "dissatisfied" and bulk.rated_by_id == bulk.reporter_id
    for at in CaseEvent.objects.filter(case=bulk).values_list("at", flat=True):
        assert 8 <= at.astimezone(SHANGHAI).hour < 20
    assert bulk.created_at == CaseEvent.objects.get(case=bulk, action="report").at


@pytest.mark.parametrize(("script", "rating"), [("closed", "satisfied"), ("closed", ""), ("rejected", "")])
def test_every_bulk_timeline_replays_through_the_workflow_table(cc: CaseCity, script: str, rating: str) -> None:
    cases = write_history([historic(cc, script, rating) for _ in range(3)], NOW.astimezone(datetime.UTC))
    assert len({c.number for c in cases}) == 3
    assert all(replays(c) for c in cases)


def test_the_replay_refuses_a_timeline_that_skips_a_step(cc: CaseCity) -> None:
    (bulk,) = write_history([historic(cc)], NOW.astimezone(datetime.UTC))
    CaseEvent.objects.filter(case=bulk, action="sign").delete()
    assert not replays(bulk)


def test_a_closed_case_without_its_unit_is_refused(cc: CaseCity) -> None:
    item = historic(cc)
    item.unit = None
    with pytest.raises(ValueError, match="unit"):
        write_history([item], NOW.astimezone(datetime.UTC))
    assert not Case.objects.exists()


def test_the_case_numbers_of_bulk_and_services_never_collide(cc: CaseCity) -> None:
    first = cc.report()
    cases = write_history([historic(cc) for _ in range(5)], NOW.astimezone(datetime.UTC))
    last = cc.report()
    numbers = [int(first.number), *(int(c.number) for c in cases), int(last.number)]
    assert numbers == list(range(numbers[0], numbers[0] + 7))
