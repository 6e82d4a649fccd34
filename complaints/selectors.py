"""Reads for the case pages: the getter with its preloads, the actions a user may take, the citizen's
data as this user may see it, deadlines with time left, and the department inbox."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from difflib import SequenceMatcher

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from complaints import guards
from complaints.errors import ActionForbidden, CaseError, NotApplicable
from complaints.models import (
    OPEN_STATES,
    Case,
    CaseAssignment,
    CaseEvent,
    Category,
    ExtensionRequest,
    HandlingProposal,
    RectificationItem,
    ReturnRequest,
    State,
    Supervision,
)
from complaints.services.base import authorize
from complaints.workflow import ACTIONS, Action
from core import clock, personal_data, policy
from core.roles import Role
from core.working_time import WorkingCalendar, working_calendar

LIST_RELATED = ("category", "category__parent", "lead_department")


def case_list(user) -> QuerySet[Case]:
    """The cases `user` may see, with what a list row shows preloaded."""
    return Case.objects.visible_to(user).select_related(*LIST_RELATED)


def case_get(user, number: str) -> Case:
    """The case with everything its page shows, in a constant number of queries; 404 if `user` may
    not see it (whether or not it exists)."""
    queryset = (
        Case.objects.visible_to(user)
        .select_related(*LIST_RELATED, "created_by", "duplicate_of", "repeat_of")
        .prefetch_related(
            Prefetch("assignments", CaseAssignment.objects.select_related("department", "assigned_by")),
            Prefetch("events", CaseEvent.objects.select_related("actor", "department")),
            "attachments",
            Prefetch(
                "extension_requests", ExtensionRequest.objects.select_related("requested_by", "decided_by")
            ),
            Prefetch(
                "return_requests",
                ReturnRequest.objects.select_related("department", "requested_by", "decided_by"),
            ),
            Prefetch("proposals", HandlingProposal.objects.select_related("submitted_by", "decided_by")),
            Prefetch("rectifications", RectificationItem.objects.select_related("owner", "verified_by")),
            "legal_holds",
            Prefetch(
                "supervisions",
                Supervision.objects.select_related("department", "issued_by", "answered_by").order_by(
                    "issued_at"
                ),
            ),
        )
    )
    case = queryset.filter(number=number).first()
    if case is None:
        raise Http404(_("No such case."))
    return case


@dataclass(frozen=True)
class ActionChoice:
    action: Action
    blocked_reason: str = ""


def available_actions(user, case: Case) -> list[ActionChoice]:
    """The actions `user` may take on `case` now, and those a rule blocks for now (with the reason)."""
    choices = []
    for action in ACTIONS.values():
        if case.state not in action.states or not user.has_perm(action.permission):
            continue
        try:
            authorize(user, case, action.code, case_is_visible=True)
            guards.check(case, user, action.code)
        except (ActionForbidden, NotApplicable):
            continue
        except CaseError as refusal:
            choices.append(ActionChoice(action, blocked_reason=refusal.message))
            continue
        choices.append(ActionChoice(action))
    return choices


@dataclass(frozen=True)
class CitizenCard:
    """The citizen's fields as this user may see them now."""

    is_hidden: bool
    is_revealed: bool
    may_reveal: bool
    name: str = ""
    phone: str = ""
    id_number: str = ""
    address: str = ""


def citizen_card(user, case: Case, *, revealed: bool = False) -> CitizenCard:
    """Masked by default; unmasked only when `revealed` (the caller logged the reveal) and allowed;
    hidden entirely from the handling department on a confidential case."""
    if not policy.may_see_identity(user, is_confidential=case.is_confidential):
        return CitizenCard(is_hidden=True, is_revealed=False, may_reveal=False)
    may_reveal = policy.may_reveal(user, is_confidential=case.is_confidential)
    if revealed and may_reveal:
        return CitizenCard(
            False,
            True,
            True,
            case.citizen_name,
            case.citizen_phone,
            case.citizen_id_number,
            case.citizen_address,
        )
    return CitizenCard(
        is_hidden=False,
        is_revealed=False,
        may_reveal=may_reveal and bool(case.citizen_name or case.citizen_phone or case.citizen_id_number),
        name=personal_data.mask_name(case.citizen_name),
        phone=personal_data.mask_phone(case.citizen_phone),
        id_number=personal_data.mask_id_number(case.citizen_id_number),
        address=personal_data.mask_address(case.citizen_address),
    )


def masked_citizen_name(user, case: Case) -> str:
    """The name a list row shows: masked, or a placeholder where the identity is hidden."""
    if case.is_anonymous:
        return _("Anonymous")
    if not policy.may_see_identity(user, is_confidential=case.is_confidential):
        return _("Confidential")
    return personal_data.mask_name(case.citizen_name)


@dataclass(frozen=True)
class DeadlineInfo:
    deadline: datetime | None
    remaining: str
    is_overdue: bool
    is_paused: bool


def deadline_info(case: Case, *, now: datetime, calendar: WorkingCalendar) -> DeadlineInfo:
    """The stage deadline with the working time left (or overdue), for lists and the case page."""
    if case.state == State.SUSPENDED:
        return DeadlineInfo(case.stage_deadline, _("clock stopped (suspended)"), False, True)
    if not case.is_clock_running:
        return DeadlineInfo(case.stage_deadline, "", False, False)
    remaining = calendar.describe_remaining(now, case.stage_deadline)
    return DeadlineInfo(case.stage_deadline, str(remaining), remaining.is_overdue, False)


def calendar_warning(calendar: WorkingCalendar, *moments: datetime | None) -> str:
    """A visible note when a deadline falls in a year without holiday data (weekends only)."""
    years = calendar.years_without_data(*moments)
    if not years:
        return ""
    return _(
        "The working calendar has no holiday data for %(years)s: deadlines there count weekends only. "
        "An administrator adds the year's holidays in the administration."
    ) % {"years": ", ".join(str(year) for year in years)}


@dataclass
class CaseRow:
    """A case as a list row shows it."""

    case: Case
    citizen: str
    deadline: DeadlineInfo


def case_rows(user, cases, *, now: datetime | None = None) -> tuple[list[CaseRow], str]:
    """Rows for a page of cases, and the calendar warning for their deadlines (no extra queries)."""
    now = now or clock.now()
    calendar = working_calendar()
    rows = [
        CaseRow(case, masked_citizen_name(user, case), deadline_info(case, now=now, calendar=calendar))
        for case in cases
    ]
    warning = calendar_warning(
        calendar, *(row.case.stage_deadline for row in rows if row.case.is_clock_running)
    )
    return rows, warning


INBOX_BUCKETS = ("to_sign", "in_progress", "due_soon", "overdue", "returned", "replies_to_approve")


def department_inbox(user, *, now: datetime | None = None) -> dict[str, QuerySet[Case]]:
    """The work queues of the departments `user` handles for (DOMAIN.md §7 department dashboard).

    Only a handler's or head's own departments count (the visibility policy's department scope), and
    their cases are read through `led_by()`: the lead department's cases are visible to its staff."""
    now = now or clock.now()
    own = _own_department_cases(user)
    return {name: own.filter(condition) for name, condition in _inbox_buckets(now).items()}


def _own_department_cases(user) -> QuerySet[Case]:
    departments = policy.case_scope(user).department_ids
    return Case.objects.led_by(departments).select_related(*LIST_RELATED)


def _inbox_buckets(now: datetime) -> dict[str, Q]:
    running = Q(state__in=OPEN_STATES - {State.SUSPENDED})
    return {
        "to_sign": Q(state=State.DISPATCHED),
        "in_progress": Q(
            state__in=[
                State.SIGNED,
                State.IN_PROGRESS,
                State.REOPENED,
                State.EXTENSION_REQUESTED,
                State.SUSPENDED,
            ]
        ),
        "due_soon": running & Q(stage_deadline__gte=now, stage_deadline__lt=now + settings.CASE_DUE_SOON),
        "overdue": running & Q(stage_deadline__lt=now),
        # A department that asked to return a case is its lead until the dispatcher decides.
        "returned": Q(state=State.RETURN_REQUESTED),
        "replies_to_approve": Q(state=State.REPLY_SUBMITTED, is_head_approved=False),
    }


def inbox_counts(user, *, now: datetime | None = None) -> dict[str, int]:
    """All the inbox's counts in one query over the departments' open cases (the (department, state)
    index serves it)."""
    now = now or clock.now()
    buckets = _inbox_buckets(now)
    return (
        _own_department_cases(user)
        .filter(state__in=OPEN_STATES)
        .aggregate(**{name: Count("pk", filter=condition) for name, condition in buckets.items()})
    )


def citizen_history(user, *, phone: str = "", id_number: str = "", limit: int = 20) -> list[Case]:
    """The earlier cases of a caller or visitor, by phone and by ID number, newest first, among the
    cases `user` may see, through the keyed hashes of both (indexed; the values themselves are encrypted)."""
    condition = personal_data.person_match(
        phone=phone, id_number=id_number, phone_lookup="citizen_phone_lookup", id_lookup="citizen_id_lookup"
    )
    if not condition:
        return []
    return list(case_list(user).filter(condition).order_by("-created_at")[:limit])


def _is_similar(text: str, other: str, threshold: float = 0.6) -> bool:
    """Whether two descriptions are at least `threshold` alike. difflib's cheap upper bounds rule most
    pairs out before the exact ratio is computed (same answers, about half the time)."""
    matcher = SequenceMatcher(None, text, other)
    return (
        matcher.real_quick_ratio() >= threshold
        and matcher.quick_ratio() >= threshold
        and matcher.ratio() >= threshold
    )


@dataclass(frozen=True)
class RepeatMatch:
    case: Case
    reason: str


def possible_repeats(
    user,
    *,
    phone: str = "",
    id_number: str = "",
    category=None,
    description: str = "",
    within_days: int | None = None,
    now: datetime | None = None,
) -> list[RepeatMatch]:
    """Earlier cases that may be the same matter (DOMAIN.md §2 repeat rule): the same phone or ID number
    within the window, or a very similar description in the same category. Shown to the person at the
    intake, who decides."""
    now = now or clock.now()
    since = now - timedelta(days=within_days or settings.REPEAT_WINDOW_DAYS)
    matches: dict[int, RepeatMatch] = {}
    for case in citizen_history(user, phone=phone, id_number=id_number):
        if case.created_at >= since:
            matches[case.pk] = RepeatMatch(
                case,
                _("same caller within %(days)s days") % {"days": within_days or settings.REPEAT_WINDOW_DAYS},
            )
    text = description.strip()
    if category is not None and len(text) >= 8:
        # Compare with the latest cases of the category only: enough to catch a repeat wave, bounded cost.
        # Only the number shows: the citizen's encrypted fields are not even read (each costs a decryption).
        recent = (
            case_list(user)
            .filter(category=category, created_at__gte=since)
            .defer("citizen_name", "citizen_phone", "citizen_id_number", "citizen_address")
            .order_by("-created_at")[:200]
        )
        for case in recent:
            if case.pk not in matches and _is_similar(text, case.description):
                matches[case.pk] = RepeatMatch(case, _("very similar description in the same category"))
    return sorted(matches.values(), key=lambda match: match.case.created_at, reverse=True)


def category_default_departments() -> dict[str, int | None]:
    """The dispatch catalogue for intake pages: each leaf category's default department, by category id."""
    return {
        str(pk): department_id
        for pk, department_id in Category.objects.filter(is_active=True, children__isnull=True).values_list(
            "pk", "default_department_id"
        )
    }


def supervision_list(user, *, status: str = "open") -> QuerySet[Supervision]:
    """Supervision notices of the cases `user` may see (the office: all; a head: the department's),
    open ones (unanswered) or answered ones, the most urgent first."""
    supervisions = Supervision.objects.filter(case__in=Case.objects.visible_to(user)).select_related(
        "case", "department", "issued_by", "answered_by"
    )
    if status == "answered":
        return supervisions.filter(answered_at__isnull=False).order_by("-answered_at", "-id")
    return supervisions.filter(answered_at__isnull=True).order_by("answer_due_at", "id")


def may_follow_supervision(user) -> bool:
    """The office and the heads who issue and answer supervision, and the leaders who list cases for it."""
    return (
        user.has_perm("complaints.supervise_case")
        or user.has_perm("complaints.answer_supervision")
        or user.has_role(Role.LEADER)
    )


def may_answer(user, supervision: Supervision) -> bool:
    return (
        not supervision.is_answered
        and user.has_perm("complaints.answer_supervision")
        and supervision.department_id in policy.department_ids(user)
    )
