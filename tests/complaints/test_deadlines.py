"""Deadlines stored on the case: per kind and priority, across weekends, holidays and 调休 days,
moved by extensions, suspension and reopening, and a year without calendar data."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from complaints import services
from complaints.models import CaseKind, Priority, Stage, State
from core import clock
from core.models import CalendarYear

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*parts) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)


@pytest.fixture
def dispatched_then_signed(register, cast, business_department):
    """Register at `start`, dispatch an hour later, sign at `signed`."""

    def make(start: datetime, signed: datetime, **fields):
        with clock.travel_to(start):
            case = register(**fields)
        with clock.travel_to(start + timedelta(hours=1)):
            services.case_dispatch(
                case_id=case.pk, actor=cast.dispatcher, lead_department=business_department
            )
        with clock.travel_to(signed):
            return services.case_sign(case_id=case.pk, actor=cast.handler)

    return make


def test_dispatch_deadline_is_four_working_hours_across_the_lunch_break(register):
    with clock.travel_to(at(2026, 11, 20, 10, 0)):  # a Friday morning
        case = register()

    assert case.stage == Stage.DISPATCH
    assert case.stage_deadline == at(2026, 11, 20, 15, 30)


def test_dispatch_deadline_late_on_friday_runs_into_monday(register):
    with clock.travel_to(at(2026, 11, 20, 17, 0)):
        case = register()

    assert case.stage_deadline == at(2026, 11, 23, 12, 0)


def test_urgent_cases_run_on_clock_minutes(register):
    with clock.travel_to(at(2026, 11, 21, 23, 0)):  # Saturday night
        case = register(priority=Priority.URGENT)

    assert case.stage_deadline == at(2026, 11, 21, 23, 30)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (CaseKind.CONSULTATION, at(2026, 11, 25, 18, 0)),  # 3 working days after Friday the 20th
        (CaseKind.HELP, at(2026, 12, 1, 18, 0)),  # 7
        (CaseKind.COMPLAINT, at(2026, 12, 11, 18, 0)),  # 15
    ],
)
def test_handling_deadline_depends_on_the_kind(kind, expected, dispatched_then_signed):
    case = dispatched_then_signed(at(2026, 11, 20, 9, 0), at(2026, 11, 20, 11, 0), kind=kind)

    assert (case.stage, case.stage_deadline) == (Stage.HANDLE, expected)


def test_handling_deadline_skips_the_national_day_holiday_and_counts_the_adjusted_saturday(
    dispatched_then_signed,
):
    # Signed on 30 September: 1–7 October are holidays, 8 and 9 October are working days 1 and 2, and
    # Saturday 10 October is an adjusted working day (调休), day 3.
    case = dispatched_then_signed(at(2026, 9, 30, 9, 0), at(2026, 9, 30, 11, 0), kind=CaseKind.CONSULTATION)

    assert case.stage_deadline == at(2026, 10, 10, 18, 0)


def test_a_petition_matter_has_sixty_calendar_days(dispatched_then_signed):
    case = dispatched_then_signed(at(2026, 11, 2, 9, 0), at(2026, 11, 2, 11, 0), is_petition=True)

    assert case.stage_deadline == at(2027, 1, 1, 23, 59, 59)


def test_an_approved_extension_moves_both_deadlines(case_in, cast):
    case = case_in(State.IN_PROGRESS)
    before_stage, before_overall = case.stage_deadline, case.overall_deadline
    services.case_request_extension(case_id=case.pk, actor=cast.handler, amount=2, reason="等待检测报告")

    case = services.case_decide_extension(case_id=case.pk, actor=cast.head, approve=True)

    assert case.state == State.IN_PROGRESS and case.extension_count == 1
    assert case.stage_deadline > before_stage and case.overall_deadline > before_overall
    assert case.stage_deadline.astimezone(SHANGHAI).hour == 18


def test_a_refused_extension_keeps_the_deadline(case_in, cast):
    case = case_in(State.IN_PROGRESS)
    services.case_request_extension(case_id=case.pk, actor=cast.handler, amount=2, reason="等待检测报告")

    refused = services.case_decide_extension(
        case_id=case.pk, actor=cast.head, approve=False, note="理由不充分"
    )

    assert refused.stage_deadline == case.stage_deadline and refused.extension_count == 0


def test_extensions_are_capped_and_must_come_before_the_deadline(dispatched_then_signed, cast, english):
    case = dispatched_then_signed(at(2026, 11, 2, 9, 0), at(2026, 11, 2, 11, 0))
    with clock.travel_to(at(2026, 11, 2, 12, 0)):
        services.case_start(case_id=case.pk, actor=cast.handler)
        with pytest.raises(services.ActionRefused, match="between 1 and 5"):
            services.case_request_extension(case_id=case.pk, actor=cast.handler, amount=9, reason="太忙")
        for _round in range(3):
            services.case_request_extension(case_id=case.pk, actor=cast.handler, amount=1, reason="需要检测")
            services.case_decide_extension(case_id=case.pk, actor=cast.head, approve=True)
        with pytest.raises(services.ActionRefused, match="3 extensions"):
            services.case_request_extension(case_id=case.pk, actor=cast.handler, amount=1, reason="还需要")
    with (
        clock.travel_to(at(2027, 3, 1, 9, 0)),
        pytest.raises(services.ActionRefused, match="before the deadline"),
    ):
        services.case_request_extension(case_id=case.pk, actor=cast.handler, amount=1, reason="晚了")


def test_suspension_stops_the_clock(dispatched_then_signed, cast):
    case = dispatched_then_signed(at(2026, 11, 2, 9, 0), at(2026, 11, 2, 11, 0))  # Monday
    with clock.travel_to(at(2026, 11, 2, 12, 0)):
        services.case_start(case_id=case.pk, actor=cast.handler)
        services.case_suspend(case_id=case.pk, actor=cast.handler, reason="等待诉求人补充材料")
    deadline = case.stage_deadline
    # Resumed on Wednesday at 12:00: two working days of 7.5 hours passed while suspended.
    with clock.travel_to(at(2026, 11, 4, 12, 0)):
        resumed = services.case_resume(case_id=case.pk, actor=cast.handler)

    assert resumed.state == State.IN_PROGRESS
    assert resumed.stage_deadline == deadline + timedelta(days=2)
    assert resumed.events.filter(action="resume").get().payload["paused_working_seconds"] == 2 * 27000


def test_reopening_starts_a_new_deadline_from_the_reopening(case_in, cast):
    case = case_in(State.REPLIED)
    services.case_revisit(case_id=case.pk, actor=cast.agent, verdict="unsatisfied")

    with clock.travel_to(at(2026, 12, 4, 10, 0)):  # a Friday
        reopened = services.case_reopen(case_id=case.pk, actor=cast.agent, note="问题仍未解决")

    assert reopened.state == State.REOPENED and reopened.reopen_count == 1
    assert reopened.stage_deadline == at(2026, 12, 15, 18, 0)  # 7 working days after Friday the 4th
    assert reopened.overall_deadline == reopened.stage_deadline


def test_a_year_without_calendar_data_counts_weekends_only_and_the_page_says_so(
    dispatched_then_signed, office, client_as
):
    assert not CalendarYear.objects.filter(year=2027).exists()
    # Signed Wednesday 30 December 2026 + 3 working days: 31 December, then 2027 with weekends only:
    # 1 January (a holiday in reality, but there is no 2027 data) and Monday 4 January.
    case = dispatched_then_signed(at(2026, 12, 30, 9, 0), at(2026, 12, 30, 11, 0), kind=CaseKind.CONSULTATION)

    assert case.stage_deadline == at(2027, 1, 4, 18, 0)
    with clock.travel_to(at(2026, 12, 30, 12, 0)):
        content = client_as(office).get(reverse("complaints:detail", args=[case.number])).content.decode()
    assert "2027" in content and ("weekends only" in content or "仅按周末" in content or "周末" in content)


def test_pages_show_time_left_in_working_time(dispatched_then_signed, office, client_as):
    case = dispatched_then_signed(at(2026, 11, 20, 9, 0), at(2026, 11, 20, 11, 0), kind=CaseKind.CONSULTATION)
    client = client_as(office)
    client.post(reverse("core:language_switch"), {"language": "en"})

    with clock.travel_to(at(2026, 11, 24, 16, 0)):
        content = client.get(reverse("complaints:detail", args=[case.number])).content.decode()
    # Tuesday 16:00 to Wednesday 18:00: 2 hours + 7.5 hours = 1 working day 2 hours.
    assert "1 working day 2 hours left" in content
    with clock.travel_to(at(2026, 11, 26, 10, 0)):
        content = client.get(reverse("complaints:detail", args=[case.number])).content.decode()
    assert "overdue by 1 hour" in content
