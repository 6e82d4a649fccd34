from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

LEADERSHIP = "dashboard.view_leadership_dashboard"
DEPARTMENT = "dashboard.view_department_dashboard"


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = _("Dashboards")

    def ready(self) -> None:
        from core import navigation
        from core.roles import Role
        from dashboard import selectors

        navigation.register(
            navigation.NavItem(
                key="dashboard",
                label=_("Dashboard"),
                url_name="dashboard:leadership",
                order=1,
                permissions=(LEADERSHIP,),
                description=_(
                    "Intake, open and overdue cases, the indicators, trends, the heat map and the ranking; "
                    "the monthly report."
                ),
            )
        )
        navigation.register(
            navigation.NavItem(
                key="department_dashboard",
                label=_("Department dashboard"),
                url_name="dashboard:department",
                order=1,
                permissions=(DEPARTMENT,),
                description=_("The department's queues, supervision notices to answer and its indicators."),
            )
        )
        # The leadership dashboard is the leader's and the office's workspace; the department
        # dashboard the head's; agents and clerks see the tiles of today's work.
        for panel in [
            navigation.Panel(
                key="leadership_dashboard",
                template="dashboard/_leadership_panel.html",
                context=selectors.leadership,
                condition=lambda user: user.has_perm(LEADERSHIP),
                order=10,
            ),
            navigation.Panel(
                key="department_dashboard",
                template="dashboard/_department_panel.html",
                context=selectors.department_view,
                condition=lambda user: user.has_perm(DEPARTMENT),
                order=10,
            ),
            navigation.Panel(
                key="today",
                template="dashboard/_today_panel.html",
                context=selectors.today_tiles,
                condition=lambda user: bool(user.role_codes & {Role.AGENT, Role.CLERK}),
                order=10,
            ),
        ]:
            navigation.register_panel(panel)
