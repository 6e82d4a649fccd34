from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Case handling")

    def ready(self) -> None:
        from core import navigation, policy

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
