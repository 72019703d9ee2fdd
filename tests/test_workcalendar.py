"""Deadlines in working time: China's statutory calendar with 调休, office hours with a lunch break, working hours
and working days. Office hours here are the default 08:30-12:00 and 14:00-17:30 (7 working hours a day)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from gridgov.core.workcalendar import (
    DEFAULT_OFFICE_HOURS,
    add_working_time,
    calendar_knows_year,
    is_working_day,
    parse_office_hours,
    working_hours_between,
)
from gridgov.matters.models import LimitUnit

SH = ZoneInfo("Asia/Shanghai")


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SH)


@pytest.fixture(autouse=True)
def default_office_hours() -> Iterator[None]:
    # Whatever GRIDGOV_OFFICE_HOURS the environment sets, these tests are about the local example.
    with override_settings(OFFICE_HOURS=DEFAULT_OFFICE_HOURS):
        yield


# --- the calendar -----------------------------------------------------------------------------------------


def test_national_day_2025_and_its_make_up_days_are_as_chinesecalendar_says() -> None:
    # The 2025 National Day and Mid-Autumn holiday: 10-01..10-08 off; Sunday 09-28 and Saturday 10-11 worked.
    for day in range(1, 9):
        assert chinese_calendar.is_holiday(date(2025, 10, day))
        assert not is_working_day(date(2025, 10, day))
    assert chinese_calendar.is_workday(date(2025, 9, 28)) and date(2025, 9, 28).weekday() == 6
    assert chinese_calendar.is_workday(date(2025, 10, 11)) and date(2025, 10, 11).weekday() == 5
    assert is_working_day(date(2025, 9, 28))
    assert is_working_day(date(2025, 10, 11))
    assert not is_working_day(date(2025, 9, 27))  # an ordinary Saturday
    assert not is_working_day(date(2025, 10, 12))  # an ordinary Sunday
    assert is_working_day(date(2025, 10, 9))


def test_a_year_chinesecalendar_does_not_know_falls_back_to_monday_to_friday(caplog: pytest.LogCaptureFixture) -> None:
    assert not calendar_knows_year(2003)
    assert calendar_knows_year(2025)
    with caplog.at_level(logging.WARNING, logger="gridgov.core.workcalendar"):
        assert is_working_day(date(2003, 10, 1))  # National Day 2003, a Wednesday: unknown, so a working day
        assert not is_working_day(date(2003, 10, 4))  # a Saturday
        assert not is_working_day(date(2003, 10, 5))  # a Sunday
        assert is_working_day(date(2003, 10, 6))
    # Friday 2003-10-03 16:00 + 4 working hours: 1.5 h on Friday, 2.5 h on Monday.
    assert add_working_time(sh(2003, 10, 3, 16), 4, "hours") == sh(2003, 10, 6, 11)
    assert add_working_time(sh(2003, 9, 30, 10), 1, "days") == sh(2003, 10, 1, 17, 30)


def test_unknown_years_are_logged_so_an_outdated_package_is_noticed(caplog: pytest.LogCaptureFixture) -> None:
    is_working_day.cache_clear()
    from gridgov.core import workcalendar

    workcalendar._warn_unknown_year.cache_clear()
    with caplog.at_level(logging.WARNING, logger="gridgov.core.workcalendar"):
        is_working_day(date(2003, 3, 3))
    assert "2003" in caplog.text


def test_is_working_day_refuses_a_datetime_whose_date_depends_on_the_time_zone() -> None:
    with pytest.raises(TypeError):
        is_working_day(sh(2025, 6, 10, 9))


# --- working hours ----------------------------------------------------------------------------------------


def test_two_hours_within_office_hours_of_a_weekday() -> None:
    due = add_working_time(sh(2025, 6, 11, 9), 2, "hours")
    assert due == sh(2025, 6, 11, 11)
    assert due.tzinfo is UTC


def test_working_hours_skip_the_lunch_break() -> None:
    assert add_working_time(sh(2025, 6, 10, 11), 2, "hours") == sh(2025, 6, 10, 15)


def test_a_limit_that_ends_exactly_at_noon_is_due_at_noon_not_after_lunch() -> None:
    assert add_working_time(sh(2025, 6, 10, 10), 2, "hours") == sh(2025, 6, 10, 12)


def test_working_hours_skip_the_weekend() -> None:
    # Friday 16:00: 1.5 h on Friday, 2.5 h from Monday 08:30.
    assert add_working_time(sh(2025, 6, 13, 16), 4, "hours") == sh(2025, 6, 16, 11)


def test_working_hours_skip_the_national_day_holiday() -> None:
    # Tuesday 09-30 16:00: 1.5 h, then nothing until Thursday 10-09.
    assert add_working_time(sh(2025, 9, 30, 16), 4, "hours") == sh(2025, 10, 9, 11)


def test_a_make_up_saturday_counts_as_a_working_day() -> None:
    # Friday 10-10 16:00: 1.5 h on Friday, 2.5 h on the 调休 Saturday 10-11.
    assert add_working_time(sh(2025, 10, 10, 16), 4, "hours") == sh(2025, 10, 11, 11)
    # And a make-up Sunday: Friday 09-26 17:00 + 1 h → Sunday 09-28 09:00.
    assert add_working_time(sh(2025, 9, 26, 17), 1, "hours") == sh(2025, 9, 28, 9)


@pytest.mark.parametrize(
    ("start", "due"),
    [
        (sh(2025, 6, 10, 22), sh(2025, 6, 11, 10, 30)),  # at night
        (sh(2025, 6, 11, 7), sh(2025, 6, 11, 10, 30)),  # before opening
        (sh(2025, 6, 11, 12, 30), sh(2025, 6, 11, 16)),  # at lunch
        (sh(2025, 6, 14, 10), sh(2025, 6, 16, 10, 30)),  # on a Saturday
        (sh(2025, 10, 3, 10), sh(2025, 10, 9, 10, 30)),  # on a holiday
    ],
    ids=["night", "before-opening", "lunch", "weekend", "holiday"],
)
def test_a_start_outside_office_hours_counts_from_the_next_opening(start: datetime, due: datetime) -> None:
    assert add_working_time(start, 2, "hours") == due


def test_life_or_property_danger_two_working_hours() -> None:
    assert add_working_time(sh(2025, 6, 9, 16, 30), 2, "hours") == sh(2025, 6, 10, 9, 30)


def test_twenty_four_working_hours_is_three_office_days_and_three_hours() -> None:
    # 7 working hours a day: Monday, Tuesday, Wednesday = 21 h, then 3 h on Thursday morning.
    assert add_working_time(sh(2025, 6, 9, 8, 30), 24, "hours") == sh(2025, 6, 12, 11, 30)


def test_fractional_working_hours() -> None:
    assert add_working_time(sh(2025, 6, 10, 11, 30), 1.5, "hours") == sh(2025, 6, 10, 15)


def test_zero_working_hours_is_the_start_itself() -> None:
    assert add_working_time(sh(2025, 6, 14, 3), 0, "hours") == sh(2025, 6, 14, 3)


def test_any_time_zone_goes_in_and_utc_comes_out() -> None:
    start = sh(2025, 6, 11, 9).astimezone(ZoneInfo("Europe/Berlin"))
    due = add_working_time(start, 2, "hours")
    assert due.tzinfo is UTC
    assert due == datetime(2025, 6, 11, 3, tzinfo=UTC)


# --- working days -----------------------------------------------------------------------------------------


def test_a_case_registered_friday_afternoon_with_seven_working_days_is_due_at_the_close_of_the_seventh_day() -> None:
    # Friday 06-13 16:00; the Friday does not count: Mon 16 .. Fri 20 are days 1-5, Mon 23 is 6, Tue 24 is 7.
    assert add_working_time(sh(2025, 6, 13, 16), 7, "days") == sh(2025, 6, 24, 17, 30)


@pytest.mark.parametrize(
    "start",
    [sh(2025, 6, 13, 16), sh(2025, 6, 13, 20), sh(2025, 6, 14, 10), sh(2025, 6, 15, 23, 59)],
    ids=["friday-office", "friday-night", "saturday", "sunday-night"],
)
def test_registering_after_closing_or_on_a_weekend_starts_day_one_on_the_next_working_day(start: datetime) -> None:
    assert add_working_time(start, 7, "days") == sh(2025, 6, 24, 17, 30)


def test_fifteen_working_days_for_a_complex_matter() -> None:
    # Monday 06-09: days 1-4 Tue..Fri, 5-9 next week, 10-14 the week after, 15 is Monday 06-30.
    assert add_working_time(sh(2025, 6, 9, 10), 15, "days") == sh(2025, 6, 30, 17, 30)


def test_seven_working_days_across_the_national_day_holiday_count_the_make_up_days() -> None:
    # Friday 09-26 16:00: Sun 09-28 (1), 09-29 (2), 09-30 (3), 10-09 (4), 10-10 (5), Sat 10-11 (6), Mon 10-13 (7).
    assert add_working_time(sh(2025, 9, 26, 16), 7, "days") == sh(2025, 10, 13, 17, 30)


def test_working_days_accept_the_limit_unit_choices() -> None:
    assert add_working_time(sh(2025, 6, 13, 16), 7, LimitUnit.WORKING_DAYS) == sh(2025, 6, 24, 17, 30)
    assert add_working_time(sh(2025, 6, 10, 11), 2, LimitUnit.WORKING_HOURS) == sh(2025, 6, 10, 15)


def test_zero_working_days_is_the_close_of_today_or_of_the_next_working_day_once_closed() -> None:
    assert add_working_time(sh(2025, 6, 13, 9), 0, "days") == sh(2025, 6, 13, 17, 30)
    assert add_working_time(sh(2025, 6, 13, 18), 0, "days") == sh(2025, 6, 16, 17, 30)
    assert add_working_time(sh(2025, 10, 1, 9), 0, "days") == sh(2025, 10, 9, 17, 30)


# --- working hours between --------------------------------------------------------------------------------


def test_working_hours_between_count_only_office_time() -> None:
    assert working_hours_between(sh(2025, 6, 13, 16), sh(2025, 6, 16, 11)) == 4
    assert working_hours_between(sh(2025, 6, 10, 12), sh(2025, 6, 10, 14)) == 0
    assert working_hours_between(sh(2025, 9, 30, 8), sh(2025, 10, 9, 8)) == 7
    assert working_hours_between(sh(2025, 6, 9, 0), sh(2025, 6, 16, 0)) == 35


def test_working_hours_between_is_negative_backwards() -> None:
    assert working_hours_between(sh(2025, 6, 16, 11), sh(2025, 6, 13, 16)) == -4


@pytest.mark.parametrize("hours", [1, 2, 4, 7, 24, 100])
@pytest.mark.parametrize(
    "start", [sh(2025, 6, 13, 16), sh(2025, 9, 30, 11, 45), sh(2025, 10, 4, 3), sh(2025, 12, 31, 17)]
)
def test_working_hours_between_undoes_add_working_time(start: datetime, hours: int) -> None:
    assert working_hours_between(start, add_working_time(start, hours, "hours")) == hours


# --- properties -------------------------------------------------------------------------------------------

BASE = datetime(2024, 12, 20, tzinfo=UTC)
starts = st.integers(min_value=0, max_value=60 * 24 * 420).map(lambda minutes: BASE + timedelta(minutes=minutes))
quarter_hours = st.integers(min_value=0, max_value=400).map(lambda quarters: quarters / 4)


@hypothesis_settings(deadline=None)
@given(start=starts, later_by=st.integers(min_value=0, max_value=60 * 24 * 20), hours=quarter_hours)
def test_a_later_start_never_gives_an_earlier_deadline_in_hours(start: datetime, later_by: int, hours: float) -> None:
    later = start + timedelta(minutes=later_by)
    assert add_working_time(later, hours, "hours") >= add_working_time(start, hours, "hours")


@hypothesis_settings(deadline=None)
@given(start=starts, later_by=st.integers(min_value=0, max_value=60 * 24 * 20), days=st.integers(0, 30))
def test_a_later_start_never_gives_an_earlier_deadline_in_days(start: datetime, later_by: int, days: int) -> None:
    later = start + timedelta(minutes=later_by)
    assert add_working_time(later, days, "days") >= add_working_time(start, days, "days")


@hypothesis_settings(deadline=None)
@given(start=starts, a=quarter_hours, b=quarter_hours)
def test_working_hours_add_up(start: datetime, a: float, b: float) -> None:
    assert add_working_time(add_working_time(start, a, "hours"), b, "hours") == add_working_time(start, a + b, "hours")


@hypothesis_settings(deadline=None)
@given(start=starts, hours=quarter_hours)
def test_the_deadline_is_exactly_the_amount_of_working_hours_away(start: datetime, hours: float) -> None:
    due = add_working_time(start, hours, "hours")
    assert due >= start
    assert working_hours_between(start, due) == hours


# --- refusals and configuration ---------------------------------------------------------------------------


@pytest.mark.parametrize("unit", ["weeks", "", "HOURS", "working_days"])
def test_an_unknown_unit_is_refused(unit: str) -> None:
    with pytest.raises(ValueError, match="unit"):
        add_working_time(sh(2025, 6, 10, 9), 2, unit)


def test_a_naive_datetime_is_refused() -> None:
    naive = sh(2025, 6, 10, 9).replace(tzinfo=None)
    with pytest.raises(ValueError, match="aware"):
        add_working_time(naive, 2, "hours")
    with pytest.raises(ValueError, match="aware"):
        working_hours_between(naive, sh(2025, 6, 11, 9))
    with pytest.raises(ValueError, match="aware"):
        working_hours_between(sh(2025, 6, 9, 9), naive)


@pytest.mark.parametrize("amount", [-1, 1.5, float("nan"), float("inf")])
def test_negative_non_finite_or_fractional_working_days_are_refused(amount: float) -> None:
    with pytest.raises(ValueError):
        add_working_time(sh(2025, 6, 10, 9), amount, "days")


def test_negative_working_hours_are_refused() -> None:
    with pytest.raises(ValueError):
        add_working_time(sh(2025, 6, 10, 9), -2, "hours")


@override_settings(OFFICE_HOURS="09:00-17:00")
def test_office_hours_come_from_the_settings() -> None:
    assert add_working_time(sh(2025, 6, 10, 16), 2, "hours") == sh(2025, 6, 11, 10)
    assert add_working_time(sh(2025, 6, 13, 16), 1, "days") == sh(2025, 6, 16, 17)
    assert working_hours_between(sh(2025, 6, 9, 0), sh(2025, 6, 10, 0)) == 8


@override_settings(OFFICE_HOURS="08:00-11:30, 13:30-17:00 ,19:00-20:00")
def test_office_hours_may_have_several_periods() -> None:
    assert add_working_time(sh(2025, 6, 10, 16), 2, "hours") == sh(2025, 6, 10, 20)
    assert add_working_time(sh(2025, 6, 10, 9), 0, "days") == sh(2025, 6, 10, 20)


@pytest.mark.parametrize(
    "spec",
    [
        "",
        "8-12",
        "08:30-12:00;14:00-17:30",
        "12:00-08:30",
        "08:00-08:00",
        "25:00-26:00",
        "08:00-12:00,11:00-17:00",
        "14:00-17:00,08:00-12:00",
    ],
)
def test_malformed_office_hours_are_refused(spec: str) -> None:
    with pytest.raises(ImproperlyConfigured):
        parse_office_hours(spec)


def test_the_default_office_hours_are_the_local_example() -> None:
    assert [(str(begin), str(end)) for begin, end in parse_office_hours(DEFAULT_OFFICE_HOURS)] == [
        ("08:30:00", "12:00:00"),
        ("14:00:00", "17:30:00"),
    ]


def test_clock_hours_count_nights_and_holidays() -> None:
    # A fire reported at 23:00 on National Day is due two real hours later, not after the holiday.
    start = datetime(2025, 10, 1, 23, 0, tzinfo=SH)
    due = add_working_time(start, 2, "clock_hours")
    assert due == datetime(2025, 10, 2, 1, 0, tzinfo=SH)
    assert due.tzinfo == UTC
