from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotlineConfig(AppConfig):
    name = "hotline"
    verbose_name = _("Hotline and portal")

    def ready(self) -> None:
        from complaints import retention
        from core import navigation
        from hotline.models import Call, PortalSubmission, RevisitAttempt

        # The caller's number and the notes about them: erased with the cases they belong to, or
        # UNLINKED_RETENTION_YEARS after a call that produced none.
        for personal_data in (
            retention.PersonalData(
                Call,
                {"number": "", "number_lookup": "", "note": "", "recording_reference": ""},
                case_path="cases",
                unlinked_since="started_at",
            ),
            retention.PersonalData(RevisitAttempt, {"note": ""}, case_path="case"),
            retention.PersonalData(PortalSubmission, {"address_hash": ""}, case_path="case"),
        ):
            retention.register(personal_data)

        for item in [
            navigation.NavItem(
                key="hotline",
                label=_("Agent console"),
                url_name="hotline:console",
                order=5,
                permissions=("hotline.use_console",),
                description=_("Take a call: the caller's history, the knowledge base, one intake form."),
            ),
            navigation.NavItem(
                key="revisits",
                label=_("Revisits"),
                url_name="hotline:revisit_queue",
                order=40,
                permissions=("complaints.revisit_case",),
                description=_("Replied cases waiting for the revisit call."),
            ),
            navigation.NavItem(
                key="calls",
                label=_("Call log"),
                url_name="hotline:calls",
                order=45,
                permissions=("hotline.use_console",),
                description=_("Every call, with the cases it produced or why it produced none."),
            ),
            navigation.NavItem(
                key="suggestions",
                label=_("Suggestion batches"),
                url_name="hotline:suggestions",
                order=50,
                permissions=("complaints.dispatch_case",),
                description=_("Forward the collected suggestions to their departments."),
            ),
            navigation.NavItem(
                key="knowledge",
                label=_("Knowledge base"),
                url_name="hotline:knowledge",
                order=60,
                permissions=("hotline.use_console", "hotline.add_knowledgearticle"),
                description=_("Standard answers to what callers often ask."),
            ),
        ]:
            navigation.register(item)
