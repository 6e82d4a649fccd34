"""The work inside the handling department and its approvals: investigation notes and evidence, the
handling proposal and its leader's decision, rectification, adoption of suggestions, extensions,
suspension, and the reply with its approval by the head, the office and (where flagged) legal."""

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from complaints.deadlines import policy_for
from complaints.models import (
    Case,
    CaseAttachment,
    CaseEvent,
    ExtensionRequest,
    HandlingProposal,
    RectificationItem,
    Stage,
    State,
)
from complaints.services.base import (
    ActionRefused,
    attachment_store,
    begin,
    enter_stage,
    move,
    record,
    require_text,
    touch,
)
from core import clock
from core.working_time import working_calendar


@transaction.atomic
def case_add_note(
    *, case_id: int, actor, text: str, note_kind: str = "note", expected_version: int | None = None
) -> Case:
    """调查核实: an investigation note (interview, site visit, evidence, request for materials).
    Assisting departments report back to the lead this way too."""
    case = begin(case_id=case_id, actor=actor, action="add_note", expected_version=None)
    record(
        case,
        actor=actor,
        action="add_note",
        type=CaseEvent.Type.NOTE,
        note=require_text(text, _("Write the note.")),
        payload={"kind": note_kind},
    )
    touch(case)
    return case


@transaction.atomic
def case_add_attachment(
    *, case_id: int, actor, file, description: str = "", expected_version: int | None = None
) -> CaseAttachment:
    """Store an attachment through Django's storage API, within the size limit and allowed types."""
    case = begin(case_id=case_id, actor=actor, action="add_attachment", expected_version=None)
    return attachment_store(case, actor=actor, file=file, description=description)


@transaction.atomic
def case_submit_proposal(
    *,
    case_id: int,
    actor,
    finding: str,
    measures: str,
    responsibility: str = "",
    expected_version: int | None = None,
) -> HandlingProposal:
    """处理意见: finding, responsibility and measures, for a leader to approve."""
    case = begin(case_id=case_id, actor=actor, action="submit_proposal", expected_version=expected_version)
    proposal = HandlingProposal.objects.create(
        case=case,
        finding=require_text(finding, _("State the finding.")),
        responsibility=responsibility.strip(),
        measures=require_text(measures, _("State the measures.")),
        submitted_by=actor,
    )
    record(case, actor=actor, action="submit_proposal", type=CaseEvent.Type.PROPOSAL, note=proposal.finding)
    touch(case)
    return proposal


@transaction.atomic
def case_decide_proposal(
    *, case_id: int, actor, approve: bool, comments: str = "", expected_version: int | None = None
) -> HandlingProposal:
    """A leader approves the pending proposal or sends it back with comments."""
    case = begin(case_id=case_id, actor=actor, action="decide_proposal", expected_version=expected_version)
    proposal = case.proposals.get(decision=HandlingProposal.Decision.PENDING)
    if not approve:
        comments = require_text(comments, _("Say what must change in the proposal."))
    proposal.decision = HandlingProposal.Decision.APPROVED if approve else HandlingProposal.Decision.SENT_BACK
    proposal.decided_by = actor
    proposal.decided_at = clock.now()
    proposal.comments = comments
    proposal.save(update_fields=["decision", "decided_by", "decided_at", "comments"])
    record(
        case,
        actor=actor,
        action="approve_proposal" if approve else "send_back_proposal",
        type=CaseEvent.Type.PROPOSAL,
        note=comments,
    )
    touch(case)
    return proposal


@transaction.atomic
def case_add_rectification(
    *, case_id: int, actor, description: str, owner, due_date: date, expected_version: int | None = None
) -> RectificationItem:
    case = begin(case_id=case_id, actor=actor, action="add_rectification", expected_version=expected_version)
    item = RectificationItem.objects.create(
        case=case,
        description=require_text(description, _("Describe the measure.")),
        owner=owner,
        due_date=due_date,
    )
    record(
        case,
        actor=actor,
        action="add_rectification",
        type=CaseEvent.Type.RECTIFICATION,
        note=item.description,
        payload={"owner": str(owner), "due": due_date.isoformat()},
    )
    touch(case)
    return item


def _rectification(case: Case, item_id: int, status: str) -> RectificationItem:
    item = case.rectifications.filter(pk=item_id, status=status).first()
    if item is None:
        raise ActionRefused(_("That rectification item is not waiting for this step."))
    return item


@transaction.atomic
def case_complete_rectification(
    *, case_id: int, actor, item_id: int, evidence: str, expected_version: int | None = None
) -> RectificationItem:
    """The department reports a measure done, with its evidence, for the office to verify."""
    case = begin(
        case_id=case_id, actor=actor, action="complete_rectification", expected_version=expected_version
    )
    item = _rectification(case, item_id, RectificationItem.Status.OPEN)
    item.evidence = require_text(evidence, _("Describe the evidence that the measure is done."))
    item.status = RectificationItem.Status.DONE
    item.completed_at = clock.now()
    item.save(update_fields=["evidence", "status", "completed_at"])
    record(
        case,
        actor=actor,
        action="complete_rectification",
        type=CaseEvent.Type.RECTIFICATION,
        note=item.evidence,
        payload={"item": item.pk},
    )
    touch(case)
    return item


@transaction.atomic
def case_verify_rectification(
    *, case_id: int, actor, item_id: int, accept: bool, note: str = "", expected_version: int | None = None
) -> RectificationItem:
    """The office verifies a measure, or sends it back to open with a note."""
    case = begin(
        case_id=case_id, actor=actor, action="verify_rectification", expected_version=expected_version
    )
    item = _rectification(case, item_id, RectificationItem.Status.DONE)
    if accept:
        item.status = RectificationItem.Status.VERIFIED
        item.verified_by = actor
        item.verified_at = clock.now()
    else:
        require_text(note, _("Say what is missing."))
        item.status = RectificationItem.Status.OPEN
    item.save(update_fields=["status", "verified_by", "verified_at"])
    record(
        case,
        actor=actor,
        action="verify_rectification" if accept else "reject_rectification",
        type=CaseEvent.Type.RECTIFICATION,
        note=note,
        payload={"item": item.pk},
    )
    touch(case)
    return item


@transaction.atomic
def case_decide_adoption(
    *, case_id: int, actor, adoption: str, note: str = "", expected_version: int | None = None
) -> Case:
    """A suggestion ends with an adoption decision, fed back to the citizen with the reply."""
    case = begin(case_id=case_id, actor=actor, action="decide_adoption", expected_version=expected_version)
    case.adoption = adoption
    record(
        case,
        actor=actor,
        action="decide_adoption",
        type=CaseEvent.Type.ADOPTION,
        note=note,
        payload={"adoption": adoption},
    )
    touch(case, fields=("adoption",))
    return case


@transaction.atomic
def case_request_extension(
    *, case_id: int, actor, amount: int, reason: str, expected_version: int | None = None
) -> ExtensionRequest:
    """延期申请: before the stage deadline, with a reason, within the policy's number and length."""
    case = begin(case_id=case_id, actor=actor, action="request_extension", expected_version=expected_version)
    limits = policy_for(case)
    if not 1 <= amount <= limits.max_extension_amount:
        raise ActionRefused(
            _("An extension is between 1 and %(most)s.") % {"most": limits.max_extension_amount}
        )
    request = ExtensionRequest.objects.create(
        case=case,
        amount=amount,
        unit=limits.extension_unit,
        reason=require_text(reason, _("Give the reason.")),
        requested_by=actor,
    )
    move(
        case,
        to_state=State.EXTENSION_REQUESTED,
        actor=actor,
        action="request_extension",
        note=request.reason,
        payload={"amount": amount, "unit": limits.extension_unit},
    )
    return request


@transaction.atomic
def case_decide_extension(
    *, case_id: int, actor, approve: bool, note: str = "", expected_version: int | None = None
) -> Case:
    """The lead department's head decides (petition matters: the office). Approved: the stage and
    overall deadlines move by the extension; it counts as on time."""
    case = begin(case_id=case_id, actor=actor, action="decide_extension", expected_version=expected_version)
    request = case.extension_requests.get(decision=ExtensionRequest.Decision.PENDING)
    request.decision = ExtensionRequest.Decision.APPROVED if approve else ExtensionRequest.Decision.REFUSED
    request.decided_by, request.decided_at, request.decision_note = actor, clock.now(), note
    request.save(update_fields=["decision", "decided_by", "decided_at", "decision_note"])
    fields: tuple[str, ...] = ()
    payload = {"approved": approve, "amount": request.amount, "unit": request.unit}
    if approve:
        calendar = working_calendar()
        case.stage_deadline = calendar.add(case.stage_deadline, request.amount, request.unit)
        if case.overall_deadline:
            case.overall_deadline = calendar.add(case.overall_deadline, request.amount, request.unit)
        case.extension_count += 1
        fields = ("stage_deadline", "overall_deadline", "extension_count")
        payload["stage_deadline"] = case.stage_deadline.isoformat()
    return move(
        case,
        to_state=State.IN_PROGRESS,
        actor=actor,
        action="approve_extension" if approve else "refuse_extension",
        fields=fields,
        note=note,
        payload=payload,
    )


@transaction.atomic
def case_suspend(*, case_id: int, actor, reason: str, expected_version: int | None = None) -> Case:
    """中止: e.g. waiting for the citizen's materials. The clock stops until `case_resume`."""
    case = begin(case_id=case_id, actor=actor, action="suspend", expected_version=expected_version)
    case.suspended_at = clock.now()
    return move(
        case,
        to_state=State.SUSPENDED,
        actor=actor,
        action="suspend",
        fields=("suspended_at",),
        note=require_text(reason, _("Say why the case is suspended.")),
    )


@transaction.atomic
def case_resume(*, case_id: int, actor, expected_version: int | None = None) -> Case:
    """Resume a suspended case: the deadlines move later by the working time it was suspended."""
    case = begin(case_id=case_id, actor=actor, action="resume", expected_version=expected_version)
    now = clock.now()
    calendar = working_calendar()
    paused = max(calendar.working_seconds_between(case.suspended_at, now), 0)
    if case.stage_deadline:
        case.stage_deadline = calendar.shift(case.stage_deadline, paused)
    if case.overall_deadline:
        case.overall_deadline = calendar.shift(case.overall_deadline, paused)
    case.suspended_at = None
    return move(
        case,
        to_state=State.IN_PROGRESS,
        actor=actor,
        action="resume",
        fields=("stage_deadline", "overall_deadline", "suspended_at"),
        payload={"paused_working_seconds": paused},
        now=now,
    )


@transaction.atomic
def case_submit_reply(
    *,
    case_id: int,
    actor,
    reply: str,
    reply_channel: str,
    legal_review_required: bool = False,
    expected_version: int | None = None,
) -> Case:
    """The department's reply, for its head (or the office) to approve; legal reviews it where flagged."""
    case = begin(case_id=case_id, actor=actor, action="submit_reply", expected_version=expected_version)
    case.reply = require_text(reply, _("Write the reply."))
    case.reply_channel = reply_channel
    case.legal_review_required = legal_review_required
    case.is_head_approved = False
    return move(
        case,
        to_state=State.REPLY_SUBMITTED,
        actor=actor,
        action="submit_reply",
        fields=("reply", "reply_channel", "legal_review_required", "is_head_approved"),
        note=case.reply,
    )


def _replied(case: Case, *, actor, action: str, note: str) -> Case:
    now = clock.now()
    fields = enter_stage(case, Stage.REVISIT, now)
    return move(
        case,
        to_state=State.REPLIED,
        actor=actor,
        action=action,
        fields=(*fields, "is_head_approved"),
        note=note,
        now=now,
    )


@transaction.atomic
def case_approve_reply(
    *, case_id: int, actor, approve: bool, note: str = "", expected_version: int | None = None
) -> Case:
    """The lead department's head or the office approves the reply (then legal, where flagged) or sends
    it back to the department."""
    case = begin(case_id=case_id, actor=actor, action="approve_reply", expected_version=expected_version)
    if not approve:
        return move(
            case,
            to_state=State.IN_PROGRESS,
            actor=actor,
            action="send_back_reply",
            note=require_text(note, _("Say what must change in the reply.")),
        )
    case.is_head_approved = True
    if case.legal_review_required:
        record(case, actor=actor, action="approve_reply", note=note, department=case.lead_department)
        touch(case, fields=("is_head_approved",))
        return case
    return _replied(case, actor=actor, action="approve_reply", note=note)


@transaction.atomic
def case_legal_review(
    *, case_id: int, actor, approve: bool, note: str = "", expected_version: int | None = None
) -> Case:
    """法务审核 of a reply flagged for legal risk, after the head's approval."""
    case = begin(case_id=case_id, actor=actor, action="legal_review", expected_version=expected_version)
    if not approve:
        case.is_head_approved = False
        return move(
            case,
            to_state=State.IN_PROGRESS,
            actor=actor,
            action="legal_send_back",
            fields=("is_head_approved",),
            note=require_text(note, _("Say what carries legal risk.")),
        )
    return _replied(case, actor=actor, action="legal_approve", note=note)
