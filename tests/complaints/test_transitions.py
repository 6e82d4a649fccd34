"""Every action, allowed and refused, for each role and state. A refused action changes nothing."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from complaints import services
from complaints.demo import WALKABLE_STATES
from complaints.errors import ActionForbidden, ActionRefused, CaseError
from complaints.models import Case, CaseEvent, CaseKind, State
from complaints.workflow import ACTIONS, TRANSITIONS
from core.models import Department
from core.roles import Role

# Who may take each action (a department role only within the case's lead department). Written out
# here, not derived from the code, so that a change to the rules has to change this table too.
ALLOWED_ROLES = {
    "answer_directly": {"clerk", "agent", "dispatcher", "office"},
    "dispatch": {"clerk", "agent", "dispatcher", "office"},
    "reject": {"clerk", "agent", "dispatcher", "office"},
    "merge": {"clerk", "agent", "dispatcher", "office"},
    "sign": {"handler", "head"},
    "request_return": {"handler", "head"},
    "reassign": {"dispatcher", "office"},
    "refuse_return": {"dispatcher", "office"},
    "start": {"handler", "head"},
    "add_note": {"handler", "head"},
    "add_attachment": {"handler", "head"},
    "submit_proposal": {"handler", "head"},
    "decide_proposal": {"leader"},
    "add_rectification": {"handler", "head"},
    "complete_rectification": {"handler", "head"},
    "verify_rectification": {"office"},
    "decide_adoption": {"handler", "head"},
    "request_extension": {"handler", "head"},
    "decide_extension": {"head"},
    "suspend": {"handler", "head"},
    "resume": {"handler", "head"},
    "submit_reply": {"handler", "head"},
    "approve_reply": {"head", "office"},
    "legal_review": {"legal"},
    "revisit": {"agent", "dispatcher", "office"},
    "reopen": {"agent", "dispatcher", "office"},
    "final_answer": {"leader"},
    "close": {"agent", "dispatcher", "office"},
    "archive": {"office"},
}


def snapshot(case: Case) -> tuple:
    case.refresh_from_db()
    return (
        case.state,
        case.version,
        case.stage_deadline,
        case.lead_department_id,
        case.reply,
        CaseEvent.objects.filter(case=case).count(),
    )


def test_the_table_names_every_action():
    assert set(ALLOWED_ROLES) == set(ACTIONS)
    for code in ACTIONS:
        assert callable(getattr(services, f"case_{code}")), code


@pytest.mark.parametrize("state", WALKABLE_STATES)
def test_every_action_outside_its_states_is_refused_and_changes_nothing(state, case_in, request):
    case = case_in(state)
    people = {role: request.getfixturevalue(role) for role in Role.values}
    for code, action in ACTIONS.items():
        if state in action.states:
            continue
        actor = people[sorted(ALLOWED_ROLES[code])[0]]
        before = snapshot(case)
        with pytest.raises(CaseError):
            services.authorize(actor, case, code)
        with pytest.raises(CaseError):
            _attempt(code, case, actor)
        assert snapshot(case) == before, code


def test_transition_table_only_allows_the_states_of_the_domain():
    assert TRANSITIONS[State.MERGED] == frozenset()
    assert TRANSITIONS[State.ARCHIVED] == frozenset()
    assert State.DISPATCHED in TRANSITIONS[State.RETURN_REQUESTED]
    assert State.SIGNED in TRANSITIONS[State.RETURN_REQUESTED]


# The state each action is tried in, and the case kind that makes it applicable.
TRY_IN = {
    "answer_directly": (State.REGISTERED, CaseKind.CONSULTATION),
    "dispatch": (State.REGISTERED, CaseKind.HELP),
    "reject": (State.REGISTERED, CaseKind.HELP),
    "merge": (State.REGISTERED, CaseKind.HELP),
    "sign": (State.DISPATCHED, CaseKind.HELP),
    "request_return": (State.DISPATCHED, CaseKind.HELP),
    "reassign": (State.RETURN_REQUESTED, CaseKind.HELP),
    "refuse_return": (State.RETURN_REQUESTED, CaseKind.HELP),
    "start": (State.SIGNED, CaseKind.HELP),
    "add_note": (State.IN_PROGRESS, CaseKind.COMPLAINT),
    "add_attachment": (State.IN_PROGRESS, CaseKind.COMPLAINT),
    "submit_proposal": (State.IN_PROGRESS, CaseKind.COMPLAINT),
    "decide_proposal": ("proposal_pending", CaseKind.COMPLAINT),
    "add_rectification": (State.IN_PROGRESS, CaseKind.COMPLAINT),
    "complete_rectification": ("rectification_open", CaseKind.COMPLAINT),
    "verify_rectification": ("rectification_done", CaseKind.COMPLAINT),
    "decide_adoption": (State.IN_PROGRESS, CaseKind.SUGGESTION),
    "request_extension": (State.IN_PROGRESS, CaseKind.HELP),
    "decide_extension": (State.EXTENSION_REQUESTED, CaseKind.HELP),
    "suspend": (State.IN_PROGRESS, CaseKind.HELP),
    "resume": (State.SUSPENDED, CaseKind.HELP),
    "submit_reply": (State.IN_PROGRESS, CaseKind.HELP),
    "approve_reply": (State.REPLY_SUBMITTED, CaseKind.HELP),
    "legal_review": ("legal_pending", CaseKind.HELP),
    "revisit": (State.REPLIED, CaseKind.HELP),
    "reopen": ("unsatisfied", CaseKind.HELP),
    "final_answer": ("unsatisfied_at_limit", CaseKind.HELP),
    "close": (State.REVISITED, CaseKind.HELP),
    "archive": (State.CLOSED, CaseKind.HELP),
}


@pytest.fixture
def prepared(case_in, cast, register):
    """A case ready for the action under test."""

    def make(situation: str, kind: str) -> Case:
        if situation in WALKABLE_STATES:
            return case_in(situation, kind=kind)
        if situation == "proposal_pending":
            case = case_in(State.IN_PROGRESS, kind=kind)
            services.case_submit_proposal(
                case_id=case.pk, actor=cast.handler, finding="属实", measures="整改"
            )
        elif situation in ("rectification_open", "rectification_done"):
            case = case_in(State.IN_PROGRESS, kind=kind)
            item = services.case_add_rectification(
                case_id=case.pk,
                actor=cast.handler,
                description="培训",
                owner=cast.handler,
                due_date=_in_a_week(),
            )
            if situation == "rectification_done":
                services.case_complete_rectification(
                    case_id=case.pk, actor=cast.handler, item_id=item.pk, evidence="签到表"
                )
        elif situation == "legal_pending":
            case = case_in(State.IN_PROGRESS, kind=kind)
            services.case_submit_reply(
                case_id=case.pk,
                actor=cast.handler,
                reply="答复",
                reply_channel="phone",
                legal_review_required=True,
            )
            services.case_approve_reply(case_id=case.pk, actor=cast.head, approve=True)
        else:
            case = case_in(State.REPLIED, kind=kind)
            services.case_revisit(case_id=case.pk, actor=cast.agent, verdict="unsatisfied")
            if situation == "unsatisfied_at_limit":
                for _round in range(2):
                    services.case_reopen(case_id=case.pk, actor=cast.agent, note="仍不满意")
                    services.case_start(case_id=case.pk, actor=cast.handler)
                    services.case_submit_reply(
                        case_id=case.pk, actor=cast.handler, reply="再次答复", reply_channel="phone"
                    )
                    services.case_approve_reply(case_id=case.pk, actor=cast.head, approve=True)
                    services.case_revisit(case_id=case.pk, actor=cast.agent, verdict="unsatisfied")
        case.refresh_from_db()
        return case

    return make


def _in_a_week():
    return timezone.localdate() + timedelta(days=7)


@pytest.mark.parametrize("code", list(ACTIONS))
def test_each_role_may_or_may_not_take_each_action(code, prepared, request, other_handler):
    situation, kind = TRY_IN[code]
    people = {role: request.getfixturevalue(role) for role in Role.values}
    people["other_handler"] = other_handler
    allowed = ALLOWED_ROLES[code]
    case = prepared(situation, kind)
    for name, person in people.items():
        if name in allowed:
            continue
        before = snapshot(case)
        with pytest.raises(ActionForbidden):
            _attempt(code, case, person)
        assert snapshot(case) == before, (code, name)
    for name in sorted(allowed):
        fresh = prepared(situation, kind)
        _attempt(code, fresh, people[name])
        fresh.refresh_from_db()
        assert CaseEvent.objects.filter(case=fresh, actor=people[name]).exists(), (code, name)


def _attempt(code: str, case: Case, actor):
    """Take the action with valid input."""
    other = Department.objects.exclude(pk=case.lead_department_id).filter(code="GC").first()
    lead = case.lead_department or Department.objects.get(code="YY")
    item = case.rectifications.order_by("id").last()
    survivor = None
    if code == "merge":
        survivor = Case.objects.exclude(pk=case.pk).exclude(state__in=[State.MERGED, State.ARCHIVED]).first()
        survivor = survivor or services.case_register(
            actor=actor if actor.has_perm("complaints.register_case") else Case.objects.first().created_by,
            kind=CaseKind.HELP,
            channel="phone",
            description="同一件事",
            citizen_name="李四",
            citizen_phone="13900001111",
        )
    inputs = {
        "answer_directly": {"answer": "已答复", "reply_channel": "phone"},
        "dispatch": {"lead_department": lead},
        "reject": {"reason": "不属于受理范围", "proper_channel": "区市场监管局"},
        "merge": {"into_number": survivor.number if survivor else ""},
        "request_return": {"reason": "不属本部门职责"},
        "reassign": {"lead_department": other},
        "refuse_return": {"note": "属于本部门职责"},
        "add_note": {"text": "约谈当事人"},
        "add_attachment": {"file": _file()},
        "submit_proposal": {"finding": "属实", "measures": "批评教育"},
        "decide_proposal": {"approve": True},
        "add_rectification": {"description": "培训", "owner": actor, "due_date": _in_a_week()},
        "complete_rectification": {"item_id": item.pk if item else 0, "evidence": "已完成"},
        "verify_rectification": {"item_id": item.pk if item else 0, "accept": True},
        "decide_adoption": {"adoption": "adopted"},
        "request_extension": {"amount": 2, "reason": "需要检测"},
        "decide_extension": {"approve": True},
        "suspend": {"reason": "等待材料"},
        "submit_reply": {"reply": "答复内容", "reply_channel": "phone"},
        "approve_reply": {"approve": True},
        "legal_review": {"approve": True},
        "revisit": {"verdict": "satisfied", "is_resolved": True},
        "reopen": {"note": "不满意"},
        "final_answer": {"answer": "最终答复"},
        "close": {},
    }.get(code, {})
    return getattr(services, f"case_{code}")(case_id=case.pk, actor=actor, **inputs)


def _file():
    return SimpleUploadedFile("现场照片.jpg", b"\xff\xd8\xff" + b"0" * 100, content_type="image/jpeg")


def test_a_stale_page_loses_the_race_and_changes_nothing(case_in, cast, head, english):
    # Given the handler and the head both have the dispatched case open (version v)
    case = case_in(State.DISPATCHED)
    seen_version = case.version
    # When the handler signs first
    services.case_sign(case_id=case.pk, actor=cast.handler, expected_version=seen_version)
    before = snapshot(case)
    # Then the head's click on the same page is refused with the reason, and changes nothing
    with pytest.raises(services.CaseConflict, match="Someone else changed this case"):
        services.case_request_return(
            case_id=case.pk, actor=head, reason="不属本部门", expected_version=seen_version
        )
    assert snapshot(case) == before


def test_refused_actions_say_why(case_in, cast, english):
    case = case_in(State.IN_PROGRESS, kind=CaseKind.COMPLAINT)

    with pytest.raises(ActionRefused, match="handling proposal has not been approved"):
        services.case_submit_reply(case_id=case.pk, actor=cast.handler, reply="答复", reply_channel="phone")
