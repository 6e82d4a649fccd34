"""Deadline arithmetic on the working-day calendar (DOMAIN.md §3).

`WorkingCalendar` is plain Python built from plain data: the years whose holiday schedule is known, the
exceptions to the weekday rule (statutory holidays and adjusted working days, 调休) and the working periods
of `settings.WORKING_HOURS`. It never queries, so a deadline can be computed and tested without a
database; `working_calendar()` builds one from `CalendarYear` and `CalendarDay` and keeps it for a minute.

All arithmetic happens on the wall clock of `settings.TIME_ZONE` (Asia/Shanghai). Every method takes and
returns aware datetimes; a naive one raises `ValueError`.
"""

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import accumulate
from time import monotonic
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

DEFAULT_WORKING_HOURS = [("09:00", "12:00"), ("13:30", "18:00")]

# How long a loaded calendar is trusted. Each process keeps its own copy, so an edit made in the admin
# of one process reaches the others within this time.
CACHE_SECONDS = 60


class DurationUnit(models.TextChoices):
    """The units a deadline is counted in. `WorkingCalendar.add` documents what each one means."""

    WORKING_DAYS = "working_days", _("working days")
    WORKING_HOURS = "working_hours", _("working hours")
    CLOCK_HOURS = "clock_hours", _("clock hours")
    CLOCK_MINUTES = "clock_minutes", _("clock minutes")
    CALENDAR_DAYS = "calendar_days", _("calendar days")


_UNITS = frozenset(DurationUnit.values)  # built once: add() runs thousands of times per deadline sweep


@dataclass(frozen=True)
class RemainingTime:
    """Working time left before a deadline, or past it, split for display.

    The parts split the absolute working time: a working day is the total length of the working periods
    (7.5 hours by default), so "1 working day 2 hours" is 9.5 hours of working time.
    """

    is_overdue: bool
    working_days: int
    working_hours: int
    working_minutes: int

    def __str__(self) -> str:
        parts = []
        if self.working_days:
            parts.append(
                ngettext("%(count)d working day", "%(count)d working days", self.working_days)
                % {"count": self.working_days}
            )
        if self.working_hours:
            parts.append(
                ngettext("%(count)d hour", "%(count)d hours", self.working_hours)
                % {"count": self.working_hours}
            )
        if self.working_minutes:
            parts.append(
                ngettext("%(count)d minute", "%(count)d minutes", self.working_minutes)
                % {"count": self.working_minutes}
            )
        if not parts:
            return gettext("overdue") if self.is_overdue else gettext("less than a minute left")
        duration = " ".join(parts)
        if self.is_overdue:
            return gettext("overdue by %(duration)s") % {"duration": duration}
        return gettext("%(duration)s left") % {"duration": duration}


class WorkingCalendar:
    """Which days are working days, which hours are working hours, and deadlines counted in them.

    A day is a working day if `exceptions` says so; without an entry, Monday to Friday are working days
    and weekends are not. That same rule is the fallback for a year without data, which
    `years_without_data` reports so that pages can warn that its deadlines count weekends only.
    """

    def __init__(
        self,
        *,
        years_with_data: Iterable[int],
        exceptions: Mapping[date, bool],
        working_periods: Sequence[tuple[str, str]] | None = None,
    ) -> None:
        """`exceptions` maps a date to whether it is a working day; `working_periods` are ordered
        ("HH:MM", "HH:MM") pairs and default to `settings.WORKING_HOURS`."""
        self.working_periods = (
            _working_periods_setting() if working_periods is None else list(working_periods)
        )
        if not self.working_periods:
            raise ValueError("A working day needs at least one working period.")
        self.years_with_data = frozenset(years_with_data)
        self.exceptions = dict(exceptions)
        self.zone = ZoneInfo(settings.TIME_ZONE)
        self._periods = [
            (time.fromisoformat(start), time.fromisoformat(end)) for start, end in self.working_periods
        ]
        self.working_day_length = sum(
            (
                datetime.combine(date.min, end) - datetime.combine(date.min, start)
                for start, end in self._periods
            ),
            timedelta(),
        )
        # For counting working days over long spans: the exceptions that differ from the weekday
        # rule, in date order, with running totals of their effect (+1 a working weekend day, -1 a
        # weekday off).
        changes = sorted(
            (day, 1 if is_working else -1)
            for day, is_working in self.exceptions.items()
            if is_working != (day.weekday() < 5)
        )
        self._change_days = [day for day, _effect in changes]
        self._change_totals = list(accumulate(effect for _day, effect in changes))

    def working_days_between(self, first: date, last: date) -> int:
        """The number of working days from `first` to `last`, both included, in constant time."""
        if last < first:
            return 0
        days = (last - first).days + 1
        full_weeks, rest = divmod(days, 7)
        weekdays = full_weeks * 5 + sum((first.weekday() + offset) % 7 < 5 for offset in range(rest))
        before = bisect_left(self._change_days, first)
        through = bisect_right(self._change_days, last)
        change = (self._change_totals[through - 1] if through else 0) - (
            self._change_totals[before - 1] if before else 0
        )
        return weekdays + change

    def is_working_day(self, day: date) -> bool:
        if day in self.exceptions:
            return self.exceptions[day]
        return day.weekday() < 5

    def has_data_for(self, year: int) -> bool:
        return year in self.years_with_data

    def years_without_data(self, *moments: datetime | None) -> list[int]:
        """The years from the earliest to the latest of `moments` (local time) that have no data.

        Every year in between counts, because a deadline reached across it was counted through it.
        `None` is skipped, so an unset deadline can be passed as it is.
        """
        years = [self._local(moment).year for moment in moments if moment is not None]
        if not years:
            return []
        return [year for year in range(min(years), max(years) + 1) if not self.has_data_for(year)]

    def add(self, start: datetime, amount: int, unit: str) -> datetime:
        """The deadline `amount` `unit`s after `start`, as an aware datetime in local time.

        - working_days: the end of the last working period (18:00 by default) of the `amount`-th working
          day after the date of `start`. The day of `start` never counts, whatever the hour (自受理之日起
          N 个工作日, 不含当日): registered Wednesday 10:00 + 1 working day is Thursday 18:00.
        - working_hours: `amount` hours of working time, walking through the working periods of working
          days only. A start outside working time begins at the next working period; a deadline that
          falls exactly at the end of a period stays there (Friday 17:00 + 1 hour is Friday 18:00).
        - clock_hours, clock_minutes: elapsed time, whatever the calendar says.
        - calendar_days: 23:59:59 local time on the `amount`-th calendar day after the date of `start`.

        `amount` must not be negative; zero returns `start` unchanged in every unit.
        """
        start = self._local(start)
        if unit not in _UNITS:
            raise ValueError(f"Unknown duration unit {unit!r}; use one of {', '.join(DurationUnit.values)}.")
        if amount < 0:
            raise ValueError(f"A deadline cannot be counted backwards ({amount} {unit}).")
        if amount == 0:
            return start
        match unit:
            case DurationUnit.WORKING_DAYS:
                day = start.date()
                counted = 0
                while counted < amount:
                    day += timedelta(days=1)
                    if self.is_working_day(day):
                        counted += 1
                return self._at(day, self._periods[-1][1])
            case DurationUnit.WORKING_HOURS:
                return self._add_working_time(start, timedelta(hours=amount))
            case DurationUnit.CLOCK_HOURS:
                return self._add_elapsed_time(start, timedelta(hours=amount))
            case DurationUnit.CLOCK_MINUTES:
                return self._add_elapsed_time(start, timedelta(minutes=amount))
            case _:  # DurationUnit.CALENDAR_DAYS
                return self._at(start.date() + timedelta(days=amount), time(23, 59, 59))

    def working_seconds_between(self, start: datetime, end: datetime) -> int:
        """Seconds of working time from `start` to `end`; negative if `end` is before `start`.

        Used to pause the clock during a suspension and to show the time left before a deadline.
        """
        start, end = self._local(start), self._local(end)
        if end < start:
            return -self.working_seconds_between(end, start)
        total = timedelta()
        first, last = start.date(), end.date()
        for day in {first, last}:
            for period_start, period_end in self._working_periods_on(day):
                overlap = min(end, period_end) - max(start, period_start)
                if overlap > timedelta():
                    total += overlap
        # The days in between count whole, in constant time: a list of cases overdue by years costs
        # no more than one overdue by a day.
        whole_days = self.working_days_between(first + timedelta(days=1), last - timedelta(days=1))
        return int((total + whole_days * self.working_day_length).total_seconds())

    def shift(self, deadline: datetime, working_seconds: int) -> datetime:
        """`deadline` moved later by `working_seconds` of working time.

        After a suspension, pass the working time the suspension lasted (`working_seconds_between` of
        its start and end): the paused time does not count. Meant for deadlines counted in working time;
        a clock-time deadline moves by the paused clock time instead.
        """
        deadline = self._local(deadline)
        if working_seconds < 0:
            raise ValueError(f"A deadline is shifted later only ({working_seconds} seconds).")
        if working_seconds == 0:
            return deadline
        return self._add_working_time(deadline, timedelta(seconds=working_seconds))

    def describe_remaining(self, now: datetime, deadline: datetime) -> RemainingTime:
        """The working time from `now` to `deadline` (or past it), split into days, hours and minutes.

        A deadline is overdue as soon as `now` is after it, even when no working time has passed since
        (a Friday 18:00 deadline seen on Saturday).
        """
        seconds = abs(self.working_seconds_between(now, deadline))
        day_seconds = int(self.working_day_length.total_seconds())
        days, rest = divmod(seconds, day_seconds)
        return RemainingTime(
            is_overdue=self._local(now) > self._local(deadline),
            working_days=days,
            working_hours=rest // 3600,
            working_minutes=rest % 3600 // 60,
        )

    def _local(self, moment: datetime) -> datetime:
        if timezone.is_naive(moment):
            raise ValueError(f"Working time needs an aware datetime, not {moment!r}.")
        return timezone.localtime(moment, self.zone)

    def _at(self, day: date, hour: time) -> datetime:
        return datetime.combine(day, hour, tzinfo=self.zone)

    def _working_periods_on(self, day: date) -> list[tuple[datetime, datetime]]:
        if not self.is_working_day(day):
            return []
        return [(self._at(day, start), self._at(day, end)) for start, end in self._periods]

    def _add_working_time(self, start: datetime, duration: timedelta) -> datetime:
        remaining = duration
        day = start.date()
        while True:
            for period_start, period_end in self._working_periods_on(day):
                if period_end <= start:
                    continue
                begin = max(start, period_start)
                available = period_end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
            day += timedelta(days=1)

    def _add_elapsed_time(self, start: datetime, duration: timedelta) -> datetime:
        # Aware arithmetic in one zone adds wall-clock time; through UTC it adds elapsed time.
        return (start.astimezone(ZoneInfo("UTC")) + duration).astimezone(self.zone)


def _working_periods_setting() -> list[tuple[str, str]]:
    return [tuple(period) for period in getattr(settings, "WORKING_HOURS", DEFAULT_WORKING_HOURS)]


_cached_calendar: tuple[float, WorkingCalendar] | None = None


def working_calendar() -> WorkingCalendar:
    """The calendar of the database, with at most 2 queries, kept in this process for `CACHE_SECONDS`.

    Reloaded sooner if `settings.WORKING_HOURS` changed or after `clear_working_calendar_cache()`.
    """
    global _cached_calendar
    # Imported here so that models (e.g. `complaints`' `DurationUnit` fields) can import this module.
    from core.models import CalendarDay, CalendarYear

    cached = _cached_calendar
    working_periods = _working_periods_setting()
    if cached is not None and cached[0] > monotonic() and cached[1].working_periods == working_periods:
        return cached[1]
    calendar = WorkingCalendar(
        years_with_data=CalendarYear.objects.values_list("year", flat=True),
        exceptions=dict(CalendarDay.objects.values_list("date", "is_working_day")),
        working_periods=working_periods,
    )
    _cached_calendar = (monotonic() + CACHE_SECONDS, calendar)
    return calendar


def clear_working_calendar_cache() -> None:
    """Forget the loaded calendar, so the next `working_calendar()` reads the database again."""
    global _cached_calendar
    _cached_calendar = None
