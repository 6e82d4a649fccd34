"""Forms of the shared kernel: the notice settings."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core import notices, personal_data, spreadsheets

# Free texts: the longest accepted (pages count the characters left). Long enough for a careful record
# of a visitor's statement, short enough that nothing fills a page or the database by accident.
NOTE_MAX_LENGTH = 2000
TEXT_MAX_LENGTH = 5000
RECORD_MAX_LENGTH = 10000


def text_field(label, *, required: bool = True, rows: int = 3, max_length: int = NOTE_MAX_LENGTH):
    """A free-text field of several lines, with its maximum length."""
    return forms.CharField(
        label=label, required=required, max_length=max_length, widget=forms.Textarea(attrs={"rows": rows})
    )


class NoticeSettingsForm(forms.Form):
    """For each kind of notice, by email and by SMS; and the mobile number SMS go to."""

    mobile = forms.CharField(label=_("Mobile phone for SMS"), max_length=30, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        current = notices.preferences(user)
        self.rows = []
        for kind in notices.kinds():
            by_email, by_sms = current[kind.code]
            email_name, sms_name = f"email_{kind.code}", f"sms_{kind.code}"
            self.fields[email_name] = forms.BooleanField(label=_("Email"), required=False, initial=by_email)
            self.fields[sms_name] = forms.BooleanField(label=_("SMS"), required=False, initial=by_sms)
            self.rows.append((kind, self[email_name], self[sms_name]))
        self.fields["mobile"].initial = user.mobile

    def clean_mobile(self):
        return personal_data.checked_phone(self.cleaned_data["mobile"])

    def clean(self):
        data = super().clean()
        wants_sms = any(data.get(f"sms_{kind.code}") for kind in notices.kinds())
        if wants_sms and not data.get("mobile"):
            self.add_error("mobile", _("Give the mobile number the SMS go to."))
        return data

    def save(self) -> None:
        data = self.cleaned_data
        self.user.mobile = data["mobile"]
        self.user.save(update_fields=["mobile"])
        notices.preferences_save(
            user=self.user,
            choices={
                kind.code: (data[f"email_{kind.code}"], data[f"sms_{kind.code}"]) for kind in notices.kinds()
            },
        )


class LockoutLiftForm(forms.Form):
    """Which lock to lift: the account, and the address it is locked for (empty: every address)."""

    username = forms.CharField(max_length=150)
    address = forms.GenericIPAddressField(required=False)


class ExportFormatForm(forms.Form):
    """`format` of an export (the ledger's, the audit log's): Excel unless CSV is asked for."""

    format = forms.ChoiceField(choices=[(name, name) for name in spreadsheets.FORMATS], required=False)

    def chosen_format(self) -> str:
        return self.cleaned_data["format"] or "xlsx"


class LanguageForm(forms.Form):
    """The language switch: one of the interface's languages, and the page to go back to."""

    language = forms.ChoiceField(choices=settings.LANGUAGES)
    next = forms.CharField(max_length=2000, required=False)
