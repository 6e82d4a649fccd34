from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReceptionConfig(AppConfig):
    name = "reception"
    verbose_name = _("Citizen reception")

    def ready(self) -> None:
        from complaints import retention
        from core import navigation, policy
        from reception.models import Visit

        # The visitor's identity, what they came about and what they said: erased with the case the
        # visit produced, or UNLINKED_RETENTION_YEARS after a visit that produced none.
        retention.register(
            retention.PersonalData(
                Visit,
                {
                    "visitor_name": "",
                    "id_number": "",
                    "id_lookup": "",
                    "phone": "",
                    "phone_lookup": "",
                    "address": "",
                    "reason": "",
                    "statement": "",
                },
                case_path="case",
                unlinked_since="created_at",
            )
        )

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
