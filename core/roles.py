"""The roles of DOMAIN.md §1 and the permissions each role's group carries.

A role is a Django group whose name is the role's code. `roles_sync()` in `core.services` makes the
groups match this table; it fails loudly when a listed permission does not exist, so a typo here is
caught at once. Apps above `core` name their permissions here as strings ("complaints.dispatch_case"):
strings keep the import direction one way.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CLERK = "clerk", _("Reception clerk")
    AGENT = "agent", _("Hotline agent")
    DISPATCHER = "dispatcher", _("Dispatcher")
    HANDLER = "handler", _("Department handler")
    HEAD = "head", _("Department head")
    OFFICE = "office", _("Leadership office")
    LEADER = "leader", _("Leader")
    LEGAL = "legal", _("Legal reviewer")
    INSPECTOR = "inspector", _("Discipline inspector")
    TRAINER = "trainer", _("Trainer")
    EMERGENCY = "emergency", _("Emergency coordinator")
    ADMIN = "admin", _("Administrator")


ROLE_DUTIES = {
    Role.CLERK: _("Logs walk-in visitors, answers on the spot, refers matters and registers complaints."),
    Role.AGENT: _(
        "Takes hotline calls, creates and classifies cases, answers from the knowledge base, "
        "dispatches and makes revisit calls."
    ),
    Role.DISPATCHER: _("Routes cases to departments and arbitrates return requests."),
    Role.HANDLER: _(
        "Signs for the department's cases, investigates, and drafts the reply and handling plan."
    ),
    Role.HEAD: _("Approves the department's replies and extension requests and answers supervision notices."),
    Role.OFFICE: _("Keeps the ledger, issues urging and supervision notices, coordinates and reports."),
    Role.LEADER: _("Approves complaint handling proposals and reads the dashboards."),
    Role.LEGAL: _("Reviews replies and proposals that carry legal risk."),
    Role.INSPECTOR: _("Receives every complaint-report case, oversees handling and investigates misconduct."),
    Role.TRAINER: _("Keeps training plans, sessions, evaluations and assessments."),
    Role.EMERGENCY: _("Keeps risks, emergency plans, drills and incidents."),
    Role.ADMIN: _("Manages users, departments, categories, deadline policies and the working calendar."),
}

_ADMINISTRATION = [
    f"{app}.{action}_{model}"
    for app, model in [
        ("core", "user"),
        ("core", "department"),
        ("core", "departmentmembership"),
        ("core", "calendaryear"),
        ("core", "calendarday"),
        ("auth", "group"),
    ]
    for action in ("view", "add", "change", "delete")
]


def _cases(*codenames: str) -> list[str]:
    return [f"complaints.{codename}" for codename in codenames]


_REVEAL = ["core.reveal_personal_data"]
# The audit log (/audit/): who revealed, exported or changed what; and what the retention job did.
_AUDIT = ["core.view_auditentry", "complaints.view_retentionrun"]
_CASE_CATALOGUE = [
    f"complaints.{action}_{model}"
    for model in ("category", "slapolicy", "slastagerule", "escalationrule", "indicator", "retentionpolicy")
    for action in ("view", "add", "change", "delete")
]

_LEADERSHIP_DASHBOARD = ["dashboard.view_leadership_dashboard"]
_CONSOLE = ["hotline.use_console"]
_RECEPTION = ["reception.receive_visitors"]
_RECEPTION_ROOMS = [
    f"reception.{action}_{model}"
    for model in ("receptionroom", "leaderreceptionday")
    for action in ("view", "add", "change", "delete")
]
_KNOWLEDGE_EDITING = [f"hotline.{action}_knowledgearticle" for action in ("view", "add", "change")]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    # Clerks refer matters to departments themselves (seed 001: 及时移交相关部门处理).
    Role.CLERK: [*_cases("register_case", "dispatch_case"), *_REVEAL, *_RECEPTION],
    Role.AGENT: [*_cases("register_case", "dispatch_case", "revisit_case"), *_REVEAL, *_CONSOLE],
    Role.DISPATCHER: [
        *_cases("register_case", "dispatch_case", "arbitrate_return", "revisit_case"),
        *_REVEAL,
    ],
    Role.HANDLER: [*_cases("handle_case"), *_REVEAL],
    Role.HEAD: [
        *_cases("handle_case", "approve_reply", "decide_extension", "answer_supervision"),
        *_REVEAL,
        "dashboard.view_department_dashboard",
    ],
    Role.OFFICE: [
        *_cases(
            "register_case",
            "dispatch_case",
            "arbitrate_return",
            "approve_reply",
            "decide_extension",
            "verify_rectification",
            "revisit_case",
            "archive_case",
            "supervise_case",
            "hold_case",
            "view_retentionrun",
        ),
        *_REVEAL,
        *_KNOWLEDGE_EDITING,
        *_RECEPTION,
        "reception.manage_leader_days",
        *_LEADERSHIP_DASHBOARD,
        "core.view_department",
        "core.view_departmentmembership",
    ],
    Role.LEADER: [
        *_cases("approve_proposal", "give_final_answer"),
        *_LEADERSHIP_DASHBOARD,
        "core.view_department",
    ],
    Role.LEGAL: _cases("review_legal"),
    Role.INSPECTOR: [*_REVEAL, *_AUDIT],
    Role.TRAINER: ["core.view_department", "core.view_departmentmembership"],
    Role.EMERGENCY: [],
    Role.ADMIN: [*_ADMINISTRATION, *_CASE_CATALOGUE, *_RECEPTION_ROOMS, *_AUDIT, "core.lift_sign_in_lockout"],
}

# Roles whose members may open the Django admin site (it lists only what their permissions allow).
STAFF_ROLES = {Role.ADMIN}

# The system account (`core.services.system_user`) acts for scheduled jobs and the portal: the desk's
# roles, and archiving closed cases (the retention job).
SYSTEM_ROLES = [Role.AGENT, Role.DISPATCHER]
SYSTEM_PERMISSIONS = ["complaints.archive_case"]
