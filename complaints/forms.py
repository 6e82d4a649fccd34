"""Forms validate and normalise; `complaints.services` persists. Field names equal the keyword
arguments of the service each form feeds, so a view passes `cleaned_data` straight through."""

from datetime import date

from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import (
    ATTACHMENT_EXTENSIONS,
    Adoption,
    Case,
    CaseKind,
    Category,
    Channel,
    Priority,
    RectificationItem,
    ReplyChannel,
    RetentionRun,
    Supervision,
    Verdict,
)
from complaints.selectors import INBOX_BUCKETS
from core import personal_data
from core.forms import NOTE_MAX_LENGTH, TEXT_MAX_LENGTH, text_field
from core.models import Department, User

# The dates a filter or a query accepts: wide enough for anything real, narrow enough that a day's or a
# month's bounds in local time, the month after and the year before stay dates Python and the databases
# can hold (0001-01-01 00:00 in Beijing is still year 0 in UTC).
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(9998, 12, 31)
DATE_RANGE_VALIDATORS = [MinValueValidator(EARLIEST_DATE), MaxValueValidator(LATEST_DATE)]


class BaseCaseForm(forms.Form):
    """A form with a crispy helper that leaves the <form> tag and buttons to the template."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


def validate_attachment(file) -> None:
    """The same limits the service enforces, reported at the field."""
    FileExtensionValidator(ATTACHMENT_EXTENSIONS)(file)
    if file.size > settings.CASE_ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("%(name)s is larger than %(limit)s MB.")
            % {"name": file.name, "limit": settings.CASE_ATTACHMENT_MAX_BYTES // (1024 * 1024)}
        )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (the documented Django pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    default_validators = [validate_attachment]

    def clean(self, data, initial=None):
        single_file_clean = super().clean
        if isinstance(data, list | tuple):
            return [single_file_clean(item, initial) for item in data]
        return [single_file_clean(data, initial)] if data else []


class ModelIdsChoiceField(forms.ModelMultipleChoiceField):
    """Several objects by id. An id past what a database integer holds is an invalid choice: Django's
    own field asks the database about it, and SQLite raises OverflowError."""

    def _check_values(self, value):
        for key in value:
            try:
                number = int(key)
            except (TypeError, ValueError):
                continue  # Django's own check rejects it
            if not -(2**63) <= number < 2**63:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": key}
                )
        return super()._check_values(value)


def leaf_categories():
    return Category.objects.filter(is_active=True, children__isnull=True).select_related("parent")


def handling_departments():
    return Department.objects.filter(is_active=True).exclude(kind=Department.Kind.LEADERSHIP)


class CaseRegisterForm(BaseCaseForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=CaseKind.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none(), required=False)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.ORDINARY)
    description = text_field(_("Description"), rows=4, max_length=TEXT_MAX_LENGTH)
    request = text_field(_("Request"), rows=2, required=False)
    location = forms.CharField(label=_("Location"), max_length=200, required=False)
    citizen_name = forms.CharField(label=_("Citizen's name"), max_length=50, required=False)
    citizen_phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    citizen_id_number = forms.CharField(label=_("ID number"), max_length=20, required=False)
    citizen_address = forms.CharField(label=_("Address"), max_length=200, required=False)
    group_size = forms.IntegerField(label=_("Number of people"), min_value=1, max_value=10000, initial=1)
    is_anonymous = forms.BooleanField(label=_("Anonymous report"), required=False)
    is_confidential = forms.BooleanField(
        label=_("Confidential: hide the citizen from the department"), required=False
    )
    is_misconduct = forms.BooleanField(label=_("Involves staff misconduct"), required=False)
    is_petition = forms.BooleanField(label=_("Petition matter (信访 deadlines)"), required=False)
    attachments = MultipleFileField(
        label=_("Attachments"),
        required=False,
        help_text=_("Evidence: photos, PDF, Office documents, recordings."),
    )
    # Set by picking an earlier case in the citizen's history (static/js/intake.js).
    repeat_of = forms.ModelChoiceField(
        queryset=Case.objects.all(), required=False, to_field_name="number", widget=forms.HiddenInput
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = leaf_categories()
        self.fields["attachments"].widget.attrs["accept"] = ",".join(
            f".{ext}" for ext in ATTACHMENT_EXTENSIONS
        )

    def clean_citizen_phone(self):
        return personal_data.checked_phone(self.cleaned_data["citizen_phone"])

    def clean_citizen_id_number(self):
        return personal_data.checked_id_number(self.cleaned_data["citizen_id_number"])

    def clean(self):
        data = super().clean()
        if data.get("is_anonymous"):
            if data.get("kind") != CaseKind.REPORT:
                self.add_error("is_anonymous", _("Only reports may be anonymous."))
        elif not data.get("citizen_name"):
            self.add_error("citizen_name", _("Give the citizen's name, or mark a report anonymous."))
        elif not (data.get("citizen_phone") or data.get("citizen_address")):
            self.add_error(
                "citizen_phone", _("Give a phone number or an address so the citizen can be answered.")
            )
        return data


class ActionForm(BaseCaseForm):
    """Base of the action forms: carries the case and the acting user for scoped choices."""

    def __init__(self, *args, case: Case, user: User, **kwargs):
        self.case = case
        self.user = user
        super().__init__(*args, **kwargs)


class EmptyActionForm(ActionForm):
    pass


def _decision_field(approve_label, refuse_label):
    return forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", approve_label), ("0", refuse_label)],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )


class AnswerDirectlyForm(ActionForm):
    answer = text_field(_("Answer given to the citizen"), rows=5, max_length=TEXT_MAX_LENGTH)
    reply_channel = forms.ChoiceField(label=_("Answered by"), choices=ReplyChannel.choices)


class DispatchForm(ActionForm):
    lead_department = forms.ModelChoiceField(label=_("Lead department"), queryset=Department.objects.none())
    assisting_departments = ModelIdsChoiceField(
        label=_("Assisting departments"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = text_field(_("Instructions to the department"), required=False, rows=2)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        departments = handling_departments()
        self.fields["lead_department"].queryset = departments
        self.fields["assisting_departments"].queryset = departments
        category = self.case.category
        if category is not None and category.default_department_id and not self.is_bound:
            self.fields["lead_department"].initial = category.default_department_id
            self.fields["lead_department"].help_text = _("Suggested by the category: %(department)s") % {
                "department": category.default_department
            }

    def clean(self):
        data = super().clean()
        lead = data.get("lead_department")
        if lead is not None and lead in data.get("assisting_departments", []):
            self.add_error("assisting_departments", _("The lead department cannot also assist."))
        return data


class ReassignForm(DispatchForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.case.lead_department_id:
            departments = handling_departments().exclude(pk=self.case.lead_department_id)
            self.fields["lead_department"].queryset = departments
            self.fields["lead_department"].initial = None


class RejectForm(ActionForm):
    reason = text_field(_("Reason for not accepting"))
    proper_channel = forms.CharField(label=_("Proper channel for the matter"), max_length=200)


class MergeForm(ActionForm):
    into_number = forms.CharField(label=_("Number of the case that carries on"), max_length=13)
    note = text_field(_("Note"), required=False, rows=2)


class ReasonForm(ActionForm):
    reason = text_field(_("Reason"))


class NoteForm(ActionForm):
    note = text_field(_("Note"))


class OptionalNoteForm(ActionForm):
    note = text_field(_("Note"), required=False)


class InvestigationNoteForm(ActionForm):
    note_kind = forms.ChoiceField(
        label=_("Kind of note"),
        choices=[
            ("interview", _("Interview")),
            ("site_visit", _("Site visit")),
            ("evidence", _("Evidence")),
            ("material_request", _("Request for materials")),
            ("assisting_report", _("Report from an assisting department")),
            ("note", _("Other note")),
        ],
    )
    text = text_field(_("Note"), rows=4)


class AttachmentForm(ActionForm):
    file = forms.FileField(label=_("File"), validators=[validate_attachment])
    description = forms.CharField(label=_("Description"), max_length=200, required=False)


class ProposalForm(ActionForm):
    finding = text_field(_("Finding"), max_length=TEXT_MAX_LENGTH)
    responsibility = text_field(_("Responsibility"), required=False)
    measures = text_field(_("Measures"), max_length=TEXT_MAX_LENGTH)


class ProposalDecisionForm(ActionForm):
    approve = _decision_field(_("Approve"), _("Send back"))
    comments = text_field(_("Comments"), required=False)


class RectificationForm(ActionForm):
    description = text_field(_("Measure"))
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none())
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(
            is_active=True, memberships__department_id=self.case.lead_department_id
        ).order_by("display_name", "username")

    def clean_due_date(self):
        due_date = self.cleaned_data["due_date"]
        if due_date < timezone.localdate():
            raise ValidationError(_("The due date cannot be in the past."))
        return due_date


def _items(case: Case, status: str):
    return RectificationItem.objects.filter(case=case, status=status)


class CompleteRectificationForm(ActionForm):
    item_id = forms.TypedChoiceField(label=_("Measure"), coerce=int)
    evidence = text_field(_("Evidence that it is done"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item_id"].choices = [
            (item.pk, item.description) for item in _items(self.case, RectificationItem.Status.OPEN)
        ]


class VerifyRectificationForm(ActionForm):
    item_id = forms.TypedChoiceField(label=_("Measure"), coerce=int)
    accept = _decision_field(_("Verified"), _("Not done yet"))
    note = text_field(_("Note"), required=False, rows=2)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item_id"].choices = [
            (item.pk, f"{item.description} — {item.evidence}")
            for item in _items(self.case, RectificationItem.Status.DONE)
        ]


class AdoptionForm(ActionForm):
    adoption = forms.ChoiceField(
        label=_("Adoption decision"), choices=Adoption.choices, widget=forms.RadioSelect
    )
    note = text_field(_("Explanation for the citizen"), required=False)


class ExtensionRequestForm(ActionForm):
    amount = forms.IntegerField(label=_("Extension"), min_value=1)
    reason = text_field(_("Reason"))


class DecisionForm(ActionForm):
    approve = _decision_field(_("Approve"), _("Refuse / send back"))
    note = text_field(_("Comment"), required=False)


class ReplyForm(ActionForm):
    reply = text_field(_("Reply to the citizen"), rows=6, max_length=TEXT_MAX_LENGTH)
    reply_channel = forms.ChoiceField(label=_("Reply by"), choices=ReplyChannel.choices)
    legal_review_required = forms.BooleanField(
        label=_("Carries legal risk: send to legal review"), required=False
    )


class RevisitForm(ActionForm):
    verdict = forms.ChoiceField(label=_("Verdict"), choices=Verdict.choices, widget=forms.RadioSelect)
    is_resolved = forms.TypedChoiceField(
        label=_("Was the matter resolved?"),
        choices=[("", _("Unknown")), ("1", _("Yes")), ("0", _("No"))],
        coerce=lambda value: value == "1",
        empty_value=None,
        required=False,
    )
    note = text_field(_("Note"), required=False, rows=2)


class FinalAnswerForm(ActionForm):
    answer = text_field(_("Final answer"), rows=5, max_length=TEXT_MAX_LENGTH)


ACTION_FORMS: dict[str, type[ActionForm]] = {
    "answer_directly": AnswerDirectlyForm,
    "dispatch": DispatchForm,
    "reject": RejectForm,
    "merge": MergeForm,
    "sign": EmptyActionForm,
    "request_return": ReasonForm,
    "reassign": ReassignForm,
    "refuse_return": NoteForm,
    "start": EmptyActionForm,
    "add_note": InvestigationNoteForm,
    "add_attachment": AttachmentForm,
    "submit_proposal": ProposalForm,
    "decide_proposal": ProposalDecisionForm,
    "add_rectification": RectificationForm,
    "complete_rectification": CompleteRectificationForm,
    "verify_rectification": VerifyRectificationForm,
    "decide_adoption": AdoptionForm,
    "request_extension": ExtensionRequestForm,
    "decide_extension": DecisionForm,
    "suspend": ReasonForm,
    "resume": EmptyActionForm,
    "submit_reply": ReplyForm,
    "approve_reply": DecisionForm,
    "legal_review": DecisionForm,
    "revisit": RevisitForm,
    "reopen": NoteForm,
    "final_answer": FinalAnswerForm,
    "close": OptionalNoteForm,
    "archive": EmptyActionForm,
}


class SupervisionIssueForm(BaseCaseForm):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Supervision.Kind.choices, initial=Supervision.Kind.SUPERVISION
    )
    instructions = forms.CharField(
        label=_("What the department must answer"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    answer_due_at = forms.DateTimeField(
        label=_("Answer due"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Leave empty for the usual working days."),
    )


class SupervisionAnswerForm(BaseCaseForm):
    reason = text_field(_("Reason for the delay"))
    new_completion_date = forms.DateField(
        label=_("New completion date"), widget=forms.DateInput(attrs={"type": "date"})
    )


class HistoryLookupForm(forms.Form):
    """What an intake page sends while it is typed (the citizen's history, possible repeats): every
    field optional; a phone or ID number not yet complete looks nothing up. Intake forms name their
    fields differently: a subclass names its own (`PHONE`, `ID_NUMBER`, `DESCRIPTION`)."""

    PHONE, ID_NUMBER, DESCRIPTION = "citizen_phone", "citizen_id_number", "description"

    citizen_phone = forms.CharField(max_length=30, required=False)
    citizen_id_number = forms.CharField(max_length=20, required=False)
    category = forms.ModelChoiceField(queryset=Category.objects.all(), required=False)
    description = forms.CharField(max_length=TEXT_MAX_LENGTH, required=False)

    def lookup(self) -> dict:
        """The phone and ID number if complete and valid, the category and description if given."""
        self.is_valid()  # each field on its own: a bad one (a deleted category) spoils no other
        data = self.cleaned_data
        return {
            "phone": personal_data.valid_phone_or_empty(data.get(self.PHONE)),
            "id_number": personal_data.valid_id_number_or_empty(data.get(self.ID_NUMBER)),
            "category": data.get("category"),
            "description": data.get(self.DESCRIPTION) or "",
        }


class LegalHoldForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the hold"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Litigation, an investigation, a request of an authority..."),
    )


class RetentionRunForm(forms.Form):
    """`?run=` of the retention page."""

    run = forms.ModelChoiceField(queryset=RetentionRun.objects.all())


class CaseVersionForm(forms.Form):
    """`version`, the case's version the action's page was drawn from: the service refuses the action
    if the case has changed since. Without a usable version (a client that sends none, or a number no
    case has) the action is not checked against one, as before."""

    version = forms.IntegerField(required=False, min_value=0, max_value=2**63 - 1)

    def expected_version(self) -> int | None:
        return self.cleaned_data["version"] if self.is_valid() else None


class InboxForm(forms.Form):
    """`?bucket=` of the department inbox: one of its queues, the cases to sign when absent or unknown."""

    bucket = forms.ChoiceField(choices=[(bucket, bucket) for bucket in INBOX_BUCKETS], required=False)

    def chosen_bucket(self) -> str:
        return (self.cleaned_data["bucket"] if self.is_valid() else "") or "to_sign"


class SupervisionListForm(forms.Form):
    """`?status=&kind=` of the supervision list: open ones unless `answered`; every kind unless one is
    chosen. A value it does not know is left out."""

    status = forms.ChoiceField(choices=[("open", "open"), ("answered", "answered")], required=False)
    kind = forms.ChoiceField(choices=Supervision.Kind.choices, required=False)

    def value(self, name: str) -> str:
        self.is_valid()
        return self.cleaned_data.get(name, "")
