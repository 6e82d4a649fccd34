from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core.roles import Role

PANEL_ROWS = 20


def listed_supervision_panel(user) -> dict:
    from complaints.escalation import listed_supervision

    listed = listed_supervision()
    return {
        "listed": list(listed.order_by("answered_at", "-issued_at")[:PANEL_ROWS]),
        "count": listed.count(),
    }


def may_follow_supervision(user) -> bool:
    from complaints.selectors import may_follow_supervision

    return may_follow_supervision(user)


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Case handling")

    def ready(self) -> None:
        from django.urls import register_converter

        from complaints.converters import CaseNumberConverter
        from core import navigation, notices, policy

        register_converter(CaseNumberConverter, "case_number")

        for code, label, by_email in [
            ("case_assigned", _("A case for your department"), False),
            ("case_warning", _("Deadline warning"), False),
            ("case_urging", _("Urging: a deadline reached"), True),
            ("case_overdue", _("A case still overdue"), False),
            ("case_supervision", _("Supervision notice"), True),
            ("case_listed", _("Listed supervision"), True),
            ("supervision_answered", _("Supervision answered"), False),
            ("supervision_escalated", _("Supervision unanswered"), True),
        ]:
            notices.register_kind(notices.NoticeKind(code=code, label=label, by_email=by_email))
        navigation.register(
            navigation.NavItem(
                key="retention",
                label=_("Retention"),
                url_name="complaints:retention",
                order=885,
                permissions=("complaints.view_retentionrun",),
                description=_("What the nightly retention job archived, erased and held, and why."),
            )
        )
        navigation.register(
            navigation.NavItem(
                key="supervision",
                label=_("Supervision"),
                url_name="complaints:supervision",
                order=25,
                condition=may_follow_supervision,
                description=_(
                    "Supervision notices and listed supervision: open ones first, with the answers."
                ),
            )
        )
        navigation.register_panel(
            navigation.Panel(
                key="listed_supervision",
                template="complaints/_listed_supervision_panel.html",
                context=listed_supervision_panel,
                condition=lambda user: user.has_role(Role.LEADER) or user.has_role(Role.OFFICE),
            )
        )

        navigation.register(
            navigation.NavItem(
                key="inbox",
                label=_("Department inbox"),
                url_name="complaints:inbox",
                order=10,
                condition=lambda user: bool(policy.case_scope(user).department_ids),
                description=_(
                    "Cases to sign, in progress, due soon, overdue, returned, and replies to approve."
                ),
            )
        )
        navigation.register(
            navigation.NavItem(
                key="cases",
                label=_("Case ledger"),
                url_name="complaints:list",
                order=20,
                condition=lambda user: not policy.case_scope(user).sees_nothing,
                description=_("Every case you may see, with filters, deadlines and the timeline of each."),
            )
        )
        navigation.register(
            navigation.NavItem(
                key="register",
                label=_("Register a case"),
                url_name="complaints:register",
                order=30,
                permissions=("complaints.register_case",),
                description=_("Record a citizen's matter from any channel."),
            )
        )
