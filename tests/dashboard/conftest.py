"""The hand-made timeline of November 2026 the dashboard tests count (see test_kpis.py for the story)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from complaints import services
from complaints.models import Case, Verdict
from core import clock

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOVEMBER = date(2026, 11, 1)


def at(day, hour, minute=0):
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def timeline(
    register, agent, dispatcher, handler, head, office, other_handler, business_department, other_department
):
    def act(moment, service, case, **arguments):
        with clock.travel_to(moment):
            return service(case_id=case.pk, **arguments)

    def new(moment, **fields):
        with clock.travel_to(moment):
            return register(**fields)

    A, B = business_department, other_department

    def handle(case, *, dispatched, signed, department=A, signer=handler):
        act(dispatched, services.case_dispatch, case, actor=dispatcher, lead_department=department)
        act(signed, services.case_sign, case, actor=signer)
        act(signed.replace(minute=signed.minute + 5), services.case_start, case, actor=signer)

    def reply(case, *, submitted, approved, writer=handler, approver=head):
        act(
            submitted, services.case_submit_reply, case, actor=writer, reply="已处理。", reply_channel="phone"
        )
        act(approved, services.case_approve_reply, case, actor=approver, approve=True)

    def revisit(case, moment, verdict, resolved):
        act(moment, services.case_revisit, case, actor=agent, verdict=verdict, is_resolved=resolved)

    cases = {}
    cases[1] = case = new(at(2, 9))
    handle(case, dispatched=at(2, 9, 30), signed=at(2, 10))
    reply(case, submitted=at(3, 9), approved=at(3, 10))
    revisit(case, at(4, 9), Verdict.UNREACHABLE, None)
    act(at(4, 10), services.case_close, case, actor=agent)

    cases[2] = case = new(at(2, 9))
    handle(case, dispatched=at(2, 15), signed=at(4, 10))
    act(at(10, 9), services.case_request_extension, case, actor=handler, amount=5, reason="需现场勘查。")
    act(at(10, 10), services.case_decide_extension, case, actor=head, approve=True)
    reply(case, submitted=at(17, 9), approved=at(18, 9))
    revisit(case, at(19, 9), Verdict.UNSATISFIED, False)
    act(at(19, 10), services.case_reopen, case, actor=agent, note="仍未解决。")
    act(at(19, 11), services.case_start, case, actor=handler)
    reply(case, submitted=at(23, 9), approved=at(23, 10))
    revisit(case, at(24, 9), Verdict.BASICALLY_SATISFIED, True)
    act(at(24, 10), services.case_close, case, actor=agent)

    cases[3] = case = new(at(5, 9))
    act(at(5, 9, 30), services.case_dispatch, case, actor=dispatcher, lead_department=A)
    act(at(5, 11), services.case_request_return, case, actor=handler, reason="属于工程管理部职责。")
    act(at(5, 14), services.case_reassign, case, actor=dispatcher, lead_department=B, note="改派。")
    act(at(5, 15), services.case_sign, case, actor=other_handler)

    cases[4] = case = new(at(6, 9))
    act(at(6, 9, 5), services.case_answer_directly, case, actor=agent, answer="已当场答复。")
    revisit(case, at(6, 10), Verdict.SATISFIED, True)
    act(at(6, 11), services.case_close, case, actor=agent)

    cases[5] = case = new(at(2, 11))
    act(at(2, 11, 10), services.case_merge, case, actor=dispatcher, into_number=cases[1].number)

    cases[6] = case = new(at(20, 9), repeat_of=cases[4])
    act(
        at(20, 9, 10),
        services.case_answer_as_repeat,
        case,
        actor=agent,
        original=Case.objects.get(pk=cases[4].pk),
    )
    act(at(20, 9, 20), services.case_close, case, actor=agent)

    cases[7] = case = new(at(9, 9))
    handle(case, dispatched=at(9, 9, 10), signed=at(9, 9, 20), department=B, signer=other_handler)
    reply(case, submitted=at(25, 9), approved=at(25, 10), writer=other_handler, approver=office)

    cases[8] = case = new(at(10, 9))
    handle(case, dispatched=at(10, 9, 10), signed=at(10, 9, 20))
    reply(case, submitted=at(11, 9), approved=at(11, 10))
    revisit(case, at(12, 9), Verdict.UNSATISFIED, False)
    return {"cases": cases, "A": A.pk, "B": B.pk}
