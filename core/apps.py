from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Organisation and accounts")

    def ready(self) -> None:
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in

        from core import navigation
        from core.middleware import session_activity_stamp
        from core.sign_in import lockout_logged

        user_locked_out.connect(lockout_logged, dispatch_uid="core.lockout_logged")
        user_logged_in.connect(session_activity_stamp, dispatch_uid="core.session_activity_stamp")

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
        navigation.register(
            navigation.NavItem(
                key="audit",
                label=_("Audit log"),
                url_name="core:audit",
                order=890,
                permissions=("core.view_auditentry",),
                description=_(
                    "Who revealed, exported or changed what, sign-in lockouts, and the retention job's runs."
                ),
            )
        )
