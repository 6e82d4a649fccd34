"""The dashboards' query parameters, read through a form (STYLE.md)."""

from datetime import date

from django import forms

from complaints import kpis
from complaints.filters import MONTH_FORMAT
from complaints.forms import DATE_RANGE_VALIDATORS


class MonthForm(forms.Form):
    """`?month=YYYY-MM` of the dashboards, the monthly report and the public statistics.

    A month the figures can cover (complaints.forms.EARLIEST_DATE on, so that its twelve months of trend
    stay in the calendar); this month when the value is absent or is not such a month; never a month
    after this one."""

    month = forms.DateField(required=False, input_formats=[MONTH_FORMAT], validators=DATE_RANGE_VALIDATORS)

    def chosen_month(self, *, today: date) -> date:
        this_month = kpis.month_start(today)
        month = self.cleaned_data["month"] if self.is_valid() else None
        return min(month, this_month) if month else this_month
