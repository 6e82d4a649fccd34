"""Forms of reception. Field names equal the keyword arguments of `reception.services`."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.forms import (
    BaseCaseForm,
    HistoryLookupForm,
    ModelIdsChoiceField,
    MultipleFileField,
    handling_departments,
    leaf_categories,
)
from complaints.models import ATTACHMENT_EXTENSIONS, Case, CaseKind, Priority
from core import clock, personal_data
from core.forms import RECORD_MAX_LENGTH, TEXT_MAX_LENGTH, text_field
from core.models import User
from core.roles import Role
from reception.models import LeaderReceptionDay, ReceptionRoom, Visit


class VisitorForm(BaseCaseForm):
    """The visitor's part of the registration form (公民来访登记表)."""

    visitor_name = forms.CharField(label=_("Name"), max_length=50)
    gender = forms.ChoiceField(
        label=_("Gender"),
        choices=[("", _("From the ID number")), *Visit.Gender.choices],
        required=False,
    )
    id_number = forms.CharField(label=_("ID number"), max_length=20, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    group_size = forms.IntegerField(
        label=_("Number of visitors"),
        min_value=1,
        max_value=10000,
        initial=1,
        help_text=_("Several people on one matter: a group visit."),
    )
    reason = forms.CharField(label=_("Reason for the visit"), max_length=200)
    category = forms.ModelChoiceField(label=_("Category"), queryset=None, required=False)
    # Set by picking an earlier case in the visitor's history (static/js/intake.js).
    repeat_of = forms.ModelChoiceField(
        queryset=Case.objects.all(), required=False, to_field_name="number", widget=forms.HiddenInput
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = leaf_categories()
        self.fields["id_number"].widget.attrs.update({"autocomplete": "off", "autofocus": True})
        self.fields["phone"].widget.attrs["autocomplete"] = "off"

    def clean_id_number(self):
        return personal_data.checked_id_number(self.cleaned_data["id_number"])

    def clean_phone(self):
        return personal_data.checked_phone(self.cleaned_data["phone"])

    def clean(self):
        data = super().clean()
        if not (data.get("phone") or data.get("address", "").strip()) and "phone" not in self.errors:
            self.add_error("phone", _("Give a phone number or an address so the visitor can be answered."))
        stated = personal_data.id_number_gender(data.get("id_number"))
        if stated and data.get("gender") and data["gender"] != stated:
            self.add_error("gender", _("The gender does not match the ID number."))
        return data


class VisitRegisterForm(VisitorForm):
    room = forms.ModelChoiceField(label=_("Reception room"), queryset=ReceptionRoom.objects.none())
    arrived_at = forms.DateTimeField(
        label=_("Arrived"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Leave empty for now."),
    )
    leader_day = forms.ModelChoiceField(
        label=_("Leader reception day"),
        queryset=LeaderReceptionDay.objects.none(),
        required=False,
        help_text=_("For a visitor who came to see today's receiving leader."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = ReceptionRoom.objects.filter(is_active=True)
        self.fields["leader_day"].queryset = LeaderReceptionDay.objects.filter(
            date=timezone.localdate(clock.now()), is_cancelled=False
        ).select_related("leader", "room")

    def clean_arrived_at(self):
        value = self.cleaned_data["arrived_at"]
        if value is not None and value > clock.now():
            raise ValidationError(_("The arrival time cannot be in the future."))
        return value


class VisitBookForm(VisitorForm):
    pass


class ReceptionRecordForm(BaseCaseForm):
    """The reception record: the statement, the evidence and the outcome."""

    statement = forms.CharField(
        label=_("Record of the statement"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=RECORD_MAX_LENGTH,
        help_text=_("What the visitor said, objectively and completely."),
    )
    request = text_field(_("Request"), rows=2, required=False)
    attachments = MultipleFileField(
        label=_("Evidence received"),
        required=False,
        help_text=_("Photos, scans, documents, recordings: attached to the case."),
    )
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Visit.Outcome.choices, widget=forms.RadioSelect)
    kind = forms.ChoiceField(label=_("Kind"), choices=CaseKind.choices, initial=CaseKind.CONSULTATION)
    category = forms.ModelChoiceField(label=_("Category"), queryset=None, required=False)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.ORDINARY)
    answer = forms.CharField(
        label=_("Answer given to the visitor"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=TEXT_MAX_LENGTH,
    )
    lead_department = forms.ModelChoiceField(label=_("Lead department"), queryset=None, required=False)
    assisting_departments = ModelIdsChoiceField(
        label=_("Assisting departments"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    is_petition = forms.BooleanField(
        label=_("Handled under the petition rules (信访 deadlines)"), required=False
    )
    is_confidential = forms.BooleanField(
        label=_("Confidential: hide the visitor from the department"), required=False
    )
    is_misconduct = forms.BooleanField(label=_("Involves staff misconduct"), required=False)

    def __init__(self, *args, visit: Visit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = leaf_categories()
        departments = handling_departments()
        self.fields["lead_department"].queryset = departments
        self.fields["assisting_departments"].queryset = departments
        self.fields["attachments"].widget.attrs["accept"] = ",".join(
            f".{ext}" for ext in ATTACHMENT_EXTENSIONS
        )
        if not self.is_bound:
            self.initial.update({"statement": visit.statement, "category": visit.category_id})
            if visit.category_id and visit.category.default_department_id:
                self.initial["lead_department"] = visit.category.default_department_id

    def clean(self):
        data = super().clean()
        outcome = data.get("outcome")
        if outcome == Visit.Outcome.ANSWERED and not data.get("answer", "").strip():
            self.add_error("answer", _("Write the answer given to the visitor."))
        if outcome == Visit.Outcome.REFERRED and not data.get("lead_department"):
            self.add_error("lead_department", _("Choose the department the matter is referred to."))
        if outcome == Visit.Outcome.COMPLAINT and data.get("kind") not in (
            CaseKind.COMPLAINT,
            CaseKind.REPORT,
        ):
            data["kind"] = CaseKind.COMPLAINT
        return data


class StatementForm(BaseCaseForm):
    statement = forms.CharField(
        label=_("Record of the statement"),
        widget=forms.Textarea,
        required=False,
        max_length=RECORD_MAX_LENGTH,
    )


class LeaderDayForm(BaseCaseForm):
    leader = forms.ModelChoiceField(label=_("Leader"), queryset=User.objects.none())
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    starts_at = forms.TimeField(
        label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}), initial="09:00"
    )
    ends_at = forms.TimeField(
        label=_("Until"), widget=forms.TimeInput(attrs={"type": "time"}), initial="12:00"
    )
    room = forms.ModelChoiceField(label=_("Reception room"), queryset=ReceptionRoom.objects.none())
    topic = forms.CharField(label=_("Topic"), max_length=200, required=False)
    capacity = forms.IntegerField(
        label=_("Visits that can be booked"), min_value=1, max_value=200, initial=10
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = User.objects.filter(
            is_active=True, groups__name=Role.LEADER
        ).order_by("display_name", "username")
        self.fields["room"].queryset = ReceptionRoom.objects.filter(is_active=True)

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at") and data["starts_at"] >= data["ends_at"]:
            self.add_error("ends_at", _("The reception must end after it starts."))
        return data


class BoardForm(forms.Form):
    """`?date=&room=` of the day board (and `?room=` of the registration page): both optional."""

    date = forms.DateField(required=False)
    room = forms.ModelChoiceField(queryset=ReceptionRoom.objects.filter(is_active=True), required=False)

    def value(self, name: str):
        return self.cleaned_data.get(name) if self.is_valid() else None


class VisitorLookupForm(HistoryLookupForm):
    """What the registration page sends while it is typed (the visit form's names), and the number of
    visitors for the group flag."""

    PHONE, ID_NUMBER, DESCRIPTION = "phone", "id_number", "reason"

    citizen_phone = citizen_id_number = description = None
    id_number = forms.CharField(max_length=20, required=False)
    phone = forms.CharField(max_length=30, required=False)
    reason = forms.CharField(max_length=TEXT_MAX_LENGTH, required=False)
    group_size = forms.IntegerField(min_value=1, max_value=10000, required=False)

    def lookup(self) -> dict:
        return {**super().lookup(), "group_size": self.cleaned_data.get("group_size") or 1}
