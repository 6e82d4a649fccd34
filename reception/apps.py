from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReceptionConfig(AppConfig):
    name = "reception"
    verbose_name = _("Citizen reception")

    def ready(self) -> None:
        from core import navigation, policy

        for item in [
            navigation.NavItem(
                key="reception",
                label=_("Reception"),
                url_name="reception:board",
                order=3,
                condition=policy.sees_visits,
                description=_(
                    "The day board of the reception rooms: register, call in and receive visitors."
                ),
            ),
            navigation.NavItem(
                key="leader_days",
                label=_("Leader reception days"),
                url_name="reception:leader_days",
                order=48,
                condition=policy.sees_visits,
                description=_("Leaders' reception days and the visits booked for them."),
            ),
        ]:
            navigation.register(item)
