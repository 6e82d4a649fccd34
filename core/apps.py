from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Organisation and accounts")

    def ready(self) -> None:
        from core import navigation

        navigation.register(
            navigation.NavItem(key="workspace", label=_("Workspace"), url_name="core:workspace", order=0)
        )
        navigation.register(
            navigation.NavItem(
                key="admin",
                label=_("Administration"),
                url_name="admin:index",
                order=900,
                requires_staff=True,
                description=_("Users, departments, roles and the settings the organisation can change."),
            )
        )
