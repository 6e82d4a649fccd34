"""The rules of the lifecycle beyond state and role (DOMAIN.md §2 "Rules"), one function per action.

A guard raises `NotApplicable` when the action makes no sense for this case (pages hide it),
`ActionForbidden` when this user may not take it, and `ActionRefused` when a rule forbids it now
(pages show why). `services.base.begin()` runs the guard of every action, so services and pages
cannot disagree.
"""

from collections.abc import Callable

from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.deadlines import policy_for
from complaints.errors import ActionForbidden, ActionRefused, NotApplicable
from complaints.models import Case, CaseKind, ExtensionRequest, HandlingProposal, RectificationItem, Verdict
from core import clock, policy
from core.roles import Role


def _investigated_only(case: Case, user) -> None:
    if not case.is_investigated:
        raise NotApplicable(
            _("Only complaints and reports go through a handling proposal and rectification.")
        )


def _request_return(case: Case, user) -> None:
    if case.is_return_arbitrated:
        raise ActionRefused(
            _("The dispatcher has already arbitrated a return of this case; it cannot be returned again.")
        )
    if case.return_deadline is not None and clock.now() > case.return_deadline:
        closed_at = timezone.localtime(case.return_deadline).strftime("%Y-%m-%d %H:%M")
        raise ActionRefused(_("The return window closed at %(time)s.") % {"time": closed_at})


def _submit_proposal(case: Case, user) -> None:
    _investigated_only(case, user)
    waiting = [HandlingProposal.Decision.PENDING, HandlingProposal.Decision.APPROVED]
    if any(proposal.decision in waiting for proposal in case.proposals.all()):
        raise NotApplicable(_("A handling proposal is already waiting for or has the leader's approval."))


def _decide_proposal(case: Case, user) -> None:
    if not any(proposal.decision == HandlingProposal.Decision.PENDING for proposal in case.proposals.all()):
        raise NotApplicable(_("There is no handling proposal waiting for a decision."))


def _rectification_step(status: str) -> Callable[[Case, object], None]:
    def guard(case: Case, user) -> None:
        _investigated_only(case, user)
        if not any(item.status == status for item in case.rectifications.all()):
            raise NotApplicable(_("No rectification item is waiting for this step."))

    return guard


def _decide_adoption(case: Case, user) -> None:
    if case.kind != CaseKind.SUGGESTION:
        raise NotApplicable(_("Only suggestions have an adoption decision."))


def _request_extension(case: Case, user) -> None:
    limits = policy_for(case)
    if case.stage_deadline is not None and clock.now() >= case.stage_deadline:
        raise ActionRefused(_("An extension must be asked for before the deadline; this one has passed."))
    if case.extension_count >= limits.max_extensions:
        raise ActionRefused(
            _("This case already had %(count)s extensions, the most allowed.")
            % {"count": case.extension_count}
        )


def _decide_extension(case: Case, user) -> None:
    if case.is_petition and not user.has_role(Role.OFFICE):
        raise ActionForbidden(_("Extensions of petition matters are decided by the leadership office."))
    if not case.is_petition and case.lead_department_id not in policy.department_ids(user):
        raise ActionForbidden(_("Extensions are decided by the head of the handling department."))
    if not any(
        request.decision == ExtensionRequest.Decision.PENDING for request in case.extension_requests.all()
    ):
        raise NotApplicable(_("There is no pending extension request."))


def reply_blockers(case: Case) -> list[str]:
    """Why the reply cannot be submitted yet (empty when it can)."""
    blockers = []
    if case.is_investigated:
        if not any(
            proposal.decision == HandlingProposal.Decision.APPROVED for proposal in case.proposals.all()
        ):
            blockers.append(_("The handling proposal has not been approved by a leader."))
        if any(item.status != RectificationItem.Status.VERIFIED for item in case.rectifications.all()):
            blockers.append(_("Not every rectification item has been verified by the office."))
    if case.kind == CaseKind.SUGGESTION and not case.adoption:
        blockers.append(_("The adoption decision on the suggestion is missing."))
    return blockers


def _submit_reply(case: Case, user) -> None:
    blockers = reply_blockers(case)
    if blockers:
        raise ActionRefused(" ".join(blockers))


def _approve_reply(case: Case, user) -> None:
    if not user.has_role(Role.OFFICE) and case.lead_department_id not in policy.department_ids(user):
        raise ActionForbidden(_("Replies are approved by the head of the handling department or the office."))
    if case.is_head_approved:
        raise NotApplicable(_("The reply is approved and waits for the legal review."))


def _legal_review(case: Case, user) -> None:
    if not (case.legal_review_required and case.is_head_approved):
        raise NotApplicable(_("This reply is not waiting for a legal review."))


def _reopen(case: Case, user) -> None:
    if case.satisfaction != Verdict.UNSATISFIED:
        raise NotApplicable(_("Only a case whose citizen was unsatisfied can be reopened."))
    if case.reopen_count >= policy_for(case).reopen_limit:
        raise ActionRefused(
            _("This case was reopened %(count)s times, the limit; a leader gives the final answer.")
            % {"count": case.reopen_count}
        )


def _final_answer(case: Case, user) -> None:
    if case.satisfaction != Verdict.UNSATISFIED or case.reopen_count < policy_for(case).reopen_limit:
        raise NotApplicable(
            _("A final answer is given only when an unsatisfied case can no longer be reopened.")
        )


def _close(case: Case, user) -> None:
    if case.satisfaction == Verdict.UNSATISFIED and case.state == "revisited":
        raise NotApplicable(
            _("The citizen was unsatisfied: reopen the case or have a leader give the final answer.")
        )


GUARDS: dict[str, Callable[[Case, object], None]] = {
    "request_return": _request_return,
    "submit_proposal": _submit_proposal,
    "decide_proposal": _decide_proposal,
    "add_rectification": _investigated_only,
    "complete_rectification": _rectification_step(RectificationItem.Status.OPEN),
    "verify_rectification": _rectification_step(RectificationItem.Status.DONE),
    "decide_adoption": _decide_adoption,
    "request_extension": _request_extension,
    "decide_extension": _decide_extension,
    "submit_reply": _submit_reply,
    "approve_reply": _approve_reply,
    "legal_review": _legal_review,
    "reopen": _reopen,
    "final_answer": _final_answer,
    "close": _close,
}


def check(case: Case, user, action_code: str) -> None:
    guard = GUARDS.get(action_code)
    if guard is not None:
        guard(case, user)
