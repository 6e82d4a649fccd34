"""Deadlines that act: a case walked by a frozen clock through every threshold, across the 2026 National
Day holiday (with its working Saturday) and a weekend; each notice once, to the right people, in their
language; supervision by hand and its answer; unanswered supervision escalates."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from complaints import services
from complaints.errors import ActionForbidden, ActionRefused
from complaints.escalation import escalation_sweep
from complaints.models import CaseEvent, CaseKind, CaseSchedule, State, Supervision
from core import clock
from core.models import Notice

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
SHANGHAI = ZoneInfo("Asia/Shanghai")
SIGNED = datetime(2026, 9, 29, 10, 0, tzinfo=SHANGHAI)  # a Tuesday, two days before National Day
# A help request has 7 working days: 9-30, 10-8, 10-9, 10-10 (a working Saturday), 10-12, 10-13, 10-14.
DEADLINE = datetime(2026, 10, 14, 18, 0, tzinfo=SHANGHAI)
# 59 working hours in all (7.5 a day plus the rest of the first morning): half of them end on the
# working Saturday, 80 % on the Tuesday after.
HALF = datetime(2026, 10, 10, 9, 30, tzinfo=SHANGHAI)
EIGHTY = datetime(2026, 10, 13, 13, 42, tzinfo=SHANGHAI)
ONE_DAY_LATE = datetime(2026, 10, 15, 18, 0, tzinfo=SHANGHAI)
TWO_DAYS_LATE = datetime(2026, 10, 16, 18, 0, tzinfo=SHANGHAI)
THREE_DAYS_LATE = datetime(2026, 10, 19, 18, 0, tzinfo=SHANGHAI)  # over the weekend: Monday
MINUTE = timedelta(minutes=1)


def next_at(case):
    return CaseSchedule.objects.get(case=case).next_at


@pytest.fixture
def signed_case(case_in, handler, head):
    handler.language = "en"
    handler.save()
    head.language = "zh-hans"
    head.save()
    with clock.travel_to(SIGNED):
        case = case_in(State.SIGNED, kind=CaseKind.HELP)
    assert case.stage_deadline == DEADLINE
    Notice.objects.all().delete()  # the dispatch's "new case" notices: not what these tests count
    return case


def sweep_at(moment: datetime) -> list[tuple[str, str]]:
    """Run the sweep at `moment`; the (kind, recipient) pairs of the notices it stored."""
    before = set(Notice.objects.values_list("pk", flat=True))
    with clock.travel_to(moment):
        escalation_sweep()
    return sorted(
        Notice.objects.exclude(pk__in=before).values_list("kind", "recipient__username").order_by("kind")
    )


def test_each_threshold_fires_once_at_its_moment_to_its_people(signed_case, office, leader):
    case = signed_case
    assert next_at(case) == HALF

    assert sweep_at(HALF - MINUTE) == []
    assert sweep_at(HALF) == [("case_warning", "handler")]
    assert sweep_at(HALF + MINUTE) == []  # once only
    assert sweep_at(EIGHTY - MINUTE) == []
    assert sweep_at(EIGHTY) == [("case_warning", "handler")]
    assert sweep_at(DEADLINE - MINUTE) == []
    assert sweep_at(DEADLINE) == [("case_urging", "handler"), ("case_urging", "head")]
    assert sweep_at(ONE_DAY_LATE - MINUTE) == []
    assert sweep_at(ONE_DAY_LATE) == [
        ("case_overdue", "handler"),
        ("case_supervision", "head"),
        ("case_supervision", "office"),
    ]
    assert sweep_at(TWO_DAYS_LATE) == [("case_overdue", "handler")]
    assert sweep_at(TWO_DAYS_LATE + timedelta(days=1)) == []  # Saturday 17 October: no working day
    assert sweep_at(THREE_DAYS_LATE) == [
        ("case_listed", "head"),
        ("case_listed", "leader"),
        ("case_listed", "office"),
        ("case_overdue", "handler"),
        # The supervision notice of day one was due for its answer now too, unanswered: it goes up.
        ("supervision_escalated", "leader"),
        ("supervision_escalated", "office"),
    ]
    assert sweep_at(THREE_DAYS_LATE + MINUTE) == []

    supervisions = list(Supervision.objects.filter(case=case).order_by("issued_at"))
    assert [(item.kind, item.department) for item in supervisions] == [
        (Supervision.Kind.SUPERVISION, case.lead_department),
        (Supervision.Kind.LISTED, case.lead_department),
    ]
    # Answer due two working days after issue: Thursday 15 October 18:00 → Monday 19 October 18:00.
    assert supervisions[0].answer_due_at == THREE_DAYS_LATE
    assert list(
        CaseEvent.objects.filter(case=case, type=CaseEvent.Type.SUPERVISION).values_list(
            "action", "created_at"
        )
    ) == [("issue_supervision", ONE_DAY_LATE), ("issue_listed", THREE_DAYS_LATE)]


def test_notices_are_written_in_each_recipients_language(signed_case):
    sweep_at(DEADLINE)
    english = Notice.objects.get(kind="case_urging", recipient__username="handler")
    chinese = Notice.objects.get(kind="case_urging", recipient__username="head")
    assert english.subject == f"Urging: case {signed_case.number} has reached its deadline"
    assert chinese.subject == f"催办：工单 {signed_case.number} 已到办理期限"
    assert english.url == signed_case.get_absolute_url() and english.target == signed_case


def test_a_sweep_after_downtime_sends_what_came_due_once_and_late(signed_case):
    # Beat and worker were down from before the first threshold until the Monday three days late.
    sent = sweep_at(THREE_DAYS_LATE + timedelta(hours=1))
    kinds = [kind for kind, _user in sent]
    assert kinds.count("case_warning") == 2  # 50 % and 80 %, late rather than never
    assert kinds.count("case_urging") == 2 and kinds.count("case_supervision") == 2
    assert kinds.count("case_listed") == 3
    assert kinds.count("case_overdue") == 1  # the daily reminder once, for the latest day
    assert sweep_at(THREE_DAYS_LATE + timedelta(hours=2)) == []


def test_the_sweep_reads_only_the_cases_coming_due(signed_case, case_in):
    with clock.travel_to(SIGNED):
        others = [case_in(State.SIGNED, kind=CaseKind.COMPLAINT) for _number in range(3)]
    assert all(next_at(case) > HALF for case in others)
    with clock.travel_to(HALF):
        result = escalation_sweep()
    assert result.cases == 1


def test_a_suspended_case_waits_and_resuming_moves_the_thresholds(signed_case, handler):
    with clock.travel_to(SIGNED + timedelta(hours=1)):
        services.case_start(case_id=signed_case.pk, actor=handler)
        services.case_suspend(case_id=signed_case.pk, actor=handler, reason="等待补充材料")
    assert next_at(signed_case) is None
    assert sweep_at(DEADLINE + timedelta(days=3)) == []
    with clock.travel_to(DEADLINE + timedelta(days=3)):
        case = services.case_resume(case_id=signed_case.pk, actor=handler)
    assert case.stage_deadline > DEADLINE and next_at(case) > DEADLINE + timedelta(days=3)


def test_after_the_reply_the_revisit_stage_has_its_own_thresholds(signed_case, handler, head, agent):
    with clock.travel_to(SIGNED + timedelta(hours=2)):
        services.case_start(case_id=signed_case.pk, actor=handler)
        services.case_submit_reply(
            case_id=signed_case.pk, actor=handler, reply="已修复。", reply_channel="phone"
        )
        case = services.case_approve_reply(case_id=signed_case.pk, actor=head, approve=True)
    assert (case.state, case.stage) == (State.REPLIED, "revisit")
    sent = sweep_at(THREE_DAYS_LATE)
    assert {user for _kind, user in sent} <= {"agent", "office", "leader"}  # the department is done
    assert ("case_urging", "agent") in sent
    assert not Supervision.objects.exists()  # the revisit is the hotline's: no supervision of the department


def test_the_dry_run_lists_and_sends_nothing(signed_case, capsys):
    with clock.travel_to(DEADLINE):
        call_command("escalate", "--dry-run")
    output = capsys.readouterr().out
    assert f"{signed_case.number} warning_50" in output and f"{signed_case.number} urging" in output
    assert not Notice.objects.exists() and next_at(signed_case) == HALF


def test_the_rules_are_data(signed_case, handler):
    from complaints.models import EscalationRule

    EscalationRule.objects.filter(code="warning_50").update(percent_of_stage=25, to_head=True)
    EscalationRule.objects.filter(code="warning_80").update(is_active=False)
    from complaints.escalation import clear_rules_cache

    clear_rules_cache()
    with clock.travel_to(SIGNED):
        services.case_start(case_id=signed_case.pk, actor=handler)
    assert sweep_at(EIGHTY) == [("case_warning", "handler"), ("case_warning", "head")]


# Supervision by hand, the answer, and escalation of an unanswered one


@pytest.fixture
def supervised(signed_case, office):
    with clock.travel_to(ONE_DAY_LATE - timedelta(hours=2)):
        return services.supervision_issue(
            case_id=signed_case.pk,
            actor=office,
            kind=Supervision.Kind.SUPERVISION,
            instructions="请说明超期原因及完成时间。",
        )


def test_the_office_issues_supervision_and_the_head_is_told(supervised, head):
    notice = Notice.objects.get(kind="case_supervision")
    assert notice.recipient == head
    event = CaseEvent.objects.get(case=supervised.case, action="issue_supervision")
    assert event.note == "请说明超期原因及完成时间。"


def test_only_the_office_issues_supervision(signed_case, handler, head):
    for user in (handler, head):
        with pytest.raises(ActionForbidden):
            services.supervision_issue(
                case_id=signed_case.pk, actor=user, kind=Supervision.Kind.SUPERVISION, instructions="x"
            )
    assert not Supervision.objects.exists()


def test_the_head_answers_and_the_office_is_told(supervised, head, office, handler, other_handler):
    for user in (handler, other_handler):
        with pytest.raises(ActionForbidden):
            services.supervision_answer(
                supervision_id=supervised.pk, actor=user, reason="x", new_completion_date=date(2026, 10, 20)
            )
    with clock.travel_to(ONE_DAY_LATE):
        with pytest.raises(ActionRefused, match="past"):
            services.supervision_answer(
                supervision_id=supervised.pk, actor=head, reason="x", new_completion_date=date(2026, 10, 1)
            )
        answered = services.supervision_answer(
            supervision_id=supervised.pk,
            actor=head,
            reason="现场勘查需协调物业，已约定时间。",
            new_completion_date=date(2026, 10, 20),
        )
    assert (answered.answered_by, answered.new_completion_date) == (head, date(2026, 10, 20))
    assert Notice.objects.filter(kind="supervision_answered", recipient=office).count() == 1
    with pytest.raises(ActionRefused, match="answered already"):
        services.supervision_answer(
            supervision_id=supervised.pk, actor=head, reason="again", new_completion_date=date(2026, 10, 21)
        )


def test_an_unanswered_supervision_escalates_to_the_leaders_once(supervised, leader, office):
    assert sweep_at(supervised.answer_due_at - MINUTE).count(("supervision_escalated", "leader")) == 0
    sent = sweep_at(supervised.answer_due_at)
    assert ("supervision_escalated", "leader") in sent and ("supervision_escalated", "office") in sent
    assert (
        sweep_at(supervised.answer_due_at + timedelta(hours=1)).count(("supervision_escalated", "leader"))
        == 0
    )
    supervised.refresh_from_db()
    assert supervised.escalated_at == supervised.answer_due_at


def test_open_cases_of_before_the_upgrade_are_scheduled_without_old_notices(signed_case):
    import importlib

    from django.apps import apps

    CaseSchedule.objects.all().delete()
    migration = importlib.import_module("complaints.migrations.0008_schedule_open_cases")
    with clock.travel_to(EIGHTY + MINUTE):
        migration.schedule_open_cases(apps, None)
    # The migration runs on the real clock; the sweep after it stores the next moment and sends nothing old.
    CaseSchedule.objects.update(next_at=EIGHTY + MINUTE)
    assert sweep_at(EIGHTY + 2 * MINUTE) == []
    assert next_at(signed_case) == DEADLINE
    assert sweep_at(DEADLINE) == [("case_urging", "handler"), ("case_urging", "head")]
