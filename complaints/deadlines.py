"""Deadline policy look-up and stage deadlines (DOMAIN.md §3).

The policies are a handful of rows an administrator edits; they are read fresh for each action.
Arithmetic over working days and hours is `core.working_time`.
"""

from dataclasses import dataclass, field
from datetime import datetime

from complaints.models import SlaPolicy
from core.working_time import working_calendar


@dataclass(frozen=True)
class StageRule:
    amount: int
    unit: str


@dataclass(frozen=True)
class ResolvedPolicy:
    rules: dict[str, StageRule] = field(default_factory=dict)
    max_extensions: int = 0
    max_extension_amount: int = 0
    extension_unit: str = ""
    reopen_limit: int = 0


def _specificity(policy: SlaPolicy) -> tuple[bool, bool, bool]:
    # Petition policies first (they only match petition matters), then priority, then kind: an urgent
    # complaint is timed by the urgent clock, not by the complaint's 15 working days.
    return (policy.is_petition, bool(policy.priority), bool(policy.kind))


def resolve_policy(*, kind: str, priority: str, is_petition: bool, policies=None) -> ResolvedPolicy:
    """Merge the policies matching a case, the most specific first, stage by stage and limit by limit.
    `policies`: every `SlaPolicy` with its rules prefetched, when the caller resolves many cases."""
    if policies is None:
        policies = SlaPolicy.objects.prefetch_related("rules")
    candidates = sorted(
        (
            policy
            for policy in policies
            if policy.kind in ("", kind)
            and policy.priority in ("", priority)
            and (is_petition or not policy.is_petition)
        ),
        key=_specificity,
        reverse=True,
    )
    rules: dict[str, StageRule] = {}
    limits: dict[str, int | str] = {}
    for policy in candidates:
        for rule in policy.rules.all():
            rules.setdefault(rule.stage, StageRule(rule.amount, rule.unit))
        for name in ("max_extensions", "max_extension_amount", "reopen_limit"):
            if getattr(policy, name) is not None:
                limits.setdefault(name, getattr(policy, name))
        if policy.extension_unit:
            limits.setdefault("extension_unit", policy.extension_unit)
    return ResolvedPolicy(rules=rules, **limits)


def policy_for(case) -> ResolvedPolicy:
    return resolve_policy(kind=case.kind, priority=case.priority, is_petition=case.is_petition)


def deadline_after(start: datetime, rule: StageRule | None) -> datetime | None:
    if rule is None:
        return None
    return working_calendar().add(start, rule.amount, rule.unit)
