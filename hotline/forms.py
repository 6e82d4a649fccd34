"""Forms of the agent console, the call log, revisits, the knowledge base and the public portal."""

from datetime import datetime

from django import forms
from django.conf import settings
from django.core import signing
from django.utils.translation import gettext_lazy as _

from complaints.forms import (
    BaseCaseForm,
    CaseRegisterForm,
    MultipleFileField,
    handling_departments,
    leaf_categories,
)
from complaints.models import CaseKind, Verdict
from core import clock
from core.forms import TEXT_MAX_LENGTH, text_field
from core.models import Department
from hotline.models import Call, KnowledgeArticle
from hotline.services import Outcome


def call_start_token() -> str:
    """When the agent opened the console for this call, signed so that the form cannot forge it."""
    return signing.dumps(clock.now().isoformat())


def signed_start(token: str) -> datetime:
    try:
        return datetime.fromisoformat(signing.loads(token, max_age=6 * 3600))
    except (signing.BadSignature, ValueError):
        return clock.now()


CASE_FIELDS = [
    "kind",
    "category",
    "priority",
    "description",
    "request",
    "location",
    "citizen_name",
    "citizen_phone",
    "citizen_id_number",
    "citizen_address",
    "group_size",
    "is_anonymous",
    "is_confidential",
    "is_misconduct",
    "is_petition",
]


class ConsoleForm(CaseRegisterForm):
    """The one intake form of the agent console, with its three outcomes."""

    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (Outcome.ANSWER, _("Answer directly")),
            (Outcome.DISPATCH, _("Dispatch to a department")),
            (Outcome.REGISTER, _("Register for the dispatcher")),
        ],
        initial=Outcome.ANSWER,
        widget=forms.RadioSelect,
    )
    answer = text_field(_("Answer given to the caller"), required=False, rows=4, max_length=TEXT_MAX_LENGTH)
    article = forms.ModelChoiceField(
        queryset=KnowledgeArticle.objects.filter(is_published=True), required=False, widget=forms.HiddenInput
    )
    lead_department = forms.ModelChoiceField(
        label=_("Lead department"), queryset=Department.objects.none(), required=False
    )
    answer_as_repeat = forms.BooleanField(
        label=_("Repeat with no new facts: give the earlier answer"), required=False
    )
    call_started_at = forms.CharField(widget=forms.HiddenInput)
    recording_reference = forms.CharField(label=_("Recording reference"), max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].required = False
        self.fields["attachments"].required = False
        self.fields["lead_department"].queryset = handling_departments()
        self.fields["citizen_phone"].widget.attrs.update({"autofocus": True, "autocomplete": "off"})
        if not self.is_bound:
            self.initial["call_started_at"] = call_start_token()

    def clean_call_started_at(self):
        return signed_start(self.cleaned_data["call_started_at"])

    def clean(self):
        data = super().clean()
        outcome = data.get("outcome")
        if data.get("answer_as_repeat"):
            if not data.get("repeat_of"):
                self.add_error(
                    "answer_as_repeat", _("Choose the earlier case in the caller's history first.")
                )
        elif outcome == Outcome.ANSWER and not data.get("answer", "").strip():
            self.add_error("answer", _("Write the answer, or use one from the knowledge base."))
        elif outcome == Outcome.DISPATCH and not data.get("lead_department"):
            self.add_error("lead_department", _("Choose the department to dispatch to."))
        return data

    def case_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in CASE_FIELDS}


class CallLogForm(BaseCaseForm):
    number = forms.CharField(label=_("Caller's number"), max_length=30)
    outcome = forms.ChoiceField(
        label=_("What happened"),
        choices=[
            choice
            for choice in Call.Outcome.choices
            if choice[0] not in (Call.Outcome.CASE, Call.Outcome.REVISIT)
        ],
    )
    note = text_field(_("Note"), required=False, rows=2)
    call_started_at = forms.CharField(widget=forms.HiddenInput)

    def clean_call_started_at(self):
        return signed_start(self.cleaned_data["call_started_at"])


class CallListForm(forms.Form):
    """`?outcome=` of the call log: the calls of one outcome, or all of them."""

    outcome = forms.ChoiceField(choices=Call.Outcome.choices, required=False)

    def chosen_outcome(self) -> str:
        return self.cleaned_data["outcome"] if self.is_valid() else ""


class RevisitForm(BaseCaseForm):
    is_reached = forms.TypedChoiceField(
        label=_("Reached the citizen?"),
        choices=[("1", _("Yes")), ("0", _("No"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        initial="1",
    )
    verdict = forms.ChoiceField(
        label=_("Verdict"),
        required=False,
        widget=forms.RadioSelect,
        choices=[choice for choice in Verdict.choices if choice[0] != Verdict.UNREACHABLE],
    )
    is_resolved = forms.TypedChoiceField(
        label=_("Was the matter resolved?"),
        choices=[("", _("Unknown")), ("1", _("Yes")), ("0", _("No"))],
        coerce=lambda value: value == "1",
        empty_value=None,
        required=False,
    )
    next_try_at = forms.DateTimeField(
        label=_("Next try"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Leave empty after the last try: the case is recorded as unreachable."),
    )
    note = text_field(_("Note"), required=False, rows=2)

    def clean(self):
        data = super().clean()
        if data.get("is_reached") and not data.get("verdict"):
            self.add_error("verdict", _("Record the citizen's verdict."))
        if not data.get("is_reached"):
            data["verdict"] = ""
            if data.get("next_try_at") and data["next_try_at"] <= clock.now():
                self.add_error("next_try_at", _("The next try must be in the future."))
        return data


class ArticleForm(forms.ModelForm):
    class Meta:
        model = KnowledgeArticle
        fields = ["title", "category", "answer", "keywords", "is_published"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = leaf_categories()


PORTAL_KINDS = [
    choice
    for choice in CaseKind.choices
    if choice[0]
    in (
        CaseKind.CONSULTATION,
        CaseKind.HELP,
        CaseKind.COMPLAINT,
        CaseKind.REPORT,
        CaseKind.SUGGESTION,
        CaseKind.PRAISE,
    )
]


class PortalForm(CaseRegisterForm):
    """A citizen's submission. Bots are turned away without any outside service: a field people never
    see must stay empty, and the form must have been on screen a few seconds and not for days."""

    website = forms.CharField(required=False, label=_("Leave this empty"))
    issued = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Staff fields: a citizen neither sets them nor links a case to another.
        for name in ("channel", "priority", "is_misconduct", "is_petition", "group_size", "repeat_of"):
            del self.fields[name]
        self.fields["kind"].choices = PORTAL_KINDS
        self.fields["attachments"] = MultipleFileField(
            label=_("Photos or documents (optional)"),
            required=False,
            help_text=_("At most %(count)s files, %(size)s MB together.")
            % {
                "count": settings.PORTAL_FILES_PER_SUBMISSION,
                "size": settings.PORTAL_FILES_MB_PER_SUBMISSION,
            },
        )

        if not self.is_bound:
            self.initial["issued"] = signing.dumps(clock.now().timestamp())

    def clean_attachments(self):
        files = self.cleaned_data["attachments"]
        if len(files) > settings.PORTAL_FILES_PER_SUBMISSION:
            raise forms.ValidationError(
                _("Attach at most %(count)s files.") % {"count": settings.PORTAL_FILES_PER_SUBMISSION}
            )
        if sum(file.size for file in files) > settings.PORTAL_FILES_MB_PER_SUBMISSION * 1024 * 1024:
            raise forms.ValidationError(
                _("The files together may be at most %(size)s MB.")
                % {"size": settings.PORTAL_FILES_MB_PER_SUBMISSION}
            )
        return files

    def clean(self):
        data = super().clean()
        try:
            issued = signing.loads(self.data.get("issued", ""), max_age=24 * 3600)
        except signing.BadSignature:
            issued = None
        too_fast = clock.now().timestamp() - float(issued or 0) < settings.PORTAL_MIN_FILL_SECONDS
        if data.get("website") or issued is None or too_fast:
            raise forms.ValidationError(_("The form could not be accepted. Please fill it in again."))
        return data

    def case_fields(self) -> dict:
        fields = {name: self.cleaned_data[name] for name in CASE_FIELDS if name in self.cleaned_data}
        fields["is_confidential"] = self.cleaned_data.get("is_confidential", False)
        return fields


class TrackForm(forms.Form):
    number = forms.CharField(label=_("Case number"), max_length=13)
    query_code = forms.CharField(label=_("Query code"), max_length=8)


class TrackShownForm(forms.Form):
    """`?case=` on the tracking page: a case this browser already opened with its number and code."""

    case = forms.IntegerField(min_value=1, max_value=2**62)


class RatingForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("How satisfied are you with the handling?"),
        widget=forms.RadioSelect,
        choices=[choice for choice in Verdict.choices if choice[0] != Verdict.UNREACHABLE],
    )
    is_resolved = forms.TypedChoiceField(
        label=_("Was your matter resolved?"),
        widget=forms.RadioSelect,
        choices=[("1", _("Yes")), ("0", _("No"))],
        coerce=lambda value: value == "1",
    )
    note = text_field(_("Anything to add?"), required=False)


class KnowledgeSearchForm(forms.Form):
    """`?q=` of the knowledge base; `pick=1` when the console picks an answer from the results."""

    q = forms.CharField(max_length=100, required=False)
    pick = forms.BooleanField(required=False)

    def terms(self) -> str:
        return self.cleaned_data["q"] if self.is_valid() else ""
