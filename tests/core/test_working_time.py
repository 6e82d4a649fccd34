"""Deadlines on the working-day calendar seeded from `chinesecalendar` (DOMAIN.md §3).

The 2026 facts these tests lean on, checked against the package: 10-01..10-07 are the National Day
holiday; 2026-02-14 and 2026-10-10 (Saturdays) and 2026-09-20 (a Sunday) are adjusted working days; March
2026 has no holiday. The package has no data for 2027.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from core import working_time
from core.models import CalendarDay, CalendarYear
from core.working_time import (
    DurationUnit,
    RemainingTime,
    WorkingCalendar,
    clear_working_calendar_cache,
    working_calendar,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOUR = 3600


def at(year, month, day, hour=0, minute=0, second=0):
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    clear_working_calendar_cache()
    yield
    clear_working_calendar_cache()


@pytest.fixture
def calendar(db):
    return working_calendar()


# Working days


def test_working_days_skip_the_weekend(calendar):
    friday = at(2026, 3, 6, 10)

    assert calendar.add(friday, 1, DurationUnit.WORKING_DAYS) == at(2026, 3, 9, 18)
    # Units stored in a CharField come back as plain strings.
    assert calendar.add(friday, 1, "working_days") == at(2026, 3, 9, 18)
    assert calendar.add(at(2026, 3, 5, 16), 3, DurationUnit.WORKING_DAYS) == at(2026, 3, 10, 18)


def test_the_day_of_registration_does_not_count_whatever_the_hour(calendar):
    assert calendar.add(at(2026, 3, 10, 0, 5), 1, DurationUnit.WORKING_DAYS) == at(2026, 3, 11, 18)
    assert calendar.add(at(2026, 3, 10, 23, 55), 1, DurationUnit.WORKING_DAYS) == at(2026, 3, 11, 18)


def test_working_days_skip_the_national_day_holiday_and_count_the_adjusted_saturday(calendar):
    registered = at(2026, 9, 30, 10)

    # 10-01..10-07 off; Thursday 10-08 and Friday 10-09 are days 1 and 2; Saturday 10-10 is at work.
    assert calendar.add(registered, 1, DurationUnit.WORKING_DAYS) == at(2026, 10, 8, 18)
    assert calendar.add(registered, 3, DurationUnit.WORKING_DAYS) == at(2026, 10, 10, 18)
    assert calendar.add(registered, 4, DurationUnit.WORKING_DAYS) == at(2026, 10, 12, 18)


def test_an_adjusted_weekend_day_counts_as_a_working_day(calendar):
    assert calendar.is_working_day(date(2026, 2, 14))
    assert calendar.add(at(2026, 2, 13, 15), 1, DurationUnit.WORKING_DAYS) == at(2026, 2, 14, 18)
    # 2026-09-20 is a Sunday at work before the National Day holiday; Saturday 09-19 is not.
    assert not calendar.is_working_day(date(2026, 9, 19))
    assert calendar.add(at(2026, 9, 18, 9), 1, DurationUnit.WORKING_DAYS) == at(2026, 9, 20, 18)


def test_a_holiday_on_a_weekday_is_not_a_working_day(calendar):
    assert not calendar.is_working_day(date(2026, 10, 1))
    assert calendar.is_working_day(date(2026, 3, 9))
    assert not calendar.is_working_day(date(2026, 3, 8))


def test_a_start_on_a_sunday(calendar):
    sunday = at(2026, 3, 8, 11)

    assert calendar.add(sunday, 1, DurationUnit.WORKING_DAYS) == at(2026, 3, 9, 18)
    assert calendar.add(sunday, 4, DurationUnit.WORKING_HOURS) == at(2026, 3, 9, 14, 30)


# Working hours


def test_working_hours_skip_the_lunch_break(calendar):
    assert calendar.add(at(2026, 3, 10, 11), 2, DurationUnit.WORKING_HOURS) == at(2026, 3, 10, 14, 30)
    # A start during the break begins when work resumes.
    assert calendar.add(at(2026, 3, 10, 12, 30), 1, DurationUnit.WORKING_HOURS) == at(2026, 3, 10, 14, 30)
    # A deadline at the end of a period stays there rather than moving past the break.
    assert calendar.add(at(2026, 3, 10, 10), 2, DurationUnit.WORKING_HOURS) == at(2026, 3, 10, 12)


def test_working_hours_continue_the_next_working_morning(calendar):
    assert calendar.add(at(2026, 3, 10, 17), 2, DurationUnit.WORKING_HOURS) == at(2026, 3, 11, 10)
    assert calendar.add(at(2026, 3, 10, 20), 1, DurationUnit.WORKING_HOURS) == at(2026, 3, 11, 10)
    assert calendar.add(at(2026, 3, 10, 7), 1, DurationUnit.WORKING_HOURS) == at(2026, 3, 10, 10)


def test_working_hours_skip_the_weekend(calendar):
    friday = at(2026, 3, 6, 17)

    assert calendar.add(friday, 1, DurationUnit.WORKING_HOURS) == at(2026, 3, 6, 18)
    assert calendar.add(friday, 4, DurationUnit.WORKING_HOURS) == at(2026, 3, 9, 12)
    assert calendar.add(friday, 5, DurationUnit.WORKING_HOURS) == at(2026, 3, 9, 14, 30)


def test_working_hours_skip_the_national_day_holiday(calendar):
    assert calendar.add(at(2026, 9, 30, 17), 2, DurationUnit.WORKING_HOURS) == at(2026, 10, 8, 10)


def test_working_hours_follow_the_setting(db, settings):
    settings.WORKING_HOURS = [("08:30", "12:00"), ("14:00", "17:30")]
    calendar = working_calendar()

    assert calendar.working_day_length == timedelta(hours=7)
    assert calendar.add(at(2026, 3, 10, 11), 2, DurationUnit.WORKING_HOURS) == at(2026, 3, 10, 15)
    assert calendar.add(at(2026, 3, 10, 11), 1, DurationUnit.WORKING_DAYS) == at(2026, 3, 11, 17, 30)


# Clock time and calendar days


def test_clock_hours_and_minutes_ignore_the_calendar(calendar):
    holiday_night = at(2026, 10, 3, 22)

    assert calendar.add(holiday_night, 24, DurationUnit.CLOCK_HOURS) == at(2026, 10, 4, 22)
    assert calendar.add(holiday_night, 2, DurationUnit.CLOCK_HOURS) == at(2026, 10, 4, 0)
    assert calendar.add(holiday_night, 30, DurationUnit.CLOCK_MINUTES) == at(2026, 10, 3, 22, 30)


def test_calendar_days_end_at_the_last_second_of_the_day(calendar):
    assert calendar.add(at(2026, 9, 30, 10), 15, DurationUnit.CALENDAR_DAYS) == at(2026, 10, 15, 23, 59, 59)
    assert calendar.add(at(2026, 3, 10, 23, 30), 1, DurationUnit.CALENDAR_DAYS) == at(2026, 3, 11, 23, 59, 59)


def test_results_are_in_local_time_whatever_the_zone_of_the_start(calendar):
    in_utc = at(2026, 3, 10, 11).astimezone(ZoneInfo("UTC"))

    deadline = calendar.add(in_utc, 2, DurationUnit.WORKING_HOURS)

    assert deadline == at(2026, 3, 10, 14, 30)
    assert deadline.utcoffset() == timedelta(hours=8)


def test_bad_amounts_units_and_naive_datetimes_are_refused(calendar):
    start = at(2026, 3, 10, 10)

    for unit in DurationUnit.values:
        assert calendar.add(start, 0, unit) == start
    with pytest.raises(ValueError, match="backwards"):
        calendar.add(start, -1, DurationUnit.WORKING_DAYS)
    with pytest.raises(ValueError, match="fortnights"):
        calendar.add(start, 1, "fortnights")
    with pytest.raises(ValueError, match="aware"):
        calendar.add(datetime(2026, 3, 10, 10), 1, DurationUnit.WORKING_DAYS)


# Years without data


def test_a_year_without_data_counts_weekends_only_and_is_reported(calendar):
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert calendar.has_data_for(2026)
    assert not calendar.has_data_for(2027)
    new_years_eve = at(2026, 12, 31, 10)

    # 2027-01-01 is a Friday: without the 2027 schedule it counts as a working day.
    deadline = calendar.add(new_years_eve, 1, DurationUnit.WORKING_DAYS)

    assert deadline == at(2027, 1, 1, 18)
    assert calendar.years_without_data(new_years_eve, deadline) == [2027]
    assert calendar.years_without_data(at(2026, 3, 10), at(2026, 10, 10)) == []
    assert calendar.years_without_data(at(2026, 3, 10), None) == []
    assert calendar.years_without_data(at(2027, 6, 1), at(2029, 1, 5)) == [2027, 2028, 2029]


def test_a_year_whose_rows_are_deleted_falls_back_to_weekends_only(db):
    CalendarDay.objects.filter(date__year=2026).delete()
    CalendarYear.objects.filter(year=2026).delete()

    calendar = working_calendar()

    assert calendar.years_without_data(at(2026, 9, 30, 10)) == [2026]
    assert calendar.is_working_day(date(2026, 10, 1))
    assert not calendar.is_working_day(date(2026, 10, 10))
    assert calendar.add(at(2026, 9, 30, 10), 3, DurationUnit.WORKING_DAYS) == at(2026, 10, 5, 18)


# Working time between two moments, and shifting a deadline


def test_working_seconds_between_skip_the_weekend_and_the_lunch_break(calendar):
    friday, monday = at(2026, 3, 6, 17), at(2026, 3, 9, 10)

    assert calendar.working_seconds_between(friday, monday) == 2 * HOUR
    assert calendar.working_seconds_between(monday, friday) == -2 * HOUR
    assert calendar.working_seconds_between(at(2026, 3, 10, 11), at(2026, 3, 10, 14)) == int(1.5 * HOUR)
    assert calendar.working_seconds_between(at(2026, 3, 10, 0), at(2026, 3, 11, 0)) == int(7.5 * HOUR)
    assert calendar.working_seconds_between(at(2026, 10, 1, 9), at(2026, 10, 7, 18)) == 0


def test_shift_adds_the_paused_working_time_to_the_deadline(calendar):
    deadline = calendar.add(at(2026, 3, 3, 10), 3, DurationUnit.WORKING_DAYS)
    assert deadline == at(2026, 3, 6, 18)
    suspended, resumed = at(2026, 3, 4, 16), at(2026, 3, 5, 10)

    paused = calendar.working_seconds_between(suspended, resumed)

    assert paused == 3 * HOUR
    assert calendar.shift(deadline, paused) == at(2026, 3, 9, 12)
    assert calendar.shift(deadline, 0) == deadline
    with pytest.raises(ValueError, match="later"):
        calendar.shift(deadline, -1)


# Time left


def test_describe_remaining_before_the_deadline(calendar):
    remaining = calendar.describe_remaining(at(2026, 3, 10, 14), at(2026, 3, 12, 18))

    assert remaining == RemainingTime(is_overdue=False, working_days=2, working_hours=4, working_minutes=0)
    with translation.override("en"):
        assert str(remaining) == "2 working days 4 hours left"
    with translation.override("zh-hans"):
        assert str(remaining) == "剩余 2 个工作日 4 小时"


def test_describe_remaining_after_the_deadline(calendar):
    deadline = at(2026, 3, 12, 18)

    remaining = calendar.describe_remaining(at(2026, 3, 16, 11), deadline)

    assert remaining == RemainingTime(is_overdue=True, working_days=1, working_hours=2, working_minutes=0)
    with translation.override("en"):
        assert str(remaining) == "overdue by 1 working day 2 hours"
        assert str(calendar.describe_remaining(at(2026, 3, 13, 11, 30), deadline)) == (
            "overdue by 2 hours 30 minutes"
        )
        # The weekend after a Friday deadline adds no working time but the deadline has passed.
        assert str(calendar.describe_remaining(at(2026, 3, 14, 10), at(2026, 3, 13, 18))) == "overdue"
        assert str(calendar.describe_remaining(deadline, deadline)) == "less than a minute left"
    with translation.override("zh-hans"):
        text = str(remaining)
        assert isinstance(text, str)
        assert text == "已超期 1 个工作日 2 小时"


# The seeded data and the loader


@pytest.mark.django_db
def test_the_migration_seeds_every_year_of_the_package():
    from chinese_calendar import constants

    seeded_years = set(CalendarYear.objects.values_list("year", flat=True))
    assert seeded_years == {day.year for day in constants.holidays} | {day.year for day in constants.workdays}
    assert CalendarYear.objects.get(year=2026).source == "chinesecalendar"
    assert CalendarDay.objects.count() == len(constants.holidays) + len(constants.workdays)
    national_day = CalendarDay.objects.get(date=date(2026, 10, 1))
    assert (national_day.is_working_day, national_day.name) == (False, "国庆节")
    assert CalendarDay.objects.get(date=date(2026, 9, 20)).is_working_day


@pytest.mark.django_db
def test_a_day_needs_its_calendar_year():
    with pytest.raises(ValidationError) as error:
        CalendarDay(date=date(2027, 1, 1), name="元旦").full_clean()

    assert error.value.error_dict["date"][0].code == "year_without_calendar"
    CalendarYear.objects.create(year=2027)
    CalendarDay(date=date(2027, 1, 1), name="元旦").full_clean()


@pytest.mark.django_db
def test_working_calendar_takes_two_queries_then_none_while_cached(
    django_assert_max_num_queries, django_assert_num_queries
):
    with django_assert_max_num_queries(2):
        first = working_calendar()
    with django_assert_num_queries(0):
        second = working_calendar()

    assert second is first


@pytest.mark.django_db
def test_the_cache_holds_until_cleared_or_expired(monkeypatch):
    assert not working_calendar().has_data_for(2027)
    CalendarYear.objects.create(year=2027, source="国务院办公厅通知")

    assert not working_calendar().has_data_for(2027)
    clear_working_calendar_cache()
    assert working_calendar().has_data_for(2027)

    CalendarYear.objects.filter(year=2027).delete()
    later = working_time.monotonic() + working_time.CACHE_SECONDS + 1
    monkeypatch.setattr(working_time, "monotonic", lambda: later)
    assert not working_calendar().has_data_for(2027)


def test_a_calendar_built_by_hand_needs_no_database():
    calendar = WorkingCalendar(
        years_with_data=[2030],
        exceptions={date(2030, 1, 1): False, date(2030, 1, 5): True},
        working_periods=[("09:00", "17:00")],
    )

    assert calendar.working_day_length == timedelta(hours=8)
    # Monday 2029-12-31 + 2 working days: Tuesday 2030-01-01 is off, Wednesday and Thursday count.
    assert calendar.add(at(2029, 12, 31, 9), 2, DurationUnit.WORKING_DAYS) == at(2030, 1, 3, 17)
    assert calendar.add(at(2030, 1, 4, 16), 2, DurationUnit.WORKING_HOURS) == at(2030, 1, 5, 10)
    assert calendar.years_without_data(at(2029, 12, 31), at(2030, 1, 3)) == [2029]


def test_admin_edits_of_the_calendar_clear_the_cache(admin, client_as, django_capture_on_commit_callbacks):
    client = client_as(admin)
    assert client.get(reverse("admin:core_calendaryear_changelist")).status_code == 200
    assert client.get(reverse("admin:core_calendarday_changelist"), {"date__year": "2026"}).status_code == 200
    assert working_calendar().is_working_day(date(2026, 3, 10))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:core_calendarday_add"),
            {"date": "2026-03-10", "name": "临时休假"},
        )

    assert response.status_code == 302
    assert not working_calendar().is_working_day(date(2026, 3, 10))

    day = CalendarDay.objects.get(date=date(2026, 3, 10))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:core_calendarday_delete", args=[day.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert working_calendar().is_working_day(date(2026, 3, 10))


def test_working_days_between_matches_a_day_by_day_count_over_years(db):
    calendar = working_calendar()
    first = date(2024, 12, 20)
    for last in (
        date(2024, 12, 19),
        date(2024, 12, 20),
        date(2025, 1, 31),
        date(2026, 10, 10),
        date(2027, 3, 1),
    ):
        expected = sum(
            calendar.is_working_day(first + timedelta(days=offset))
            for offset in range((last - first).days + 1)
        )
        assert calendar.working_days_between(first, last) == expected, last
