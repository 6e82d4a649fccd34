"""The one visibility policy, walked for every role over every kind of case, on the ledger, the case
page and the actions. No page shows a full phone or ID number to a role that has not revealed it."""

import pytest
from django.urls import reverse

from complaints import services
from complaints.demo import walk
from complaints.models import CaseKind, State
from core.models import AuditEntry
from core.roles import Role

FULL_PHONE = "13812345678"
FULL_ID = "11010519491231002X"
MASKED_PHONE = "138****5678"

# Which kinds of case each role sees. own: handled by the business department of `handler`/`head`;
# other: handled by another department; confidential: a confidential help request of the own
# department; report: a misconduct report handled by the other department; legal: a reply under legal
# review in the other department.
SEES = {
    "clerk": {"own", "other", "confidential", "report", "legal"},
    "agent": {"own", "other", "confidential", "report", "legal"},
    "dispatcher": {"own", "other", "confidential", "report", "legal"},
    "office": {"own", "other", "confidential", "report", "legal"},
    "leader": {"own", "other", "confidential", "report", "legal"},
    "handler": {"own", "confidential"},
    "head": {"own", "confidential"},
    "inspector": {"report"},
    "legal": {"legal"},
    "trainer": set(),
    "emergency": set(),
    "admin": set(),
}


@pytest.fixture
def cases(register, cast, business_department, other_department):
    def handled_by(department, case, state=State.DISPATCHED):
        return walk(case, state, cast, department=department)

    own = handled_by(business_department, register(kind=CaseKind.HELP))
    other = services.case_dispatch(
        case_id=register(kind=CaseKind.HELP).pk, actor=cast.dispatcher, lead_department=other_department
    )
    confidential = handled_by(business_department, register(kind=CaseKind.HELP, is_confidential=True))
    report = services.case_dispatch(
        case_id=register(kind=CaseKind.REPORT, is_misconduct=True).pk,
        actor=cast.dispatcher,
        lead_department=other_department,
    )
    legal = register(kind=CaseKind.HELP)
    services.case_dispatch(case_id=legal.pk, actor=cast.dispatcher, lead_department=other_department)
    legal.refresh_from_db()
    legal.legal_review_required = True
    legal.save(update_fields=["legal_review_required"])
    return {"own": own, "other": other, "confidential": confidential, "report": report, "legal": legal}


@pytest.mark.parametrize("role", Role.values)
def test_each_role_sees_exactly_its_cases(role, request, cases, client_as):
    user = request.getfixturevalue(role)
    client = client_as(user)

    ledger = client.get(reverse("complaints:list")).content.decode()
    for name, case in cases.items():
        expected = name in SEES[role]
        assert (case.number in ledger) is expected, (role, name, "ledger")
        status = client.get(reverse("complaints:detail", args=[case.number])).status_code
        assert status == (200 if expected else 404), (role, name, "page")
        # Every case here waits to be signed: only its own department's handler and head may sign it.
        may_sign = role in ("handler", "head") and name in ("own", "confidential")
        sign_status = client.get(reverse("complaints:action", args=[case.number, "sign"])).status_code
        assert sign_status == (200 if may_sign else 403 if expected else 404), (role, name, "action")


@pytest.mark.parametrize("role", Role.values)
def test_no_page_shows_full_personal_data_before_a_reveal(role, request, cases, client_as):
    client = client_as(request.getfixturevalue(role))
    pages = [reverse("complaints:list")] + [
        reverse("complaints:detail", args=[case.number]) for case in cases.values()
    ]
    for url in pages:
        content = client.get(url).content.decode()
        assert FULL_PHONE not in content, (role, url)
        assert FULL_ID not in content, (role, url)


def test_the_handling_department_never_sees_a_confidential_citizen(cases, handler, client_as):
    client = client_as(handler)
    url = reverse("complaints:detail", args=[cases["confidential"].number])

    content = client.get(url).content.decode()
    assert MASKED_PHONE not in content
    assert "张*" not in content
    response = client.post(
        reverse("complaints:reveal", args=[cases["confidential"].number]), {"reason": "回访"}
    )
    assert response.status_code == 403
    assert not AuditEntry.objects.exists()


def test_a_reveal_needs_a_reason_shows_the_data_once_and_is_logged(cases, agent, client_as):
    client = client_as(agent)
    number = cases["own"].number

    no_reason = client.post(reverse("complaints:reveal", args=[number]), {"reason": " "})
    assert no_reason.status_code == 302
    assert not AuditEntry.objects.exists()

    revealed = client.post(reverse("complaints:reveal", args=[number]), {"reason": "需要回电核实"})
    content = revealed.content.decode()
    assert FULL_PHONE in content and FULL_ID in content
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.object_label, entry.reason) == (
        agent,
        AuditEntry.Action.REVEAL,
        number,
        "需要回电核实",
    )
    # The next view is masked again.
    assert FULL_PHONE not in client.get(reverse("complaints:detail", args=[number])).content.decode()


def test_a_role_without_the_reveal_permission_cannot_reveal(cases, leader, client_as):
    response = client_as(leader).post(
        reverse("complaints:reveal", args=[cases["own"].number]), {"reason": "看看"}
    )

    assert response.status_code == 403
    assert not AuditEntry.objects.exists()


def test_a_department_keeps_seeing_a_case_it_once_had(
    register, cast, business_department, other_department, handler, client_as
):
    case = register()
    services.case_dispatch(case_id=case.pk, actor=cast.dispatcher, lead_department=business_department)
    services.case_request_return(case_id=case.pk, actor=handler, reason="不属本部门")
    services.case_reassign(case_id=case.pk, actor=cast.dispatcher, lead_department=other_department)

    assert client_as(handler).get(reverse("complaints:detail", args=[case.number])).status_code == 200


def test_the_inbox_holds_only_the_cases_the_users_own_departments_lead(
    case_in, handler, other_handler, office, client_as
):
    case = case_in(State.DISPATCHED)

    assert case.number in client_as(handler).get(reverse("complaints:inbox")).content.decode()
    assert case.number not in client_as(other_handler).get(reverse("complaints:inbox")).content.decode()
    # The office sees every case in the ledger, but handles none: its inbox is empty.
    assert client_as(office).get(reverse("complaints:inbox")).context["counts"]["to_sign"] == 0
