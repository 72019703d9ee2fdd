"""Stage deadlines come from the category's limits in working time, and lateness is frozen per stage."""

from __future__ import annotations

import datetime

import time_machine

from gridgov.cases import services

from .case_factories import CaseCity

CST = datetime.timezone(datetime.timedelta(hours=8))


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=CST)


def test_a_report_on_friday_afternoon_is_due_for_acceptance_on_monday_morning(cc: CaseCity) -> None:
    with time_machine.travel(at(2026, 3, 6, 16, 0), tick=False):
        case = cc.report()
    # 2 working hours: 16:00–17:30 on Friday, then 08:30–09:00 on Monday.
    assert case.due_at == at(2026, 3, 9, 9, 0)


def test_each_stage_gets_its_own_limit(cc: CaseCity) -> None:
    u = cc.users
    with time_machine.travel(at(2026, 3, 4, 9, 0), tick=False):
        case = cc.report(category="building", description="违建")
        services.accept_case(case, by=u["community"])
        services.dispatch_case(case, to=cc.units["cm"], by=u["community"])
        assert case.due_at == at(2026, 3, 4, 15, 0)  # sign: 4 working hours, 09:00–12:00 and 14:00–15:00
        services.sign_case(case, by=u["cm"])
        # handle: 20 working days, the day it starts not counted: 4 March + 20 working days = 1 April.
        assert case.due_at == at(2026, 4, 1, 17, 30)


def test_a_stage_left_after_its_deadline_is_frozen_as_overdue(cc: CaseCity) -> None:
    u = cc.users
    with time_machine.travel(at(2026, 3, 4, 9, 0), tick=False):
        case = cc.report()
    with time_machine.travel(at(2026, 3, 4, 15, 0), tick=False):  # 2-hour acceptance limit long gone
        services.accept_case(case, by=u["community"])
        services.dispatch_case(case, to=cc.units["cm"], by=u["community"])
    case.refresh_from_db()
    assert case.overdue_stages == {"accept": True}
    # Later stages on time do not change the frozen flag.
    with time_machine.travel(at(2026, 3, 4, 15, 30), tick=False):
        services.sign_case(case, by=u["cm"])
    case.refresh_from_db()
    assert case.overdue_stages == {"accept": True}
