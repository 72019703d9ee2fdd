"""Working time: deadlines in working hours and working days (issue 3, "Deadlines in working time").

Working days follow China's statutory calendar from the ``chinesecalendar`` package: weekends are off, statutory
holidays are off, and the make-up working days of 调休 (a Saturday or Sunday worked in exchange for a longer
holiday) are working days. ``chinesecalendar`` knows only the years whose holiday schedule the State Council has
published when the package was released (it raises ``NotImplementedError`` for the others); for such a year this
module falls back to Monday–Friday and logs a warning once per year, so an outdated package shows up in the logs
rather than as a crash. :func:`calendar_knows_year` tells which years are exact.

Office hours are one or more periods of every working day, in Asia/Shanghai wall-clock time, from the
``OFFICE_HOURS`` setting (env ``GRIDGOV_OFFICE_HOURS``, default ``"08:30-12:00,14:00-17:30"``).

Rules (all computed in Asia/Shanghai; aware datetimes in, aware UTC datetimes out; a naive datetime is refused):

- **N working hours**: only time inside office periods of working days counts. A start outside office hours (at
  night, at lunch, on a weekend or holiday) starts counting at the next office opening. The deadline is the moment
  the N-th working hour is used up; if that is exactly the end of a period, the deadline is that end (a 2-hour
  limit started at 10:00 is due at 12:00, not at 14:00).
- **N working days** (N ≥ 1): the day the clock starts is not counted (期间开始之日不计算在内, the rule for
  periods in Chinese procedural law and administrative practice); the deadline is the end of office hours of the
  N-th working day after the Asia/Shanghai calendar date of ``start``. A case registered on Friday at 16:00 with
  7 working days is due at the close of the 7th following working day (the Tuesday after next, without holidays).
  Because the starting day never counts, a case registered after closing time, on a weekend or on a holiday gets
  the same deadline as one registered during the last office hours before it: day 1 is the next working day.
- **0 working days** (当日办结): the end of office hours of the starting day if it is a working day and the office
  has not closed yet, otherwise of the next working day.
- **0 working hours**: ``start`` itself.

Nothing here loops minute by minute: hours walk the office periods day by day, days walk the calendar day by day,
and :func:`is_working_day` is cached per date.
"""

from __future__ import annotations

import logging
import math
import re
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

#: The time zone of office hours and of calendar dates.
OFFICE_TZ = ZoneInfo("Asia/Shanghai")
#: Unit values, equal to ``gridgov.matters.models.LimitUnit`` (a ``str`` enum, so its members are accepted too).
HOURS = "hours"
DAYS = "days"
CLOCK_HOURS = "clock_hours"  # round-the-clock limits: every hour counts, nights and holidays included

DEFAULT_OFFICE_HOURS = "08:30-12:00,14:00-17:30"

Period = tuple[time, time]
_ONE_DAY = timedelta(days=1)
_MICROSECOND = timedelta(microseconds=1)
_PERIOD_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


# --- office hours -----------------------------------------------------------------------------------------


@lru_cache(maxsize=16)
def parse_office_hours(spec: str) -> tuple[Period, ...]:
    """Parse ``"08:30-12:00,14:00-17:30"`` into ordered, non-overlapping periods; refuse anything else."""
    periods: list[Period] = []
    for part in spec.split(","):
        match = _PERIOD_RE.match(part)
        if not match:
            raise ImproperlyConfigured(f"OFFICE_HOURS: {part.strip()!r} is not a period like 08:30-12:00")
        h1, m1, h2, m2 = (int(group) for group in match.groups())
        try:
            begin, end = time(h1, m1), time(h2, m2)
        except ValueError as exc:
            raise ImproperlyConfigured(f"OFFICE_HOURS: {part.strip()!r} is not a valid time of day") from exc
        if begin >= end:
            raise ImproperlyConfigured(f"OFFICE_HOURS: {part.strip()!r} ends before it begins")
        if periods and begin < periods[-1][1]:
            raise ImproperlyConfigured(f"OFFICE_HOURS: {part.strip()!r} overlaps or precedes the period before it")
        periods.append((begin, end))
    return tuple(periods)


def office_hours() -> tuple[Period, ...]:
    """The configured office periods of a working day (Asia/Shanghai wall-clock times)."""
    return parse_office_hours(getattr(settings, "OFFICE_HOURS", DEFAULT_OFFICE_HOURS))


# --- working days -----------------------------------------------------------------------------------------


def calendar_knows_year(year: int) -> bool:
    """Whether ``chinesecalendar`` has the statutory holidays of ``year`` (otherwise Monday–Friday is assumed)."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


@lru_cache(maxsize=64)
def _warn_unknown_year(year: int) -> None:
    logger.warning(
        "chinesecalendar has no holiday schedule for %s; assuming Monday to Friday. Upgrade chinesecalendar.", year
    )


@lru_cache(maxsize=8192)
def is_working_day(d: date) -> bool:
    """Whether ``d`` is a working day: China's statutory calendar with 调休; Monday–Friday for unknown years."""
    if isinstance(d, datetime):
        # A datetime's calendar date depends on its time zone: the caller must say which date is meant.
        raise TypeError("is_working_day takes a date, not a datetime")
    try:
        return bool(chinese_calendar.is_workday(d))
    except NotImplementedError:
        _warn_unknown_year(d.year)
        return d.weekday() < 5


@lru_cache(maxsize=8192)
def _periods_on(d: date, spec: str) -> tuple[tuple[datetime, datetime], ...]:
    """Office periods of ``d`` as UTC instants (none on a day off)."""
    if not is_working_day(d):
        return ()
    return tuple(
        (
            datetime.combine(d, begin, tzinfo=OFFICE_TZ).astimezone(UTC),
            datetime.combine(d, end, tzinfo=OFFICE_TZ).astimezone(UTC),
        )
        for begin, end in parse_office_hours(spec)
    )


def _spec() -> str:
    return str(getattr(settings, "OFFICE_HOURS", DEFAULT_OFFICE_HOURS))


def _local_date(moment: datetime) -> date:
    return moment.astimezone(OFFICE_TZ).date()


def _require_aware(moment: datetime, name: str) -> datetime:
    if not isinstance(moment, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime (naive datetimes are ambiguous)")
    return moment.astimezone(UTC)


# --- deadlines --------------------------------------------------------------------------------------------


def add_working_time(start: datetime, amount: int | float, unit: str) -> datetime:
    """The deadline ``amount`` working hours or working days after ``start`` (rules in the module docstring).

    ``unit`` is ``"hours"`` or ``"days"`` (or a ``LimitUnit``); working days must be a whole number. Returns an
    aware UTC datetime. ``"clock_hours"`` is plain elapsed time, for matters that cannot wait for office hours
    (DOMAIN: danger to life 2 h; water, power, gas, heating 24 h).
    """
    start_utc = _require_aware(start, "start")
    if isinstance(amount, bool) or not isinstance(amount, int | float):
        raise TypeError("amount must be a number")
    if not math.isfinite(amount) or amount < 0:
        raise ValueError(f"amount must be a finite number ≥ 0, not {amount!r}")
    if unit == HOURS:
        return _add_hours(start_utc, timedelta(hours=amount))
    if unit == CLOCK_HOURS:
        return start_utc + timedelta(hours=amount)
    if unit == DAYS:
        if amount != int(amount):
            raise ValueError(f"working days must be a whole number, not {amount!r}")
        return _add_days(start_utc, int(amount))
    raise ValueError(f"unit must be {HOURS!r}, {DAYS!r} or {CLOCK_HOURS!r}, not {unit!r}")


def _add_hours(start: datetime, remaining: timedelta) -> datetime:
    if not remaining:
        return start
    spec = _spec()
    day = _local_date(start)
    while True:
        for begin, end in _periods_on(day, spec):
            if end <= start:
                continue
            counted_from = max(begin, start)
            available = end - counted_from
            if remaining <= available:
                return counted_from + remaining
            remaining -= available
        day += _ONE_DAY


def _close_of(day: date, spec: str) -> datetime:
    return _periods_on(day, spec)[-1][1]


def _add_days(start: datetime, amount: int) -> datetime:
    spec = _spec()
    day = _local_date(start)
    if amount == 0:
        if is_working_day(day) and start < _close_of(day, spec):
            return _close_of(day, spec)
        amount = 1  # closed for the day: today's work is due at the close of the next working day
    counted = 0
    while counted < amount:
        day += _ONE_DAY
        if is_working_day(day):
            counted += 1
    return _close_of(day, spec)


def working_hours_between(a: datetime, b: datetime) -> float:
    """Working hours (office periods of working days) from ``a`` to ``b``; negative if ``b`` is before ``a``.

    ``working_hours_between(s, add_working_time(s, n, "hours")) == n`` for every aware ``s`` and whole ``n``.
    """
    a_utc, b_utc = _require_aware(a, "a"), _require_aware(b, "b")
    if b_utc < a_utc:
        return -working_hours_between(b_utc, a_utc)
    spec = _spec()
    total = timedelta()
    day, last = _local_date(a_utc), _local_date(b_utc)
    while day <= last:
        for begin, end in _periods_on(day, spec):
            overlap = min(end, b_utc) - max(begin, a_utc)
            if overlap > timedelta():
                total += overlap
        day += _ONE_DAY
    return (total // _MICROSECOND) / 3_600_000_000
