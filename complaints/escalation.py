"""Deadlines that act (DOMAIN.md §4): warnings, urging, reminders while overdue, supervision notices and
listed supervision, each exactly once per case, stage, deadline and threshold.

How it stays cheap and exact:
- `schedule()` stores the moment of the case's next threshold (`CaseSchedule.next_at`, a narrow row
  of its own) whenever the stage or its deadline changes (`complaints.services.base.move`, `touch`,
  registration). The sweep reads only the cases whose moment has come, through a partial index: its
  cost grows with the cases coming due, not with the open cases.
- The sweep locks the due schedule rows with `SELECT ... FOR UPDATE SKIP LOCKED`: a second sweep
  running at the same time takes other cases or none, and a transition of a case waits for the sweep
  holding its row (then stores the new stage's moment). Every notice and supervision document carries
  a unique key (case, stage start, deadline, rule, occurrence, recipient), so even a sweep that somehow
  saw the same case again could not store them twice.
- A sweep after downtime sends every threshold that came due since the case's stored moment, late
  rather than never (a daily reminder only once, for the latest day).
"""

import time as timer
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.deadlines import ResolvedPolicy, resolve_policy
from complaints.models import (
    OPEN_STATES,
    Case,
    CaseEvent,
    CaseSchedule,
    EscalationRule,
    SlaPolicy,
    Stage,
    Supervision,
)
from core import clock, notices
from core.models import DepartmentMembership, User
from core.roles import Role
from core.services import system_user
from core.working_time import DurationUnit, WorkingCalendar, working_calendar

WORKING_UNITS = {DurationUnit.WORKING_DAYS, DurationUnit.WORKING_HOURS}
# The stages a department is responsible for: its head is told and supervision notices go to it. Before
# dispatch and at the revisit the hotline is responsible; the office and the leaders are still told.
DEPARTMENT_STAGES = {Stage.SIGN, Stage.HANDLE}
NOTICE_KINDS = {
    EscalationRule.Action.WARNING: "case_warning",
    EscalationRule.Action.URGING: "case_urging",
    EscalationRule.Action.OVERDUE: "case_overdue",
    EscalationRule.Action.SUPERVISION: "case_supervision",
    EscalationRule.Action.LISTED: "case_listed",
}
SUPERVISION_KINDS = {
    EscalationRule.Action.SUPERVISION: Supervision.Kind.SUPERVISION,
    EscalationRule.Action.LISTED: Supervision.Kind.LISTED,
}

_rules_cache: tuple[float, list[EscalationRule]] | None = None


def active_rules() -> list[EscalationRule]:
    """The active rules, read at most once a minute per process (they change rarely)."""
    global _rules_cache
    if _rules_cache is None or timer.monotonic() - _rules_cache[0] > 60:
        _rules_cache = (timer.monotonic(), list(EscalationRule.objects.filter(is_active=True)))
    return _rules_cache[1]


def clear_rules_cache() -> None:
    global _rules_cache
    _rules_cache = None


@dataclass(frozen=True)
class Threshold:
    rule: EscalationRule
    occurrence: int
    at: datetime


class Clock:
    """What the threshold arithmetic needs, resolved once: the calendar, the rules, the policies."""

    def __init__(self, calendar: WorkingCalendar | None = None, rules: list[EscalationRule] | None = None):
        self.calendar = calendar or working_calendar()
        self.rules = active_rules() if rules is None else rules
        self._policies: dict[tuple, ResolvedPolicy] = {}
        self._all_policies: list[SlaPolicy] | None = None

    def policy(self, case: Case) -> ResolvedPolicy:
        key = (case.kind, case.priority, case.is_petition)
        if key not in self._policies:
            if self._all_policies is None:
                self._all_policies = list(SlaPolicy.objects.prefetch_related("rules"))
            self._policies[key] = resolve_policy(
                kind=case.kind,
                priority=case.priority,
                is_petition=case.is_petition,
                policies=self._all_policies,
            )
        return self._policies[key]

    def plan(
        self, case: Case, *, since: datetime | None, until: datetime
    ) -> tuple[list[Threshold], datetime | None]:
        """The thresholds of the case's current stage with `since <= at <= until` in time order (of a daily
        reminder only the latest occurrence in the window; none without `since`), and the moment of the
        first threshold after `until`. Each rule's moments are computed once."""
        if not case.is_clock_running or case.stage_started_at is None:
            return [], None
        due, later = [], []
        for rule in self.rules:
            if rule.percent_of_stage is not None:
                at = self._share_of_stage(case, rule.percent_of_stage)
                if at > until:
                    later.append(at)
                elif since is not None and at >= since:
                    due.append(Threshold(rule, 0, at))
                continue
            last = self._last_occurrence(case, rule, until)
            if last is None:
                later.append(self._overdue_at(case, rule.working_days_overdue))
                continue
            at = self._overdue_at(case, last)
            if since is not None and at >= since:
                due.append(Threshold(rule, last if rule.repeats_daily else 0, at))
            if rule.repeats_daily:
                later.append(self._overdue_at(case, last + 1))
        return sorted(due, key=lambda threshold: threshold.at), min(later, default=None)

    def next_at(self, case: Case, *, after: datetime) -> datetime | None:
        """The first threshold of the case's current stage strictly after `after`, or None."""
        return self.plan(case, since=None, until=after)[1]

    def _share_of_stage(self, case: Case, percent: int) -> datetime:
        start, deadline = case.stage_started_at, case.stage_deadline
        if percent >= 100 or deadline <= start:
            return deadline
        rule = self.policy(case).rules.get(case.stage)
        if rule is not None and rule.unit in WORKING_UNITS:
            total = self.calendar.working_seconds_between(start, deadline)
            return self.calendar.shift(start, total * percent // 100)
        return start + (deadline - start) * percent / 100

    def _overdue_at(self, case: Case, working_days: int) -> datetime:
        return self.calendar.add(case.stage_deadline, working_days, DurationUnit.WORKING_DAYS)

    def _last_occurrence(self, case: Case, rule: EscalationRule, moment: datetime) -> int | None:
        """The number of working days overdue of the rule's latest occurrence at or before `moment`
        (None if none yet). Counted in constant time however long the case is overdue."""
        first = rule.working_days_overdue
        if self._overdue_at(case, first) > moment:
            return None
        if not rule.repeats_daily:
            return first
        deadline_day = timezone.localtime(case.stage_deadline).date()
        today = timezone.localtime(moment).date()
        passed = self.calendar.working_days_between(deadline_day + timedelta(days=1), today)
        for days in (passed + 1, passed, passed - 1):
            if days >= first and self._overdue_at(case, days) <= moment:
                return days
        return first


def schedule(case: Case, *, now: datetime | None = None, thresholds: Clock | None = None) -> None:
    """Store the moment of the case's next threshold after `now` (one upsert of its schedule row)."""
    next_at = (thresholds or Clock()).next_at(case, after=now or clock.now())
    CaseSchedule.objects.bulk_create(
        [CaseSchedule(case_id=case.pk, next_at=next_at)],
        update_conflicts=True,
        unique_fields=["case"],
        update_fields=["next_at"],
    )


# Who is told


class Recipients:
    """The people a rule names for a case, read once per sweep for all its cases."""

    def __init__(self):
        self._roles: dict[str, list[User]] = {}
        self._department_staff: dict[int, dict[str, list[User]]] = {}

    def load_departments(self, department_ids) -> None:
        """The handlers and heads of the departments, with their notice preferences: three queries."""
        wanted = set(department_ids) - set(self._department_staff)
        if not wanted:
            return
        memberships = list(
            DepartmentMembership.objects.filter(department_id__in=wanted, user__is_active=True).values_list(
                "department_id", "user_id"
            )
        )
        users = {
            user.pk: user
            for user in User.objects.filter(pk__in={user_id for _department, user_id in memberships})
            .prefetch_related("groups", "notice_preferences")
            .order_by("pk")
        }
        for department_id in wanted:
            self._department_staff[department_id] = {Role.HANDLER: [], Role.HEAD: []}
        for department_id, user_id in memberships:
            user = users[user_id]
            for group in user.groups.all():
                if group.name in (Role.HANDLER, Role.HEAD):
                    self._department_staff[department_id][group.name].append(user)

    def department(self, department_id: int, role: str | None = None) -> list[User]:
        """The department's handlers and head (or those of `role`), loaded by `load_departments`."""
        staff = self._department_staff.get(department_id, {})
        if role is not None:
            return list(staff.get(role, []))
        people = {user.pk: user for users in staff.values() for user in users}
        return list(people.values())

    def role(self, role: str) -> list[User]:
        if role not in self._roles:
            self._roles[role] = list(
                User.objects.filter(is_active=True, groups__name=role)
                .prefetch_related("notice_preferences")
                .order_by("pk")
            )
        return self._roles[role]

    def for_rule(self, case: Case, rule: EscalationRule) -> list[User]:
        people: dict[int, User] = {}
        staff = self._department_staff.get(case.lead_department_id, {}) if case.lead_department_id else {}
        if rule.to_responsible:
            if case.stage == Stage.DISPATCH:
                responsible = self.role(Role.DISPATCHER)
            elif case.stage == Stage.REVISIT:
                responsible = self.role(Role.AGENT)
            else:
                responsible = staff.get(Role.HANDLER) or staff.get(Role.HEAD, [])
            people.update((user.pk, user) for user in responsible)
        if rule.to_head and case.stage in DEPARTMENT_STAGES:
            people.update((user.pk, user) for user in staff.get(Role.HEAD, []))
        if rule.to_office:
            people.update((user.pk, user) for user in self.role(Role.OFFICE))
        if rule.to_leaders:
            people.update((user.pk, user) for user in self.role(Role.LEADER))
        return list(people.values())


# The sweep


@dataclass
class SweepResult:
    cases: int = 0
    notices: int = 0
    supervisions: int = 0
    escalated: int = 0
    planned: list[str] = field(default_factory=list)


def escalation_sweep(*, now: datetime | None = None, dry_run: bool = False, batch: int = 500) -> SweepResult:
    """Act on every case whose next threshold has come, then on unanswered supervision notices past
    their own deadline. Safe to run twice and at the same time as another sweep."""
    now = now or clock.now()
    result = SweepResult()
    thresholds = Clock()
    while True:
        with transaction.atomic():
            rows = list(
                CaseSchedule.objects.select_for_update(skip_locked=True)
                .filter(next_at__lte=now)
                .order_by("next_at", "case_id")[:batch]
            )
            if not rows:
                break
            _act_on(rows, thresholds=thresholds, now=now, result=result, dry_run=dry_run)
            if dry_run:
                transaction.set_rollback(True)
                break
        if len(rows) < batch:
            break
    if not dry_run:
        result.escalated = supervisions_escalate(now=now)
    return result


def _act_on(
    rows: list[CaseSchedule], *, thresholds: Clock, now: datetime, result: SweepResult, dry_run: bool
) -> None:
    cases = {
        case.pk: case
        for case in Case.objects.filter(pk__in=[row.case_id for row in rows]).select_related(
            "lead_department", "category"
        )
    }
    recipients = Recipients()
    recipients.load_departments(
        {case.lead_department_id for case in cases.values() if case.lead_department_id}
    )
    planned_notices: list[notices.NoticePlan] = []
    planned_supervisions: list[Supervision] = []
    issuer = None
    for row in rows:
        case = cases[row.case_id]
        due, row.next_at = thresholds.plan(case, since=row.next_at, until=now)
        for threshold in due:
            rule = threshold.rule
            key = (
                f"{case.pk}:{case.stage}:{case.stage_started_at.timestamp():.0f}:"
                f"{case.stage_deadline.timestamp():.0f}:{rule.code}:{threshold.occurrence}"
            )
            result.planned.append(
                f"{case.number} {rule.code} {timezone.localtime(threshold.at):%Y-%m-%d %H:%M}"
            )
            context = {
                "case": case,
                "rule": rule,
                "threshold": threshold,
                "overdue_days": threshold.occurrence,
            }
            if rule.action in SUPERVISION_KINDS and case.stage in DEPARTMENT_STAGES:
                issuer = issuer or system_user()
                planned_supervisions.append(
                    Supervision(
                        case=case,
                        kind=SUPERVISION_KINDS[rule.action],
                        department=case.lead_department,
                        instructions=_supervision_instructions(case, rule),
                        issued_by=issuer,
                        issued_at=now,
                        answer_due_at=answer_due(now, thresholds.calendar),
                        dedupe_key=f"supervision:{key}",
                    )
                )
            for user in recipients.for_rule(case, rule):
                planned_notices.append(
                    notices.NoticePlan(
                        user, NOTICE_KINDS[rule.action], context, case, f"escalation:{key}:{user.pk}"
                    )
                )
    result.cases += len(rows)
    if dry_run:
        return
    result.supervisions += len(_store_supervisions(planned_supervisions))
    result.notices += len(notices.notices_send(planned_notices, now=now))
    CaseSchedule.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["case"], update_fields=["next_at"]
    )


def answer_due(now: datetime, calendar: WorkingCalendar) -> datetime:
    return calendar.add(now, settings.SUPERVISION_ANSWER_WORKING_DAYS, DurationUnit.WORKING_DAYS)


def _supervision_instructions(case: Case, rule: EscalationRule) -> str:
    return _(
        "Case %(number)s is past its deadline (%(deadline)s). Answer in writing: the reason for the delay "
        "and the date by which it will be completed."
    ) % {"number": case.number, "deadline": f"{timezone.localtime(case.stage_deadline):%Y-%m-%d %H:%M}"}


def _store_supervisions(planned: list[Supervision]) -> list[Supervision]:
    """Store the supervision notices not stored yet, each with its line on the case's timeline."""
    if not planned:
        return []
    existing = set(
        Supervision.objects.filter(dedupe_key__in=[item.dedupe_key for item in planned]).values_list(
            "dedupe_key", flat=True
        )
    )
    new = [item for item in planned if item.dedupe_key not in existing]
    Supervision.objects.bulk_create(new)
    CaseEvent.objects.bulk_create(
        [
            CaseEvent(
                case=item.case,
                type=CaseEvent.Type.SUPERVISION,
                action=f"issue_{item.kind}",
                actor=item.issued_by,
                note=item.instructions,
                department=item.department,
                payload={"answer_due_at": item.answer_due_at.isoformat(), "automatic": True},
                created_at=item.issued_at,
            )
            for item in new
        ]
    )
    return new


def supervisions_escalate(*, now: datetime | None = None) -> int:
    """Supervision notices unanswered past their deadline go up: the leaders and the office are told,
    once (claimed by a conditional UPDATE)."""
    now = now or clock.now()
    count = 0
    due = Supervision.objects.filter(
        answered_at__isnull=True, escalated_at__isnull=True, answer_due_at__lte=now
    )
    recipients = Recipients()
    for supervision in due.select_related("case", "department")[:500]:
        with transaction.atomic():
            if not Supervision.objects.filter(
                pk=supervision.pk, escalated_at__isnull=True, answered_at__isnull=True
            ).update(escalated_at=now):
                continue
            people = {
                user.pk: user for user in [*recipients.role(Role.LEADER), *recipients.role(Role.OFFICE)]
            }
            notices.notices_send(
                [
                    notices.NoticePlan(
                        user,
                        "supervision_escalated",
                        {"supervision": supervision, "case": supervision.case},
                        supervision.case,
                        f"supervision-escalated:{supervision.pk}:{user.pk}",
                    )
                    for user in people.values()
                ],
                now=now,
            )
            count += 1
    return count


def listed_supervision():
    """Open listed supervision (挂牌督办), for the leadership's workspace and the office's list."""
    return (
        Supervision.objects.filter(kind=Supervision.Kind.LISTED)
        .filter(Q(answered_at__isnull=True) | Q(case__state__in=OPEN_STATES))
        .select_related("case", "department")
    )
