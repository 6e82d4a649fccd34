"""The rules of DOMAIN.md §2 beyond the transition table."""

from datetime import timedelta

import pytest

from complaints import services
from complaints.errors import ActionForbidden, ActionRefused
from complaints.models import Case, CaseKind, State
from core import clock

pytestmark = pytest.mark.usefixtures("english")


def test_a_return_must_come_within_the_return_window(case_in, cast):
    case = case_in(State.DISPATCHED)

    with (
        clock.travel_to(case.return_deadline + timedelta(minutes=1)),
        pytest.raises(ActionRefused, match="return window closed"),
    ):
        services.case_request_return(case_id=case.pk, actor=cast.handler, reason="不属本部门")
    assert Case.objects.get(pk=case.pk).state == State.DISPATCHED


def test_an_arbitrated_case_cannot_be_returned_again(case_in, cast, other_department, other_handler):
    case = case_in(State.RETURN_REQUESTED)
    services.case_reassign(case_id=case.pk, actor=cast.dispatcher, lead_department=other_department)

    with pytest.raises(ActionRefused, match="already arbitrated"):
        services.case_request_return(case_id=case.pk, actor=other_handler, reason="也不属于我们")


def test_a_refused_return_leaves_the_case_signed_with_the_department(case_in, cast):
    case = case_in(State.RETURN_REQUESTED)

    case = services.case_refuse_return(case_id=case.pk, actor=cast.dispatcher, note="属于营业服务部职责")

    assert (case.state, case.is_return_arbitrated, case.stage) == (State.SIGNED, True, "handle")
    assert case.return_requests.get().decision == "refused"


def test_the_lead_department_is_the_first_to_sign_and_assisting_departments_report_back(
    register, cast, business_department, other_department, other_handler
):
    case = register()
    services.case_dispatch(
        case_id=case.pk,
        actor=cast.dispatcher,
        lead_department=business_department,
        assisting_departments=[other_department],
    )
    services.case_sign(case_id=case.pk, actor=cast.handler)
    services.case_start(case_id=case.pk, actor=cast.handler)

    with pytest.raises(ActionForbidden):
        services.case_sign(case_id=case.pk, actor=other_handler)
    services.case_add_note(
        case_id=case.pk, actor=other_handler, text="协办部门已完成现场勘查", note_kind="assisting_report"
    )
    with pytest.raises(ActionForbidden):
        services.case_submit_reply(case_id=case.pk, actor=other_handler, reply="答复", reply_channel="phone")
    assert case.events.filter(action="add_note", actor=other_handler).exists()


def test_extensions_of_petition_matters_are_decided_by_the_office_not_the_head(case_in, cast):
    case = case_in(State.IN_PROGRESS, is_petition=True)
    services.case_request_extension(case_id=case.pk, actor=cast.handler, amount=30, reason="需要调查取证")

    with pytest.raises(ActionForbidden, match="leadership office"):
        services.case_decide_extension(case_id=case.pk, actor=cast.head, approve=True)
    case = services.case_decide_extension(case_id=case.pk, actor=cast.office, approve=True)

    assert case.extension_count == 1
    with pytest.raises(ActionRefused, match="1 extensions"):
        services.case_request_extension(case_id=case.pk, actor=cast.handler, amount=5, reason="还要")


def test_a_reply_flagged_for_legal_review_goes_to_legal_after_the_head(case_in, cast):
    case = case_in(State.IN_PROGRESS)
    services.case_submit_reply(
        case_id=case.pk,
        actor=cast.handler,
        reply="赔偿方案",
        reply_channel="letter",
        legal_review_required=True,
    )

    after_head = services.case_approve_reply(case_id=case.pk, actor=cast.head, approve=True)
    assert after_head.state == State.REPLY_SUBMITTED
    with pytest.raises(ActionRefused):
        services.case_approve_reply(case_id=case.pk, actor=cast.head, approve=True)
    replied = services.case_legal_review(case_id=case.pk, actor=cast.legal, approve=True)

    assert replied.state == State.REPLIED


def test_reports_are_copied_to_discipline_inspection_at_registration(register):
    case = register(kind=CaseKind.REPORT, is_anonymous=True, citizen_name="", citizen_phone="")

    assert case.events.filter(action="copy_to_inspection").exists()
    assert case.is_confidential and case.citizen_name == ""


def test_only_reports_may_be_anonymous(register):
    with pytest.raises(ActionRefused, match="Only reports"):
        register(kind=CaseKind.COMPLAINT, is_anonymous=True)


def test_a_suggestion_needs_its_adoption_decision_before_the_reply(case_in, cast):
    case = case_in(State.IN_PROGRESS, kind=CaseKind.SUGGESTION)

    with pytest.raises(ActionRefused, match="adoption decision"):
        services.case_submit_reply(
            case_id=case.pk, actor=cast.handler, reply="谢谢建议", reply_channel="phone"
        )
    services.case_decide_adoption(case_id=case.pk, actor=cast.handler, adoption="adopted")
    assert (
        services.case_submit_reply(
            case_id=case.pk, actor=cast.handler, reply="已采纳", reply_channel="phone"
        ).state
        == State.REPLY_SUBMITTED
    )


def test_an_unsatisfied_case_reopens_twice_then_a_leader_answers(case_in, cast):
    case = case_in(State.REPLIED)
    for round_number in (1, 2):
        services.case_revisit(case_id=case.pk, actor=cast.agent, verdict="unsatisfied")
        with pytest.raises(ActionRefused, match="unsatisfied"):
            services.case_close(case_id=case.pk, actor=cast.agent)
        reopened = services.case_reopen(case_id=case.pk, actor=cast.agent, note="仍不满意")
        assert reopened.reopen_count == round_number
        services.case_start(case_id=case.pk, actor=cast.handler)
        services.case_submit_reply(
            case_id=case.pk, actor=cast.handler, reply="再次答复", reply_channel="phone"
        )
        services.case_approve_reply(case_id=case.pk, actor=cast.head, approve=True)
    services.case_revisit(case_id=case.pk, actor=cast.agent, verdict="unsatisfied")

    with pytest.raises(ActionRefused, match="limit"):
        services.case_reopen(case_id=case.pk, actor=cast.agent, note="第三次")
    closed = services.case_final_answer(case_id=case.pk, actor=cast.leader, answer="经研究，维持原处理意见。")

    assert (closed.state, closed.final_answer) == (State.CLOSED, "经研究，维持原处理意见。")


def test_merge_points_the_duplicate_to_the_surviving_case(register, cast):
    survivor = register()
    duplicate = register()

    merged = services.case_merge(case_id=duplicate.pk, actor=cast.dispatcher, into_number=survivor.number)

    assert (merged.state, merged.duplicate_of) == (State.MERGED, survivor)
    with pytest.raises(ActionRefused):
        services.case_merge(case_id=register().pk, actor=cast.dispatcher, into_number="2099010100001")
