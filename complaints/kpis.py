"""The KPIs of DOMAIN.md §7, computed from the timeline (`CaseEvent`), by department and month.

Every indicator is a pair of case sets over a period: the cases it counts (the denominator: cases with
an *anchor* event in the period, e.g. "dispatched to the department") and those that meet it (the
numerator: anchor events that *hit*, e.g. "signed by that department before the sign deadline"; for
a lower-is-better rate such as returns the numerator is what is counted against the department).
Numbers count distinct cases, so each number on a dashboard is the size of a set the ledger can list
(`cases_behind`, used by its `kpi` filter): the same definition counts and drills down.

The event's department is the lead department when the event happened (`services.base.move`), so a
reassigned case counts for each department it was given to; the organisation's figure counts each case
once. Weights and which indicators count in the score are data (`Indicator`); the formulas are here,
shown to administrators on the indicator page and in the admin.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from complaints.models import CaseEvent, IndicatorCode, State, Verdict

ACCEPTANCE_ACTIONS = ("dispatch", "answer_directly", "answer_as_repeat", "reject", "merge")
DIRECT_ANSWERS = ("answer_directly", "answer_as_repeat")
GIVEN_ACTIONS = ("dispatch", "reassign")
# Anchors are named by their actions, so that the (action, created_at) index finds a month's events.
REPLY_APPROVALS = ("approve_reply", "legal_approve")  # to "replied" (a head's approval before legal: not)
CLOSINGS = ("close", "final_answer")
VALID_VERDICTS = (Verdict.SATISFIED, Verdict.BASICALLY_SATISFIED, Verdict.UNSATISFIED)
GOOD_VERDICTS = (Verdict.SATISFIED, Verdict.BASICALLY_SATISFIED)

# The parts of an indicator the ledger can list: every case counted, those in the numerator, the rest.
PARTS = [("all", _("counted")), ("hit", _("in the numerator")), ("miss", _("not in the numerator"))]

ON_TIME = Q(due_at__isnull=True) | Q(created_at__lte=F("due_at"))


def _same_case(**conditions) -> QuerySet:
    """Events of the anchor event's case (used inside an indicator's `hit`)."""
    return CaseEvent.objects.filter(case_id=OuterRef("case_id"), **conditions)


def _by_department_after(**conditions):
    """Events of the anchor's case, by the anchor's department, from the anchor's time on."""
    return _same_case(
        department_id=OuterRef("department_id"), created_at__gte=OuterRef("created_at"), **conditions
    )


def _repeat_within_window() -> Q:
    window = timedelta(days=settings.KPI_REPEAT_WINDOW_DAYS)
    return Q(
        case__repeat_of__isnull=False, case__created_at__lte=F("case__repeat_of__created_at") + window
    ) | Q(
        case__duplicate_of__isnull=False, case__created_at__lte=F("case__duplicate_of__created_at") + window
    )


@dataclass(frozen=True)
class Definition:
    code: str
    # What the denominator counts and what the numerator keeps, in words (shown to administrators).
    counts: str | Promise
    meets: str | Promise
    anchor: Callable[[], Q]
    hit: Callable[[], Q]
    lower_is_better: bool = False
    # False: an intake indicator of the organisation (its events carry no department).
    per_department: bool = True
    # True where a case can be counted again in a period (a reply after a reopening, a second
    # revisit): only its last anchor event in the period (of the department) decides.
    latest_only: bool = False

    @property
    def label(self) -> str:
        return IndicatorCode(self.code).label

    @property
    def numerator(self) -> str:
        """What the numerator keeps, with the settings it names (the repeat window)."""
        return str(self.meets) % {"days": settings.KPI_REPEAT_WINDOW_DAYS}

    @property
    def formula(self) -> str:
        return _("%(meets)s ÷ %(counts)s") % {"meets": self.numerator, "counts": self.counts}


DEFINITIONS: dict[str, Definition] = {
    definition.code: definition
    for definition in [
        Definition(
            IndicatorCode.ACCEPTANCE,
            counts=_(
                "cases accepted or refused in the period (dispatched, answered directly, rejected, merged)"
            ),
            meets=_("those decided by the dispatch deadline"),
            anchor=lambda: Q(from_state=State.REGISTERED, action__in=ACCEPTANCE_ACTIONS),
            hit=lambda: ON_TIME,
            per_department=False,
        ),
        Definition(
            IndicatorCode.DISPATCH_ACCURACY,
            counts=_("cases first dispatched to the department in the period"),
            meets=_("those not returned and reassigned to another department"),
            anchor=lambda: Q(action="dispatch"),
            hit=lambda: ~Exists(_same_case(action="reassign")),
        ),
        Definition(
            IndicatorCode.TIMELY_SIGN,
            counts=_("cases dispatched or reassigned to the department in the period"),
            meets=_("those the department signed for by the sign deadline"),
            anchor=lambda: Q(action__in=GIVEN_ACTIONS),
            hit=lambda: Exists(_by_department_after(action="sign").filter(ON_TIME)),
        ),
        Definition(
            IndicatorCode.RETURN_RATE,
            counts=_("cases dispatched or reassigned to the department in the period"),
            meets=_("those the department asked to return"),
            anchor=lambda: Q(action__in=GIVEN_ACTIONS),
            hit=lambda: Exists(_by_department_after(action="request_return")),
            lower_is_better=True,
        ),
        Definition(
            IndicatorCode.ON_TIME,
            counts=_("cases whose reply was approved in the period"),
            meets=_(
                "those approved by the handling deadline "
                "(approved extensions move it; suspended time does not count)"
            ),
            anchor=lambda: Q(action__in=REPLY_APPROVALS, to_state=State.REPLIED),
            hit=lambda: ON_TIME,
            latest_only=True,
        ),
        Definition(
            IndicatorCode.REVISIT_RATE,
            counts=_("cases closed in the period"),
            meets=_("those the citizen was called back about (a revisit recorded)"),
            anchor=lambda: Q(action__in=CLOSINGS),
            hit=lambda: Exists(_same_case(action="revisit")),
        ),
        Definition(
            IndicatorCode.SATISFACTION,
            counts=_(
                "revisits in the period with a valid rating (satisfied, basically satisfied, unsatisfied)"
            ),
            meets=_("those satisfied or basically satisfied"),
            anchor=lambda: Q(action="revisit", payload__verdict__in=VALID_VERDICTS),
            hit=lambda: Q(payload__verdict__in=GOOD_VERDICTS),
            latest_only=True,
        ),
        Definition(
            IndicatorCode.RESOLUTION,
            counts=_("revisits in the period where the citizen was asked whether the matter was resolved"),
            meets=_("those where the citizen said it was resolved"),
            anchor=lambda: Q(action="revisit") & (Q(payload__resolved=True) | Q(payload__resolved=False)),
            hit=lambda: Q(payload__resolved=True),
            latest_only=True,
        ),
        Definition(
            IndicatorCode.REOPEN_RATE,
            counts=_("cases closed in the period"),
            meets=_("those reopened at least once before closing"),
            anchor=lambda: Q(action__in=CLOSINGS),
            hit=lambda: Exists(_same_case(action="reopen")),
            lower_is_better=True,
        ),
        Definition(
            IndicatorCode.FIRST_CONTACT,
            counts=_(
                "cases accepted in the period "
                "(answered directly or dispatched; merged duplicates and rejections left out)"
            ),
            meets=_("those answered at first contact"),
            anchor=lambda: Q(from_state=State.REGISTERED, action__in=(*DIRECT_ANSWERS, "dispatch")),
            hit=lambda: Q(action__in=DIRECT_ANSWERS),
            per_department=False,
        ),
        Definition(
            IndicatorCode.REPEAT_CONTACT,
            counts=_("cases registered in the period"),
            meets=_(
                "those linked as a repeat of, or merged into, a case registered at most %(days)s days before"
            ),
            anchor=lambda: Q(action="register"),
            hit=_repeat_within_window,
            lower_is_better=True,
            per_department=False,
        ),
    ]
}


@dataclass(frozen=True)
class Figure:
    """One indicator's count: `total` cases counted, `hits` of them in the numerator."""

    total: int
    hits: int

    @property
    def rate(self) -> float | None:
        return self.hits / self.total if self.total else None

    @property
    def percent(self) -> float | None:
        return round(100 * self.hits / self.total, 1) if self.total else None

    @property
    def misses(self) -> int:
        return self.total - self.hits


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def previous_month(month: date) -> date:
    return (month - timedelta(days=1)).replace(day=1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The month as aware local times, from the first day 00:00 to the next month's."""
    zone = timezone.get_default_timezone()
    start = datetime(month.year, month.month, 1, tzinfo=zone)
    end_day = next_month(month)
    return start, datetime(end_day.year, end_day.month, 1, tzinfo=zone)


def anchor_events(code: str, start: datetime, end: datetime, *, by_department: bool):
    """The events an indicator counts in [start, end): for `latest_only` indicators, the last of each
    case's (by the organisation) or each case and department's (`by_department`)."""
    definition = DEFINITIONS[code]
    period = {"created_at__gte": start, "created_at__lt": end}
    events = CaseEvent.objects.filter(definition.anchor(), **period)
    if definition.latest_only:
        later = CaseEvent.objects.filter(definition.anchor(), case_id=OuterRef("case_id"), **period).filter(
            Q(created_at__gt=OuterRef("created_at"))
            | Q(created_at=OuterRef("created_at"), id__gt=OuterRef("id"))
        )
        if by_department:
            later = later.filter(department_id=OuterRef("department_id"))
        events = events.filter(~Exists(later))
    return events


def indicator_counts(code: str, start: datetime, end: datetime) -> dict[int | None, Figure]:
    """The indicator per department (keys: department ids) and for the organisation (key None)."""
    definition = DEFINITIONS[code]
    counting = {
        "total": Count("case_id", distinct=True),
        "hits": Count("case_id", distinct=True, filter=definition.hit()),
    }
    figures = {None: Figure(**anchor_events(code, start, end, by_department=False).aggregate(**counting))}
    if definition.per_department:
        by_department = anchor_events(code, start, end, by_department=True).exclude(department_id=None)
        for row in by_department.values("department_id").annotate(**counting).order_by():
            figures[row["department_id"]] = Figure(row["total"], row["hits"])
    return figures


def cases_behind(code: str, start: datetime, end: datetime, *, part: str = "all", department_id=None) -> Q:
    """A condition on `Case` selecting exactly the cases an indicator counted (`all`), those in its
    numerator (`hit`) or the rest (`miss`), for one department or (None) the organisation."""
    definition = DEFINITIONS[code]
    events = anchor_events(code, start, end, by_department=department_id is not None).filter(
        case_id=OuterRef("pk")
    )
    if department_id is not None:
        events = events.filter(department_id=department_id)
    if part == "hit":
        return Q(Exists(events.filter(definition.hit())))
    if part == "miss":
        return Q(Exists(events)) & ~Q(Exists(events.filter(definition.hit())))
    return Q(Exists(events))


def score(figures: dict[str, Figure], weights: dict[str, int]) -> float | None:
    """The weighted score out of 100 over the indicators with cases and a weight; lower-is-better
    indicators count as their complement. None when no weighted indicator has cases."""
    total_weight = 0
    points = 0.0
    for code, weight in weights.items():
        figure = figures.get(code)
        if not weight or figure is None or figure.rate is None:
            continue
        rate = 1 - figure.rate if DEFINITIONS[code].lower_is_better else figure.rate
        points += weight * rate
        total_weight += weight
    return round(100 * points / total_weight, 1) if total_weight else None
