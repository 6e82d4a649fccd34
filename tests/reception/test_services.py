"""The visitor register: flags, the queue, the three outcomes, petition deadlines, leader reception days."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from complaints import services as case_services
from complaints.errors import ActionForbidden, ActionRefused
from complaints.models import Case, CaseKind, Channel, ReplyChannel, State
from complaints.selectors import department_inbox
from core import clock
from reception import selectors, services
from reception.models import Visit
from tests.reception.conftest import MORNING, OTHER_ID_NUMBER

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
SHANGHAI = ZoneInfo("Asia/Shanghai")


# Flags: first / repeat / group


def test_a_first_visitor_is_flagged_first(visit_in):
    visit = visit_in(Visit.State.WAITING)
    assert (visit.is_repeat, visit.earlier_visits, visit.is_group) == (False, 0, False)


def test_a_visitor_seen_before_by_id_number_is_a_repeat(visit_in, visitor):
    visit_in(Visit.State.FINISHED)
    again = visit_in(Visit.State.WAITING, phone="13900001111")  # same ID number, a new phone
    assert (again.is_repeat, again.earlier_visits) == (True, 1)


def test_a_visitor_seen_before_by_phone_is_a_repeat(visit_in):
    visit_in(Visit.State.LEFT, id_number="")
    again = visit_in(Visit.State.WAITING, id_number="")
    assert (again.is_repeat, again.earlier_visits) == (True, 1)


def test_a_visitor_with_an_earlier_case_but_no_visit_is_a_repeat(visit_in, register):
    register(citizen_phone="13700002222", citizen_id_number=OTHER_ID_NUMBER)  # a hotline case
    visit = visit_in(Visit.State.WAITING, id_number=OTHER_ID_NUMBER, phone="13600003333")
    assert (visit.is_repeat, visit.earlier_visits) == (True, 0)


def test_another_person_is_not_a_repeat(visit_in):
    visit_in(Visit.State.FINISHED)
    other = visit_in(Visit.State.WAITING, id_number=OTHER_ID_NUMBER, phone="13600003333")
    assert other.is_repeat is False


def test_a_cancelled_booking_is_not_an_earlier_visit(clerk, leader_day, visitor, visit_in):
    booking = services.visit_book(clerk=clerk, leader_day=leader_day, **visitor)
    services.visit_cancel(visit_id=booking.pk, actor=clerk)
    assert visit_in(Visit.State.WAITING).is_repeat is False


@pytest.mark.parametrize(("group_size", "is_group"), [(1, False), (4, False), (5, True), (30, True)])
def test_a_group_visit_is_flagged_from_the_group_size(visit_in, group_size, is_group):
    assert visit_in(Visit.State.WAITING, group_size=group_size).is_group is is_group


def test_the_group_size_threshold_is_a_setting(visit_in, settings):
    settings.RECEPTION_GROUP_SIZE = 3
    assert visit_in(Visit.State.WAITING, group_size=3).is_group


def test_the_gender_comes_from_the_id_number_and_must_agree(clerk, room, visitor):
    visit = services.visit_register(clerk=clerk, room=room, **visitor)
    assert visit.gender == Visit.Gender.FEMALE  # the 17th digit of 11010519491231002X is even
    with pytest.raises(ActionRefused, match="gender does not match"):
        services.visit_register(clerk=clerk, room=room, gender=Visit.Gender.MALE, **visitor)


def test_a_visitor_needs_a_name_a_reason_and_a_way_to_be_answered(clerk, room, visitor):
    for missing in ({"visitor_name": " "}, {"reason": ""}, {"phone": "", "address": ""}):
        with pytest.raises(ActionRefused):
            services.visit_register(clerk=clerk, room=room, **{**visitor, **missing})
    assert not Visit.objects.exists()


# The queue


def test_tickets_count_up_per_day_and_the_queue_keeps_arrival_order(clerk, room, visitor):
    first = services.visit_register(clerk=clerk, room=room, **visitor)
    second = services.visit_register(
        clerk=clerk, room=room, arrived_at=MORNING - timedelta(minutes=30), **visitor
    )
    assert (first.ticket, second.ticket) == (1, 2)
    assert first.display_number == "20261124-001"
    board = selectors.day_board(clerk, day=MORNING.date())
    assert [row.visit for row in board.waiting] == [second, first]  # who came first is called first
    assert board.waiting[0].waiting_minutes == 30
    with clock.travel_to(MORNING + timedelta(days=1)):
        assert services.visit_register(clerk=clerk, room=room, **visitor).ticket == 1


def test_an_arrival_in_the_future_or_on_another_day_is_refused(clerk, room, visitor):
    for arrived_at in (MORNING + timedelta(minutes=5), MORNING - timedelta(days=1)):
        with pytest.raises(ActionRefused):
            services.visit_register(clerk=clerk, room=room, arrived_at=arrived_at, **visitor)


def test_call_in_sets_the_receiver_and_a_finished_visit_cannot_be_called_again(visit_in, clerk):
    visit = visit_in(Visit.State.RECEIVING)
    assert (visit.state, visit.receiver, visit.called_at) == (Visit.State.RECEIVING, clerk, MORNING)
    finished = visit_in(Visit.State.FINISHED)
    with pytest.raises(ActionRefused, match="cannot become"):
        services.visit_call_in(visit_id=finished.pk, actor=clerk)


def test_roles_without_reception_cannot_move_visits(visit_in, handler, leader):
    visit = visit_in(Visit.State.WAITING)
    for user in (handler, leader):
        with pytest.raises(ActionForbidden):
            services.visit_call_in(visit_id=visit.pk, actor=user)
    visit.refresh_from_db()
    assert visit.state == Visit.State.WAITING


# The three outcomes


def test_answered_on_the_spot_is_a_case_answered_face_to_face(visit_in, clerk):
    visit = visit_in(Visit.State.FINISHED)
    case = visit.case
    assert (visit.state, visit.outcome, visit.departed_at) == (
        Visit.State.FINISHED,
        Visit.Outcome.ANSWERED,
        MORNING,
    )
    assert (case.state, case.channel, case.kind) == (
        State.ANSWERED_DIRECTLY,
        Channel.VISIT,
        CaseKind.CONSULTATION,
    )
    assert (case.reply, case.reply_channel) == ("已当面解释阶梯水价。", ReplyChannel.FACE_TO_FACE)
    assert (case.citizen_name, case.citizen_id_number, case.created_by) == ("张三", visit.id_number, clerk)
    assert case.description == "来访人询问水费构成。"


def test_referred_is_a_case_dispatched_to_the_department(
    visit_in, clerk, handler, business_department, category
):
    visit = services.visit_finish(
        visit_id=visit_in(Visit.State.RECEIVING, category=category).pk,
        actor=clerk,
        outcome=Visit.Outcome.REFERRED,
        kind=CaseKind.HELP,
        statement="楼道水管漏水三天。",
        lead_department=business_department,
    )
    assert (visit.case.state, visit.case.lead_department, visit.case.category) == (
        State.DISPATCHED,
        business_department,
        category,
    )
    assert visit.case in department_inbox(handler)["to_sign"]


def test_a_complaint_registered_is_a_complaint_case_with_its_evidence(visit_in, clerk, business_department):
    from django.core.files.uploadedfile import SimpleUploadedFile

    evidence = SimpleUploadedFile("收据.pdf", b"%PDF-1.4 receipt", content_type="application/pdf")
    visit = services.visit_finish(
        visit_id=visit_in(Visit.State.RECEIVING).pk,
        actor=clerk,
        outcome=Visit.Outcome.COMPLAINT,
        kind=CaseKind.CONSULTATION,  # a complaint outcome makes a complaint case whatever was picked
        statement="窗口工作人员态度生硬。",
        request="道歉并整改。",
        lead_department=business_department,
        attachments=[evidence],
    )
    case = visit.case
    assert (case.kind, case.state, case.request) == (CaseKind.COMPLAINT, State.DISPATCHED, "道歉并整改。")
    assert [attachment.original_name for attachment in case.attachments.all()] == ["收据.pdf"]


def test_a_complaint_without_a_department_waits_for_the_dispatcher(visit_in, clerk):
    visit = services.visit_finish(
        visit_id=visit_in(Visit.State.RECEIVING).pk,
        actor=clerk,
        outcome=Visit.Outcome.COMPLAINT,
        kind=CaseKind.REPORT,
        statement="举报抄表员收取好处费。",
    )
    assert (visit.case.kind, visit.case.state) == (CaseKind.REPORT, State.REGISTERED)


@pytest.mark.parametrize(
    ("outcome", "fields", "message"),
    [
        (Visit.Outcome.ANSWERED, {"answer": " "}, "answer"),
        (Visit.Outcome.REFERRED, {}, "department"),
        (Visit.Outcome.ANSWERED, {"answer": "好", "statement": ""}, "Record what the visitor said"),
    ],
)
def test_a_refused_outcome_leaves_the_visit_being_received_and_creates_no_case(
    visit_in, clerk, outcome, fields, message
):
    visit = visit_in(Visit.State.RECEIVING)
    with pytest.raises(ActionRefused, match=message):
        services.visit_finish(
            visit_id=visit.pk, actor=clerk, outcome=outcome, **{"statement": "陈述。", **fields}
        )
    visit.refresh_from_db()
    assert (visit.state, visit.case, Case.objects.count()) == (Visit.State.RECEIVING, None, 0)


def test_a_repeat_picked_while_registering_links_the_case(visit_in, register):
    earlier = register()
    visit = visit_in(Visit.State.RECEIVING, repeat_of=earlier)
    visit = services.visit_finish(
        visit_id=visit.pk,
        actor=visit.clerk,
        outcome=Visit.Outcome.ANSWERED,
        statement="再次反映。",
        answer="已解释。",
    )
    assert visit.case.repeat_of == earlier


def test_the_statement_can_be_saved_before_the_outcome(visit_in, clerk):
    visit = visit_in(Visit.State.RECEIVING)
    services.visit_record_statement(visit_id=visit.pk, actor=clerk, statement="  先记下的内容。 ")
    visit.refresh_from_db()
    assert (visit.statement, visit.state) == ("先记下的内容。", Visit.State.RECEIVING)


# Petition deadlines (DOMAIN.md §3)


def _referred(visit_in, clerk, department, *, is_petition):
    return services.visit_finish(
        visit_id=visit_in(Visit.State.RECEIVING).pk,
        actor=clerk,
        outcome=Visit.Outcome.REFERRED,
        kind=CaseKind.HELP,
        statement="反映拆迁补偿问题。",
        lead_department=department,
        is_petition=is_petition,
    ).case


def test_a_petition_matter_is_handled_within_60_days(visit_in, clerk, business_department):
    petition = _referred(visit_in, clerk, business_department, is_petition=True)
    ordinary = _referred(visit_in, clerk, business_department, is_petition=False)
    assert petition.is_petition
    # 60 calendar days from 2026-11-24, to the end of the day; an ordinary help request has 7 working days.
    assert petition.overall_deadline == datetime(2027, 1, 23, 23, 59, 59, tzinfo=SHANGHAI)
    assert ordinary.overall_deadline == datetime(2026, 12, 3, 18, 0, tzinfo=SHANGHAI)


def test_a_petition_matter_gets_one_extension_of_at_most_30_days(
    visit_in, clerk, handler, office, business_department
):
    case = _referred(visit_in, clerk, business_department, is_petition=True)
    case_services.case_sign(case_id=case.pk, actor=handler)
    case_services.case_start(case_id=case.pk, actor=handler)
    with pytest.raises(ActionRefused, match="between 1 and 30"):
        case_services.case_request_extension(case_id=case.pk, actor=handler, amount=31, reason="需要听证。")
    case_services.case_request_extension(case_id=case.pk, actor=handler, amount=30, reason="需要听证。")
    before = Case.objects.get(pk=case.pk).stage_deadline
    case = case_services.case_decide_extension(case_id=case.pk, actor=office, approve=True)
    assert case.stage_deadline == before + timedelta(days=30)
    with pytest.raises(ActionRefused, match="already had 1 extensions"):
        case_services.case_request_extension(case_id=case.pk, actor=handler, amount=5, reason="再延。")


# Leader reception days (领导接访日)


def test_the_office_plans_a_leader_reception_day(leader_day, leader):
    assert (leader_day.leader, leader_day.date, leader_day.capacity) == (
        leader,
        MORNING.date() + timedelta(days=1),
        2,
    )


def test_only_the_office_plans_and_only_leaders_receive(office, clerk, handler, leader, room):
    day = {"date": MORNING.date(), "starts_at": time(9), "ends_at": time(11), "room": room}
    with pytest.raises(ActionForbidden):
        services.leader_day_create(actor=clerk, leader=office, **day)
    with pytest.raises(ActionRefused, match="not a leader"):
        services.leader_day_create(actor=office, leader=handler, **day)
    with pytest.raises(ActionRefused, match="past"):
        services.leader_day_create(
            actor=office, leader=leader, **{**day, "date": MORNING.date() - timedelta(days=1)}
        )


def test_a_booked_visit_appears_on_that_days_board_and_the_leader_receives_it(
    clerk, leader, leader_day, visitor
):
    booking = services.visit_book(clerk=clerk, leader_day=leader_day, **visitor)
    assert (booking.state, booking.visit_date, booking.room) == (
        Visit.State.BOOKED,
        leader_day.date,
        leader_day.room,
    )
    assert selectors.day_board(clerk, day=MORNING.date()).booked == []
    with pytest.raises(ActionRefused, match="not today"):
        services.visit_arrive(visit_id=booking.pk, actor=clerk)
    with clock.travel_to(MORNING + timedelta(days=1)):
        board = selectors.day_board(clerk, day=leader_day.date)
        assert [row.visit for row in board.booked] == [booking]
        assert board.leader_days == [leader_day]
        services.visit_arrive(visit_id=booking.pk, actor=clerk)
        visit = services.visit_call_in(visit_id=booking.pk, actor=clerk)
    assert (visit.state, visit.receiver) == (Visit.State.RECEIVING, leader)


def test_a_full_or_cancelled_reception_day_takes_no_booking(clerk, leader_day, visitor):
    for _number in range(leader_day.capacity):
        services.visit_book(clerk=clerk, leader_day=leader_day, **visitor)
    with pytest.raises(ActionRefused, match="fully booked"):
        services.visit_book(clerk=clerk, leader_day=leader_day, **visitor)
    leader_day.is_cancelled = True
    leader_day.save()
    with pytest.raises(ActionRefused, match="cancelled"):
        services.visit_book(clerk=clerk, leader_day=leader_day, **visitor)


def test_upcoming_days_count_their_bookings(clerk, leader_day, visitor):
    services.visit_book(clerk=clerk, leader_day=leader_day, **visitor)
    cancelled = services.visit_book(clerk=clerk, leader_day=leader_day, **visitor)
    services.visit_cancel(visit_id=cancelled.pk, actor=clerk)
    assert [day.booked for day in selectors.upcoming_leader_days(since=MORNING.date())] == [1]
