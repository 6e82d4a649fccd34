"""Registration and the moves of a case between people: dispatch, sign, return, revisit, reopen,
close, archive. Each service locks the case, checks the action and the transition table, and writes
the timeline; all are keyword-only and refuse with a `CaseError` that says why."""

import secrets
from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import escalation
from complaints.deadlines import deadline_after, policy_for
from complaints.models import (
    Case,
    CaseAssignment,
    CaseEvent,
    CaseKind,
    DailySequence,
    ReturnRequest,
    Stage,
    State,
)
from complaints.services.base import (
    ActionRefused,
    attachment_store,
    begin,
    enter_stage,
    leave_stages,
    move,
    record,
    require_text,
)
from complaints.services.supervision import notify_assigned
from core import clock
from core.models import Department

QUERY_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone


def next_case_number(day) -> str:
    """`YYYYMMDD` + a 5-digit daily sequence. Must run inside the registering transaction: the row
    lock taken by the UPDATE serialises registrations of the same day until commit."""
    for _attempt in range(3):
        if DailySequence.objects.filter(day=day).update(last=F("last") + 1):
            break
        try:
            with transaction.atomic():
                DailySequence.objects.create(day=day, last=1)
            break
        except IntegrityError:
            continue  # another registration created today's row first: increment it instead
    last = DailySequence.objects.values_list("last", flat=True).get(day=day)
    return f"{day:%Y%m%d}{last:05d}"


def new_query_code() -> str:
    return "".join(secrets.choice(QUERY_CODE_ALPHABET) for _position in range(8))


@transaction.atomic
def case_register(
    *,
    actor,
    kind: str,
    channel: str,
    description: str,
    category=None,
    priority: str = "ordinary",
    request: str = "",
    citizen_name: str = "",
    citizen_phone: str = "",
    citizen_id_number: str = "",
    citizen_address: str = "",
    is_anonymous: bool = False,
    group_size: int = 1,
    is_confidential: bool = False,
    is_misconduct: bool = False,
    is_petition: bool = False,
    location: str = "",
    attachments: Iterable = (),
    repeat_of: Case | None = None,
    now: datetime | None = None,
) -> Case:
    """Register a new case (已受理): number, query code, the dispatch deadline and the overall deadline.

    Forms validate and normalise the citizen's fields first. Reports and misconduct cases are copied to
    discipline inspection at once (a timeline event; inspectors see them by the visibility policy).
    `actor` is None for a citizen's own submission on the portal. `repeat_of` links a repeat matter to
    the earlier case.
    """
    now = now or clock.now()
    if is_anonymous and kind != CaseKind.REPORT:
        raise ActionRefused(
            _("Only reports may be anonymous; other matters need the citizen's name and contact.")
        )
    if not is_anonymous and not (citizen_name and (citizen_phone or citizen_address)):
        raise ActionRefused(
            _("Give the citizen's name and a phone number or address, or mark a report anonymous.")
        )
    description = require_text(description, _("Describe the matter."))
    case = Case(
        number=next_case_number(timezone.localdate(now)),
        query_code=new_query_code(),
        kind=kind,
        channel=channel,
        category=category,
        priority=priority,
        description=description,
        request=request.strip(),
        citizen_name="" if is_anonymous else citizen_name,
        citizen_phone="" if is_anonymous else citizen_phone,
        citizen_id_number="" if is_anonymous else citizen_id_number,
        citizen_address="" if is_anonymous else citizen_address,
        is_anonymous=is_anonymous,
        group_size=group_size,
        is_confidential=is_confidential or is_anonymous,
        is_misconduct=is_misconduct,
        is_petition=is_petition,
        location=location,
        repeat_of=repeat_of,
        created_by=actor,
        created_at=now,
    )
    enter_stage(case, Stage.DISPATCH, now)
    case.overall_deadline = deadline_after(now, policy_for(case).rules.get(Stage.HANDLE))
    case.save()
    case.standing_deadline = case.stage_deadline
    escalation.schedule(case, now=now)
    record(
        case,
        actor=actor,
        action="register",
        type=CaseEvent.Type.REGISTERED,
        to_state=State.REGISTERED,
        now=now,
    )
    if case.is_copied_to_inspection:
        record(
            case, actor=actor, action="copy_to_inspection", type=CaseEvent.Type.COPIED_TO_INSPECTION, now=now
        )
    for file in attachments:
        attachment_store(case, actor=actor, file=file)
    return case


@transaction.atomic
def case_answer_directly(
    *, case_id: int, actor, answer: str, reply_channel: str = "", expected_version: int | None = None
) -> Case:
    """First-contact resolution: the agent or clerk answers at once; the case waits for revisit or close."""
    case = begin(case_id=case_id, actor=actor, action="answer_directly", expected_version=expected_version)
    case.reply = require_text(answer, _("Write the answer given to the citizen."))
    case.reply_channel = reply_channel
    fields = leave_stages(case)
    return move(
        case,
        to_state=State.ANSWERED_DIRECTLY,
        actor=actor,
        action="answer_directly",
        fields=(*fields, "reply", "reply_channel"),
        note=case.reply,
    )


@transaction.atomic
def case_answer_as_repeat(
    *, case_id: int, actor, original: Case, expected_version: int | None = None
) -> Case:
    """A repeat matter with no new facts gets the earlier case's answer and is linked to it, not
    handled again (DOMAIN.md §2)."""
    answer = original.final_answer or original.reply
    if not answer:
        raise ActionRefused(
            _("Case %(number)s has no answer yet: handle this matter as a new case or wait for that answer.")
            % {"number": original.number}
        )
    case = begin(case_id=case_id, actor=actor, action="answer_directly", expected_version=expected_version)
    case.repeat_of = original
    case.reply = answer
    case.reply_channel = original.reply_channel
    fields = leave_stages(case)
    return move(
        case,
        to_state=State.ANSWERED_DIRECTLY,
        actor=actor,
        action="answer_as_repeat",
        fields=(*fields, "repeat_of", "reply", "reply_channel"),
        payload={"repeat_of": original.number},
        note=answer,
    )


@transaction.atomic
def case_reject(
    *, case_id: int, actor, reason: str, proper_channel: str, expected_version: int | None = None
) -> Case:
    """不予受理: a reason and the proper channel are required, so the citizen knows where to go."""
    case = begin(case_id=case_id, actor=actor, action="reject", expected_version=expected_version)
    case.rejection_reason = require_text(reason, _("Give the reason for not accepting the matter."))
    case.proper_channel = require_text(proper_channel, _("Tell the citizen the proper channel."))
    case.closed_at = clock.now()
    fields = leave_stages(case)
    return move(
        case,
        to_state=State.REJECTED,
        actor=actor,
        action="reject",
        fields=(*fields, "rejection_reason", "proper_channel", "closed_at"),
        note=case.rejection_reason,
    )


@transaction.atomic
def case_merge(
    *, case_id: int, actor, into_number: str, note: str = "", expected_version: int | None = None
) -> Case:
    """并单: mark the case as a duplicate of a surviving case, which carries on."""
    case = begin(case_id=case_id, actor=actor, action="merge", expected_version=expected_version)
    survivor = Case.objects.visible_to(actor).filter(number=into_number.strip()).first()
    if survivor is None or survivor.pk == case.pk:
        raise ActionRefused(_("No other case with number %(number)s was found.") % {"number": into_number})
    if survivor.state in (State.MERGED, State.ARCHIVED):
        raise ActionRefused(_("Case %(number)s is itself merged or archived.") % {"number": survivor.number})
    case.duplicate_of = survivor
    case.closed_at = clock.now()
    fields = leave_stages(case)
    return move(
        case,
        to_state=State.MERGED,
        actor=actor,
        action="merge",
        fields=(*fields, "duplicate_of", "closed_at"),
        note=note,
        payload={"into": survivor.number},
    )


def _give_to(
    case: Case, *, actor, lead: Department, assisting: Iterable[Department], now: datetime
) -> tuple[tuple[str, ...], dict]:
    """End the current assignments, give the case to `lead` with `assisting` departments, and start
    the sign and return clocks. Returns the changed fields and the timeline payload."""
    assisting = [department for department in assisting if department.pk != lead.pk]
    case.assignments.filter(is_active=True).update(is_active=False, ended_at=now)
    CaseAssignment.objects.bulk_create(
        [
            CaseAssignment(case=case, department=department, role=role, assigned_by=actor, assigned_at=now)
            for department, role in [(lead, CaseAssignment.Role.LEAD)]
            + [(department, CaseAssignment.Role.ASSISTING) for department in assisting]
        ]
    )
    case.lead_department = lead
    fields = enter_stage(case, Stage.SIGN, now)
    case.return_deadline = deadline_after(now, policy_for(case).rules.get(Stage.RETURN_WINDOW))
    payload = {"lead": lead.name, "assisting": [department.name for department in assisting]}
    return (*fields, "return_deadline", "lead_department"), payload


@transaction.atomic
def case_dispatch(
    *,
    case_id: int,
    actor,
    lead_department: Department,
    assisting_departments: Iterable[Department] = (),
    note: str = "",
    expected_version: int | None = None,
) -> Case:
    """派单: give the case to a lead department (and assisting ones); the sign and return clocks start."""
    case = begin(case_id=case_id, actor=actor, action="dispatch", expected_version=expected_version)
    now = clock.now()
    fields, payload = _give_to(
        case, actor=actor, lead=lead_department, assisting=assisting_departments, now=now
    )
    case = move(
        case,
        to_state=State.DISPATCHED,
        actor=actor,
        action="dispatch",
        fields=fields,
        note=note,
        payload=payload,
        now=now,
    )
    notify_assigned(case, now=now)
    return case


@transaction.atomic
def case_sign(*, case_id: int, actor, expected_version: int | None = None) -> Case:
    """签收: the lead department takes the case; the handling clock starts (首接负责)."""
    case = begin(case_id=case_id, actor=actor, action="sign", expected_version=expected_version)
    now = clock.now()
    fields = enter_stage(case, Stage.HANDLE, now)
    return move(case, to_state=State.SIGNED, actor=actor, action="sign", fields=fields, now=now)


@transaction.atomic
def case_request_return(*, case_id: int, actor, reason: str, expected_version: int | None = None) -> Case:
    """退单申请: only within the return window, with a reason, and never after an arbitration."""
    case = begin(case_id=case_id, actor=actor, action="request_return", expected_version=expected_version)
    reason = require_text(reason, _("Say why the case does not belong to your department."))
    ReturnRequest.objects.create(
        case=case, department=case.lead_department, reason=reason, requested_by=actor
    )
    return move(case, to_state=State.RETURN_REQUESTED, actor=actor, action="request_return", note=reason)


def _decide_pending_return(case: Case, *, actor, decision: str, note: str) -> None:
    case.return_requests.filter(decision=ReturnRequest.Decision.PENDING).update(
        decision=decision, decided_by=actor, decided_at=clock.now(), decision_note=note
    )


@transaction.atomic
def case_reassign(
    *,
    case_id: int,
    actor,
    lead_department: Department,
    assisting_departments: Iterable[Department] = (),
    note: str = "",
    expected_version: int | None = None,
) -> Case:
    """The dispatcher accepts a return and gives the case to another department; final (no second return)."""
    case = begin(case_id=case_id, actor=actor, action="reassign", expected_version=expected_version)
    if lead_department.pk == case.lead_department_id:
        raise ActionRefused(_("Choose another department than the one that asked to return the case."))
    now = clock.now()
    _decide_pending_return(case, actor=actor, decision=ReturnRequest.Decision.REASSIGNED, note=note)
    fields, payload = _give_to(
        case, actor=actor, lead=lead_department, assisting=assisting_departments, now=now
    )
    case.is_return_arbitrated = True
    case = move(
        case,
        to_state=State.DISPATCHED,
        actor=actor,
        action="reassign",
        fields=(*fields, "is_return_arbitrated"),
        note=note,
        payload=payload,
        now=now,
    )
    notify_assigned(case, now=now)
    return case


@transaction.atomic
def case_refuse_return(*, case_id: int, actor, note: str, expected_version: int | None = None) -> Case:
    """The dispatcher refuses a return: the department keeps the case, signed on its behalf."""
    case = begin(case_id=case_id, actor=actor, action="refuse_return", expected_version=expected_version)
    note = require_text(note, _("Say why the department must handle the case."))
    now = clock.now()
    _decide_pending_return(case, actor=actor, decision=ReturnRequest.Decision.REFUSED, note=note)
    case.is_return_arbitrated = True
    fields = enter_stage(case, Stage.HANDLE, now)
    return move(
        case,
        to_state=State.SIGNED,
        actor=actor,
        action="refuse_return",
        fields=(*fields, "is_return_arbitrated"),
        note=note,
        now=now,
    )


@transaction.atomic
def case_start(*, case_id: int, actor, expected_version: int | None = None) -> Case:
    """办理中: work begins (after signing, or again after a reopening)."""
    case = begin(case_id=case_id, actor=actor, action="start", expected_version=expected_version)
    return move(case, to_state=State.IN_PROGRESS, actor=actor, action="start")


@transaction.atomic
def case_revisit(
    *,
    case_id: int,
    actor,
    verdict: str,
    is_resolved: bool | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> Case:
    """回访: record the citizen's verdict. An unsatisfied verdict leads to a reopening or a final answer."""
    case = begin(case_id=case_id, actor=actor, action="revisit", expected_version=expected_version)
    case.satisfaction = verdict
    case.is_resolved = is_resolved
    fields = leave_stages(case)
    return move(
        case,
        to_state=State.REVISITED,
        actor=actor,
        action="revisit",
        fields=(*fields, "satisfaction", "is_resolved"),
        note=note,
        payload={"verdict": verdict, "resolved": is_resolved},
    )


@transaction.atomic
def case_reopen(*, case_id: int, actor, note: str, expected_version: int | None = None) -> Case:
    """重办: an unsatisfied citizen's case goes back to the lead department with a new deadline
    counted from now. Limited by the policy; beyond the limit a leader gives the final answer."""
    case = begin(case_id=case_id, actor=actor, action="reopen", expected_version=expected_version)
    now = clock.now()
    case.reopen_count += 1
    case.is_head_approved = False
    fields = enter_stage(case, Stage.HANDLE, now)
    case.overall_deadline = case.stage_deadline
    return move(
        case,
        to_state=State.REOPENED,
        actor=actor,
        action="reopen",
        fields=(*fields, "reopen_count", "overall_deadline", "is_head_approved"),
        note=require_text(note, _("Say what the citizen is still unsatisfied with.")),
        now=now,
    )


@transaction.atomic
def case_final_answer(*, case_id: int, actor, answer: str, expected_version: int | None = None) -> Case:
    """最终答复: after the last allowed reopening, a leader answers and the case closes."""
    case = begin(case_id=case_id, actor=actor, action="final_answer", expected_version=expected_version)
    case.final_answer = require_text(answer, _("Write the final answer."))
    case.closed_at = clock.now()
    return move(
        case,
        to_state=State.CLOSED,
        actor=actor,
        action="final_answer",
        fields=("final_answer", "closed_at"),
        note=case.final_answer,
    )


@transaction.atomic
def case_close(*, case_id: int, actor, note: str = "", expected_version: int | None = None) -> Case:
    """办结. An unsatisfied case is reopened or given a final answer instead (see the guard); a
    suspended case needs a note."""
    case = begin(case_id=case_id, actor=actor, action="close", expected_version=expected_version)
    if case.state == State.SUSPENDED:
        note = require_text(note, _("Say why a suspended case is closed."))
    case.closed_at = clock.now()
    fields = leave_stages(case)
    case.suspended_at = None
    return move(
        case,
        to_state=State.CLOSED,
        actor=actor,
        action="close",
        fields=(*fields, "closed_at", "suspended_at"),
        note=note,
    )


@transaction.atomic
def case_archive(*, case_id: int, actor, expected_version: int | None = None) -> Case:
    """归档. Only archived (or merged) cases are erased when their retention ends (complaints.retention);
    the date is shown on the case page."""
    case = begin(case_id=case_id, actor=actor, action="archive", expected_version=expected_version)
    case.archived_at = clock.now()
    return move(case, to_state=State.ARCHIVED, actor=actor, action="archive", fields=("archived_at",))
