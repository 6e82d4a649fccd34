"""Who may see what: the one visibility policy (DOMAIN.md §1).

Every list, page, export and API that shows cases or visits asks this module. It speaks in
roles and departments only; `complaints.models.CaseQuerySet.visible_to()` turns a `CaseScope` into SQL,
and nothing else decides visibility.
"""

from dataclasses import dataclass

from django.conf import settings

from core.roles import Role

# Roles that see every case.
ALL_CASES_ROLES = frozenset({Role.CLERK, Role.AGENT, Role.DISPATCHER, Role.OFFICE, Role.LEADER})
# Roles that see the cases their departments are or were assigned to.
DEPARTMENT_ROLES = frozenset({Role.HANDLER, Role.HEAD})
REVEAL_PERMISSION = "core.reveal_personal_data"


@dataclass(frozen=True)
class CaseScope:
    """The cases a user may see: all of them, or the union of the parts that are set."""

    sees_all: bool = False
    department_ids: frozenset[int] = frozenset()
    sees_reports_and_misconduct: bool = False
    sees_legal_reviews: bool = False

    @property
    def sees_nothing(self) -> bool:
        return not (
            self.sees_all
            or self.department_ids
            or self.sees_reports_and_misconduct
            or self.sees_legal_reviews
        )


def department_ids(user) -> frozenset[int]:
    """Ids of the departments `user` belongs to (one query, cached on the user instance)."""
    cached = getattr(user, "_department_ids_cache", None)
    if cached is None:
        cached = frozenset(user.memberships.values_list("department_id", flat=True))
        user._department_ids_cache = cached
    return cached


def case_scope(user) -> CaseScope:
    if not user.is_authenticated or not user.is_active:
        return CaseScope()
    roles = user.role_codes
    if roles & ALL_CASES_ROLES:
        return CaseScope(sees_all=True)
    return CaseScope(
        department_ids=department_ids(user) if roles & DEPARTMENT_ROLES else frozenset(),
        sees_reports_and_misconduct=Role.INSPECTOR in roles,
        sees_legal_reviews=Role.LEGAL in roles,
    )


# Roles that see the visitor register (reception visits): the intake and coordination roles, who see
# every case too. A department sees what a visit produced through its cases, not the register.
VISIT_ROLES = ALL_CASES_ROLES


def sees_visits(user) -> bool:
    """Whether `user` may see the visitor register (`reception.Visit`): all visits or none."""
    return user.is_authenticated and user.is_active and bool(user.role_codes & VISIT_ROLES)


def may_see_identity(user, *, is_confidential: bool) -> bool:
    """Whether the citizen's identity and contact fields of a case may be shown to `user` at all
    (masked or revealed). On a confidential case the handling departments and legal reviewers never
    see them; replies and revisits go through the hotline and the office."""
    if not is_confidential:
        return True
    scope = case_scope(user)
    return scope.sees_all or scope.sees_reports_and_misconduct


def may_reveal(user, *, is_confidential: bool) -> bool:
    """Whether `user` may unmask personal data (an explicit, logged act)."""
    return may_see_identity(user, is_confidential=is_confidential) and user.has_perm(REVEAL_PERMISSION)


def requires_second_factor(user) -> bool:
    """Whether `user` must sign in with a second factor (when TWO_FACTOR_REQUIRED is on): whoever may
    reveal or export personal data unmasked, and administrators."""
    return user.is_staff or user.is_superuser or user.has_perm(REVEAL_PERMISSION)


def second_factor_pending(user) -> bool:
    """Whether `user` signed in with the password and must still confirm the sign-in with a second factor
    (django-otp's OTPMiddleware says whether this session is verified)."""
    return (
        settings.TWO_FACTOR_REQUIRED
        and user.is_authenticated
        and not user.is_verified()
        and requires_second_factor(user)
    )
