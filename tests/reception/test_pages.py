"""Reception pages: who may open them, what they show, constant query counts, printed documents."""

from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints.models import CaseKind, State
from core import clock
from core.models import AuditEntry
from core.roles import Role
from reception import services
from reception.models import LeaderReceptionDay, Visit
from tests.reception.conftest import ID_NUMBER, MORNING, OTHER_ID_NUMBER

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

BOARD = reverse("reception:board")


@pytest.fixture(autouse=True)
def _pages_in_english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


HISTORY = reverse("reception:history")


def _queries(client, url, posted: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.post(url, posted) if posted is not None else client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def _day_of_visits(visit_in, count: int) -> None:
    """`count` visits in each column of the board."""
    for number in range(count):
        phone = f"1391234{number:04d}"
        visit_in(Visit.State.WAITING, phone=phone, group_size=number + 1)
        visit_in(Visit.State.RECEIVING, phone=phone)
        visit_in(Visit.State.FINISHED, phone=phone)
        visit_in(Visit.State.LEFT, phone=phone)


# Who sees the visitor register, written out: the intake and coordination roles. Of them, only the
# clerk and the office register and receive visitors.
SEES_VISITS = {"clerk", "agent", "dispatcher", "office", "leader"}
RECEIVES = {"clerk", "office"}


@pytest.mark.parametrize("role", [role.value for role in Role])
def test_each_role_may_or_may_not_open_the_register(request, client_as, visit_in, role):
    visit = visit_in(Visit.State.WAITING)
    client = client_as(request.getfixturevalue(role))
    expected = 200 if role in SEES_VISITS else 403
    for url in (
        BOARD,
        reverse("reception:leader_days"),
        reverse("reception:visit", args=[visit.pk]),
    ):
        assert client.get(url).status_code == expected, url
    assert client.post(HISTORY, {"phone": "13812345678"}).status_code == expected
    assert client.get(reverse("reception:register")).status_code == (200 if role in RECEIVES else 403)
    response = client.post(reverse("reception:move", args=[visit.pk, "call_in"]))
    assert response.status_code == (302 if role in RECEIVES else 403)
    visit.refresh_from_db()
    assert visit.state == (Visit.State.RECEIVING if role in RECEIVES else Visit.State.WAITING)


def test_the_board_shows_each_column(client_as, clerk, visit_in):
    waiting = visit_in(Visit.State.WAITING, group_size=6)
    receiving = visit_in(Visit.State.RECEIVING)
    page = client_as(clerk).get(BOARD).content.decode()
    assert waiting.display_number in page and receiving.display_number in page
    assert "Group of 6" in page and "Repeat" in page  # the second visit of the same person
    assert "13812345678" not in page and "张三" not in page  # names are masked on the board


def test_the_board_keeps_a_constant_number_of_queries(client_as, clerk, visit_in, leader_day):
    client = client_as(clerk)
    _day_of_visits(visit_in, 1)
    one = _queries(client, BOARD)
    _day_of_visits(visit_in, 6)
    assert _queries(client, BOARD) == one


def test_the_board_lists_the_latest_who_left_and_counts_the_rest(client_as, clerk, visit_in, monkeypatch):
    monkeypatch.setattr("reception.selectors.BOARD_DONE_SHOWN", 2)
    for _number in range(3):
        visit_in(Visit.State.LEFT)
    page = client_as(clerk).get(BOARD).content.decode()
    assert "The latest 2 of 3 are shown." in page


def test_the_board_refreshes_as_a_partial(client_as, clerk, visit_in):
    visit_in(Visit.State.WAITING)
    response = client_as(clerk).get(BOARD, headers={"HX-Request": "true"})
    assert b"<html" not in response.content and b"20261124-001" in response.content


# Registration


def test_registering_puts_the_visitor_in_the_queue(client_as, clerk, room):
    response = client_as(clerk).post(
        reverse("reception:register"),
        {
            "visitor_name": "李四",
            "id_number": ID_NUMBER.lower(),  # a lower-case x is normalised
            "phone": "138 1234 5678",
            "group_size": 7,
            "reason": "反映小区停水",
            "room": room.pk,
        },
    )
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert (visit.id_number, visit.phone, visit.state, visit.is_group) == (
        ID_NUMBER,
        "13812345678",
        Visit.State.WAITING,
        True,
    )


def test_a_wrong_id_number_is_refused_with_a_message_and_keeps_what_was_typed(client_as, clerk, room):
    response = client_as(clerk).post(
        reverse("reception:register"),
        {
            "visitor_name": "李四",
            "id_number": "110105194912310021",
            "phone": "13812345678",
            "group_size": 1,
            "reason": "反映小区停水",
            "room": room.pk,
        },
    )
    page = response.content.decode()
    assert response.status_code == 200 and "check digit" in page and "反映小区停水" in page
    assert not Visit.objects.exists()


def test_the_history_shows_earlier_visits_and_cases_with_the_flags(client_as, clerk, visit_in, register):
    earlier_case = register()
    visit = visit_in(Visit.State.FINISHED)
    page = client_as(clerk).post(HISTORY, {"id_number": ID_NUMBER, "group_size": 5}).content.decode()
    assert visit.display_number in page and earlier_case.number in page
    assert 'data-testid="flag-repeat"' in page and 'data-testid="flag-group"' in page
    assert "born 1949-12-31" in page


def test_the_history_of_a_new_person_flags_a_first_visit(client_as, clerk):
    page = client_as(clerk).post(HISTORY, {"id_number": OTHER_ID_NUMBER}).content.decode()
    assert 'data-testid="flag-first"' in page


def test_an_incomplete_number_looks_nothing_up(client_as, clerk, visit_in):
    visit_in(Visit.State.WAITING)
    page = client_as(clerk).post(HISTORY, {"id_number": ID_NUMBER[:10], "phone": "1381234"}).content.decode()
    assert "flag-" not in page


def test_the_history_keeps_a_constant_number_of_queries(client_as, clerk, visit_in, register):
    client = client_as(clerk)
    lookup = {"id_number": ID_NUMBER, "phone": "13812345678"}
    visit_in(Visit.State.FINISHED)
    register()
    one = _queries(client, HISTORY, lookup)
    for _number in range(5):
        visit_in(Visit.State.FINISHED)
        register()
    assert _queries(client, HISTORY, lookup) == one


# The reception record


def test_the_record_is_saved_then_finished_with_a_complaint(client_as, clerk, visit_in, business_department):
    visit = visit_in(Visit.State.RECEIVING)
    client = client_as(clerk)
    url = reverse("reception:visit", args=[visit.pk])
    assert b'id="reception-record"' in client.get(url).content
    client.post(url, {"save": "1", "statement": "先记录：窗口态度差。"})
    visit.refresh_from_db()
    assert visit.statement == "先记录：窗口态度差。"
    response = client.post(
        url,
        {
            "statement": "窗口工作人员态度生硬。",
            "outcome": Visit.Outcome.COMPLAINT,
            "kind": CaseKind.CONSULTATION,
            "priority": "ordinary",
            "lead_department": business_department.pk,
        },
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert (visit.state, visit.case.kind, visit.case.state) == (
        Visit.State.FINISHED,
        CaseKind.COMPLAINT,
        State.DISPATCHED,
    )
    page = client.get(url).content.decode()
    assert visit.case.query_code in page and reverse("reception:print", args=[visit.pk, "complaint"]) in page


def test_a_refused_outcome_keeps_the_statement_on_the_page(client_as, clerk, visit_in):
    visit = visit_in(Visit.State.RECEIVING)
    response = client_as(clerk).post(
        reverse("reception:visit", args=[visit.pk]),
        {
            "statement": "陈述的内容。",
            "outcome": Visit.Outcome.REFERRED,
            "kind": "help",
            "priority": "ordinary",
        },
    )
    assert response.status_code == 200
    assert "陈述的内容。" in response.content.decode()
    visit.refresh_from_db()
    assert (visit.state, visit.case) == (Visit.State.RECEIVING, None)


def test_the_visit_page_keeps_a_constant_number_of_queries(client_as, clerk, visit_in, business_department):
    from django.core.files.uploadedfile import SimpleUploadedFile

    def finished(files: int) -> Visit:
        return services.visit_finish(
            visit_id=visit_in(Visit.State.RECEIVING).pk,
            actor=clerk,
            outcome=Visit.Outcome.COMPLAINT,
            statement="态度差。",
            lead_department=business_department,
            attachments=[SimpleUploadedFile(f"{n}.txt", b"x") for n in range(files)],
        )

    client = client_as(clerk)
    one = finished(1)
    many = finished(4)
    for document in ("", "registration", "complaint", "notice"):
        urls = [
            reverse("reception:print", args=[visit.pk, document])
            if document
            else reverse("reception:visit", args=[visit.pk])
            for visit in (one, many)
        ]
        assert _queries(client, urls[0]) == _queries(client, urls[1])


# Printed documents


def test_printed_documents_are_masked_unless_revealed_with_a_reason(client_as, clerk, visit_in):
    visit = visit_in(Visit.State.FINISHED)
    client = client_as(clerk)
    url = reverse("reception:print", args=[visit.pk, "registration"])
    masked = client.get(url).content.decode()
    assert "138****5678" in masked and "13812345678" not in masked and ID_NUMBER not in masked
    assert client.post(url, {"reason": " "}).status_code == 302
    assert not AuditEntry.objects.exists()
    full = client.post(url, {"reason": "签字归档"}).content.decode()
    assert "13812345678" in full and ID_NUMBER in full
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.reason, entry.detail["document"]) == (clerk, "签字归档", "registration")


def test_the_acceptance_notice_has_the_number_query_code_and_deadline(
    client_as, clerk, visit_in, business_department
):
    visit = services.visit_finish(
        visit_id=visit_in(Visit.State.RECEIVING).pk,
        actor=clerk,
        outcome=Visit.Outcome.REFERRED,
        kind=CaseKind.HELP,
        statement="反映拆迁补偿问题。",
        lead_department=business_department,
        is_petition=True,
    )
    page = client_as(clerk).get(reverse("reception:print", args=[visit.pk, "notice"])).content.decode()
    assert visit.case.number in page and visit.case.query_code in page
    assert (
        "2027-01-23" in page and "within 60 calendar days" in page and "by at most 30 calendar days" in page
    )
    assert reverse("portal:track") in page


def test_a_consultation_has_no_complaint_form(client_as, clerk, visit_in, handler):
    visit = visit_in(Visit.State.FINISHED)
    assert client_as(clerk).get(reverse("reception:print", args=[visit.pk, "complaint"])).status_code == 404
    assert (
        client_as(handler).get(reverse("reception:print", args=[visit.pk, "registration"])).status_code == 403
    )


# Leader reception days


def test_the_office_plans_a_day_and_a_clerk_books_a_visit(client, client_as, office, clerk, leader, room):
    tomorrow = MORNING.date() + timedelta(days=1)
    response = client_as(office).post(
        reverse("reception:leader_days"),
        {
            "leader": leader.pk,
            "date": tomorrow.isoformat(),
            "starts_at": "09:00",
            "ends_at": "11:30",
            "room": room.pk,
            "capacity": 5,
        },
    )
    assert response.status_code == 302
    day = LeaderReceptionDay.objects.get()
    client.force_login(clerk)
    assert client.post(reverse("reception:leader_days"), {"leader": leader.pk}).status_code == 403
    response = client.post(
        reverse("reception:book", args=[day.pk]),
        {"visitor_name": "王五", "phone": "13712345678", "group_size": 1, "reason": "约见领导反映水价"},
    )
    assert response.status_code == 302
    booking = Visit.objects.get()
    assert (booking.state, booking.leader_day, booking.visit_date) == (Visit.State.BOOKED, day, tomorrow)
    with clock.travel_to(MORNING + timedelta(days=1)):
        page = client.get(BOARD).content.decode()
    assert booking.display_number in page and 'data-testid="leader-day"' in page


def test_the_leader_days_list_keeps_a_constant_number_of_queries(client_as, office, leader, room):
    client = client_as(office)
    url = reverse("reception:leader_days")

    def plan(offset):
        services.leader_day_create(
            actor=office,
            leader=leader,
            date=MORNING.date() + timedelta(days=offset),
            starts_at=time(9),
            ends_at=time(11),
            room=room,
        )

    plan(1)
    one = _queries(client, url)
    for offset in range(2, 8):
        plan(offset)
    assert _queries(client, url) == one
