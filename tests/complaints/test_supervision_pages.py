"""The supervision list, the case page's supervision section and the leadership's workspace panel."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints import services
from complaints.models import State, Supervision

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
LIST = reverse("complaints:supervision")


@pytest.fixture(autouse=True)
def _pages_in_english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def supervise(case, office, kind=Supervision.Kind.SUPERVISION):
    return services.supervision_issue(case_id=case.pk, actor=office, kind=kind, instructions="说明超期原因。")


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_the_office_lists_open_and_answered_supervision(client_as, case_in, office, head):
    open_one = supervise(case_in(State.IN_PROGRESS), office)
    answered = supervise(case_in(State.IN_PROGRESS), office)
    services.supervision_answer(
        supervision_id=answered.pk, actor=head, reason="人手不足", new_completion_date=date(2099, 1, 1)
    )
    client = client_as(office)
    page = client.get(LIST).content.decode()
    assert open_one.case.number in page and answered.case.number not in page
    page = client.get(LIST, {"status": "answered"}).content.decode()
    assert answered.case.number in page and "人手不足" in page


def test_a_head_sees_the_supervision_of_the_department_only(
    client_as, case_in, office, head, other_department, cast
):
    from complaints.demo import walk

    mine = supervise(case_in(State.IN_PROGRESS), office)
    other_case = walk(
        services.case_register(
            actor=cast.agent,
            kind="help",
            channel="phone",
            description="另一部门的工单",
            citizen_name="王五",
            citizen_phone="13700001111",
        ),
        State.DISPATCHED,
        cast,
        department=other_department,
    )
    theirs = supervise(other_case, office)
    page = client_as(head).get(LIST).content.decode()
    assert mine.case.number in page and theirs.case.number not in page


def test_leaders_follow_listed_supervision(client_as, case_in, office, leader):
    listed = supervise(case_in(State.IN_PROGRESS), office, kind=Supervision.Kind.LISTED)
    plain = supervise(case_in(State.IN_PROGRESS), office)
    page = client_as(leader).get(LIST, {"kind": "listed"}).content.decode()
    assert listed.case.number in page and plain.case.number not in page


@pytest.mark.parametrize("role", ["handler", "clerk", "agent", "inspector"])
def test_roles_without_supervision_cannot_open_the_list(request, client_as, role):
    assert client_as(request.getfixturevalue(role)).get(LIST).status_code == 403


def test_the_list_keeps_a_constant_number_of_queries(client_as, case_in, office):
    client = client_as(office)
    supervise(case_in(State.IN_PROGRESS), office)
    one = queries(client, LIST)
    for _number in range(5):
        supervise(case_in(State.IN_PROGRESS), office)
    assert queries(client, LIST) == one


def test_issue_and_answer_through_the_case_page(client_as, client, case_in, office, head):
    case = case_in(State.IN_PROGRESS)
    page = client_as(office).get(case.get_absolute_url()).content.decode()
    assert reverse("complaints:supervise", args=[case.number]) in page
    client.post(
        reverse("complaints:supervise", args=[case.number]),
        {"kind": "listed", "instructions": "请限期办结。"},
    )
    supervision = Supervision.objects.get()
    assert supervision.kind == Supervision.Kind.LISTED
    client.force_login(head)
    page = client.get(case.get_absolute_url()).content.decode()
    assert 'data-testid="supervision-answer-form"' in page
    client.post(
        reverse("complaints:supervision_answer", args=[supervision.pk]),
        {"reason": "已安排施工队", "new_completion_date": "2099-01-02"},
    )
    page = client.get(case.get_absolute_url()).content.decode()
    assert 'data-testid="supervision-answer"' in page and "2099-01-02" in page


def test_the_case_page_keeps_a_constant_number_of_queries_with_supervision(client_as, case_in, office):
    case = case_in(State.IN_PROGRESS)
    client = client_as(office)
    supervise(case, office)
    one = queries(client, case.get_absolute_url())
    for _number in range(4):
        supervise(case, office)
    assert queries(client, case.get_absolute_url()) == one


def test_listed_supervision_shows_on_the_leaderships_workspace(client_as, case_in, office, leader, handler):
    listed = supervise(case_in(State.IN_PROGRESS), office, kind=Supervision.Kind.LISTED)
    page = client_as(leader).get(reverse("core:workspace")).content.decode()
    assert 'data-testid="listed-supervision"' in page and listed.case.number in page
    page = client_as(handler).get(reverse("core:workspace")).content.decode()
    assert 'data-testid="listed-supervision"' not in page
