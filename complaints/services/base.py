"""What every case service shares: locking, the permission and scope check, the state move and its
timeline event."""

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from complaints import escalation, guards
from complaints.deadlines import deadline_after, policy_for
from complaints.errors import ActionForbidden, ActionRefused, CaseConflict, CaseError, NotApplicable
from complaints.models import Case, CaseAttachment, CaseEvent, State
from complaints.workflow import ACTIONS, Scope, is_allowed
from core import clock, policy


def lock_case(case_id: int, expected_version: int | None) -> Case:
    """Lock the case row until the end of the transaction. With `expected_version` (the version the
    user's page showed), refuse if the case has changed meanwhile, so a stale page never acts."""
    case = Case.objects.select_for_update().get(pk=case_id)
    if expected_version is not None and case.version != expected_version:
        raise CaseConflict(
            _(
                "Someone else changed this case a moment ago; it is now “%(state)s”. "
                "Nothing was saved: look at the case again and decide."
            )
            % {"state": case.get_state_display()}
        )
    return case


__all__ = ["ActionForbidden", "ActionRefused", "CaseConflict", "CaseError", "NotApplicable"]


def authorize(user, case: Case, action_code: str, *, case_is_visible: bool = False) -> None:
    """Raise unless `user` may take the action on `case` in its current state. One check for pages
    (which buttons to show) and services (what to do). Pass `case_is_visible` when the case was
    fetched through `visible_to(user)` already."""
    action = ACTIONS[action_code]
    if not user.has_perm(action.permission):
        raise ActionForbidden(_("Your role does not allow this action."))
    if not case_is_visible and not Case.objects.visible_to(user).filter(pk=case.pk).exists():
        raise ActionForbidden(_("You cannot see this case."))
    if action.scope != Scope.ANY and not _in_scope(user, case, action.scope):
        raise ActionForbidden(_("Only the department handling this case may do this."))
    if case.state not in action.states:
        raise ActionRefused(
            _("“%(action)s” is not possible while the case is “%(state)s”.")
            % {"action": action.label, "state": case.get_state_display()}
        )


def _in_scope(user, case: Case, scope: str) -> bool:
    departments = policy.department_ids(user)
    if scope == Scope.LEAD:
        return case.lead_department_id in departments
    # Iterates `assignments` so that a prefetched case page costs no query here.
    return any(
        assignment.is_active and assignment.department_id in departments
        for assignment in case.assignments.all()
    )


def begin(*, case_id: int, actor, action: str, expected_version: int | None) -> Case:
    """Lock, authorise and check the action's guard: the first line of every action service."""
    case = lock_case(case_id, expected_version)
    authorize(actor, case, action)
    guards.check(case, actor, action)
    return case


def record(
    case: Case,
    *,
    actor,
    action: str,
    type: str = CaseEvent.Type.TRANSITION,
    note: str = "",
    from_state: str = "",
    to_state: str = "",
    payload: dict | None = None,
    department=None,
    due_at: datetime | None = None,
    now: datetime | None = None,
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        type=type,
        action=action,
        actor=actor,
        from_state=from_state,
        to_state=to_state,
        note=note,
        payload=payload or {},
        department=department,
        due_at=due_at,
        created_at=now or clock.now(),
    )


def move(
    case: Case,
    *,
    to_state: str,
    actor,
    action: str,
    fields: tuple[str, ...] = (),
    note: str = "",
    payload: dict | None = None,
    now: datetime | None = None,
) -> Case:
    """Change the state (checked against the transition table), save the changed fields and write the
    timeline event, with the deadline that stood when the action began (`Case.standing_deadline`, as
    loaded) for the KPIs. The caller holds the row lock (`begin`)."""
    if not is_allowed(case.state, to_state):
        raise ActionRefused(
            _("A case cannot go from “%(from)s” to “%(to)s”.")
            % {"from": case.get_state_display(), "to": State(to_state).label}
        )
    from_state = case.state
    case.state = to_state
    case.version += 1
    case.save(update_fields=[*fields, "state", "version", "updated_at"])
    escalation.schedule(case, now=now)
    record(
        case,
        actor=actor,
        action=action,
        note=note,
        from_state=from_state,
        to_state=to_state,
        payload=payload,
        department=case.lead_department,
        due_at=getattr(case, "standing_deadline", None),
        now=now,
    )
    case.standing_deadline = case.stage_deadline
    return case


def touch(case: Case, *, fields: tuple[str, ...] = ()) -> None:
    """Save changed fields of a case whose state stays, bumping its version (stale pages then refuse)."""
    case.version += 1
    case.save(update_fields=[*fields, "version", "updated_at"])
    escalation.schedule(case)


STAGE_FIELDS = ("stage", "stage_started_at", "stage_deadline")


def enter_stage(case: Case, stage: str, now: datetime) -> tuple[str, ...]:
    """Start a timed stage: store its deadline by the case's policy. Returns the fields changed."""
    case.stage = stage
    case.stage_started_at = now
    case.stage_deadline = deadline_after(now, policy_for(case).rules.get(stage))
    return STAGE_FIELDS


def leave_stages(case: Case) -> tuple[str, ...]:
    case.stage = ""
    case.stage_started_at = None
    case.stage_deadline = None
    return STAGE_FIELDS


def require_text(value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ActionRefused(message)
    return value


def attachment_store(case: Case, *, actor, file, description: str = "") -> CaseAttachment:
    """Also used at registration. The caller has checked the actor may add to this case."""
    if file.size > settings.CASE_ATTACHMENT_MAX_BYTES:
        raise ActionRefused(
            _("%(name)s is larger than %(limit)s MB.")
            % {"name": file.name, "limit": settings.CASE_ATTACHMENT_MAX_BYTES // (1024 * 1024)}
        )
    attachment = CaseAttachment(
        case=case,
        file=file,
        original_name=file.name[:200],
        size=file.size,
        description=description,
        uploaded_by=actor,
    )
    try:
        attachment.full_clean(exclude=["case", "uploaded_by"])
    except ValidationError as error:
        raise ActionRefused(" ".join(error.messages)) from error
    attachment.save()
    record(
        case,
        actor=actor,
        action="add_attachment",
        type=CaseEvent.Type.ATTACHMENT,
        note=attachment.original_name,
    )
    return attachment
