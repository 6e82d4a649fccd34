"""Supervision notices by hand and their written answers, and the notices of a new assignment.

The sweep issues supervision automatically (`complaints.escalation`); here the office issues one by
hand and the lead department's head answers it. Both write the case's timeline."""

from datetime import date, datetime

from django.db import transaction
from django.utils.translation import gettext as _

from complaints.errors import ActionForbidden, ActionRefused
from complaints.escalation import Recipients, answer_due
from complaints.models import Case, CaseEvent, Supervision
from complaints.services.base import record, require_text
from core import clock, notices, policy
from core.roles import Role
from core.services import system_user
from core.working_time import working_calendar

SUPERVISE_PERMISSION = "complaints.supervise_case"
ANSWER_PERMISSION = "complaints.answer_supervision"


def notify_assigned(case: Case, *, now: datetime | None = None) -> int:
    """Tell the lead department's handlers and head that a case is theirs to sign (one notice each per
    assignment)."""
    now = now or clock.now()
    recipients = Recipients()
    recipients.load_departments([case.lead_department_id])
    staff = recipients.department(case.lead_department_id)
    key = f"assigned:{case.pk}:{case.lead_department_id}:{now.timestamp():.0f}"
    context = {"case": case}
    plans = [notices.NoticePlan(user, "case_assigned", context, case, f"{key}:{user.pk}") for user in staff]
    return len(notices.notices_send(plans, now=now))


@transaction.atomic
def supervision_issue(
    *, case_id: int, actor, kind: str, instructions: str, answer_due_at: datetime | None = None
) -> Supervision:
    """The office issues a supervision notice (or lists the case for supervision) by hand, with its
    own deadline for the written answer."""
    if not actor.has_perm(SUPERVISE_PERMISSION):
        raise ActionForbidden(_("Your role does not allow this action."))
    case = Case.objects.select_for_update(of=("self",)).select_related("lead_department").get(pk=case_id)
    if not case.is_open or case.lead_department_id is None:
        raise ActionRefused(_("Only an open case handled by a department can be supervised."))
    now = clock.now()
    answer_due_at = answer_due_at or answer_due(now, working_calendar())
    if answer_due_at <= now:
        raise ActionRefused(_("The answer must be due in the future."))
    supervision = Supervision.objects.create(
        case=case,
        kind=kind,
        department=case.lead_department,
        instructions=require_text(instructions, _("Write what the department must answer.")),
        issued_by=actor,
        issued_at=now,
        answer_due_at=answer_due_at,
    )
    record(
        case,
        actor=actor,
        action=f"issue_{kind}",
        type=CaseEvent.Type.SUPERVISION,
        note=supervision.instructions,
        department=case.lead_department,
        payload={"answer_due_at": answer_due_at.isoformat()},
        now=now,
    )
    recipients = Recipients()
    recipients.load_departments([case.lead_department_id])
    heads = recipients.department(case.lead_department_id, Role.HEAD) or recipients.department(
        case.lead_department_id
    )
    kind_code = "case_listed" if kind == Supervision.Kind.LISTED else "case_supervision"
    people = {user.pk: user for user in heads}
    if kind == Supervision.Kind.LISTED:
        people.update((user.pk, user) for user in recipients.role(Role.LEADER))
    notices.notices_send(
        [
            notices.NoticePlan(
                user,
                kind_code,
                {"case": case, "supervision": supervision},
                case,
                f"supervision:{supervision.pk}:{user.pk}",
            )
            for user in people.values()
        ],
        now=now,
    )
    return supervision


@transaction.atomic
def supervision_answer(*, supervision_id: int, actor, reason: str, new_completion_date: date) -> Supervision:
    """The lead department's head answers in writing: why the case is late and when it will be done.
    The answer shows on the case and in the office's list; the issuer is told."""
    supervision = (
        Supervision.objects.select_for_update(of=("self",)).select_related("case").get(pk=supervision_id)
    )
    if not actor.has_perm(ANSWER_PERMISSION) or supervision.department_id not in policy.department_ids(actor):
        raise ActionForbidden(_("The head of the department under supervision answers it."))
    if supervision.is_answered:
        raise ActionRefused(_("This supervision notice was answered already."))
    now = clock.now()
    if new_completion_date < now.date():
        raise ActionRefused(_("The new completion date cannot be in the past."))
    supervision.reason = require_text(reason, _("Give the reason for the delay."))
    supervision.new_completion_date = new_completion_date
    supervision.answered_by = actor
    supervision.answered_at = now
    supervision.save(update_fields=["reason", "new_completion_date", "answered_by", "answered_at"])
    case = supervision.case
    record(
        case,
        actor=actor,
        action="answer_supervision",
        type=CaseEvent.Type.SUPERVISION,
        note=supervision.reason,
        department=supervision.department,
        payload={"new_completion_date": new_completion_date.isoformat(), "supervision": supervision.pk},
        now=now,
    )
    recipients = Recipients()
    people = {user.pk: user for user in recipients.role(Role.OFFICE)}
    if supervision.issued_by_id != system_user().pk and supervision.issued_by.is_active:
        people[supervision.issued_by.pk] = supervision.issued_by
    notices.notices_send(
        [
            notices.NoticePlan(
                user,
                "supervision_answered",
                {"case": case, "supervision": supervision},
                case,
                f"supervision-answered:{supervision.pk}:{user.pk}",
            )
            for user in people.values()
        ],
        now=now,
    )
    return supervision
