"""The ledger's filters: one FilterSet on a queryset already scoped to the user."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints import kpis
from complaints.forms import DATE_RANGE_VALIDATORS
from complaints.models import Case, CaseKind, Category, Channel, IndicatorCode, Priority, State, Supervision
from core import clock, policy
from core.models import Department

MONTH_FORMAT = "%Y-%m"


def _departments(request):
    """Department choices, scoped like the cases: department staff choose among their own."""
    scope = policy.case_scope(request.user) if request else None
    departments = Department.objects.filter(is_active=True)
    if scope is not None and not scope.sees_all and scope.department_ids:
        departments = departments.filter(pk__in=scope.department_ids)
    return departments


def _categories(request):
    return Category.objects.filter(is_active=True).select_related("parent")


class DateRangeField(django_filters.fields.DateRangeField):
    """A range of dates, each within the dates the app can shift by a day or a time zone."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields:
            field.validators = [*field.validators, *DATE_RANGE_VALIDATORS]


class DateFromToRangeFilter(django_filters.DateFromToRangeFilter):
    field_class = DateRangeField


class CaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_text")
    # A case has one state: OR-ing states cannot duplicate rows, so no DISTINCT is needed.
    state = django_filters.MultipleChoiceFilter(label=_("State"), choices=State.choices, distinct=False)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=CaseKind.choices)
    category = django_filters.ModelChoiceFilter(
        label=_("Category"), queryset=_categories, method="filter_category"
    )
    lead_department = django_filters.ModelChoiceFilter(label=_("Department"), queryset=_departments)
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=Channel.choices)
    priority = django_filters.ChoiceFilter(label=_("Priority"), choices=Priority.choices)
    registered = DateFromToRangeFilter(
        label=_("Registered between"),
        field_name="created_at",
        lookup_expr="date",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    overdue = django_filters.BooleanFilter(
        label=_("Overdue"), method="filter_overdue", widget=forms.CheckboxInput
    )
    due_soon = django_filters.BooleanFilter(
        label=_("Due soon"), method="filter_due_soon", widget=forms.CheckboxInput
    )
    open = django_filters.BooleanFilter(label=_("Open"), method="filter_open", widget=forms.CheckboxInput)
    listed = django_filters.BooleanFilter(
        label=_("Under listed supervision"), method="filter_listed", widget=forms.CheckboxInput
    )
    # The cases behind a dashboard number (complaints.kpis): an indicator, which part of it, the month
    # and the department it was counted for. Set by the dashboards' links, shown as one removable chip.
    kpi = django_filters.ChoiceFilter(
        label=_("Indicator"), choices=IndicatorCode.choices, method="filter_kpi"
    )
    part = django_filters.ChoiceFilter(choices=kpis.PARTS, method="filter_nothing")
    month = django_filters.DateFilter(
        label=_("Month"),
        method="filter_nothing",
        input_formats=[MONTH_FORMAT],
        validators=DATE_RANGE_VALIDATORS,
    )
    kpi_department = django_filters.ModelChoiceFilter(queryset=_departments, method="filter_nothing")
    ordering = django_filters.OrderingFilter(
        label=_("Sort by"),
        fields=(("created_at", "created_at"), ("stage_deadline", "stage_deadline"), ("number", "number")),
        field_labels={
            "created_at": _("Registered"),
            "stage_deadline": _("Deadline"),
            "number": _("Number"),
        },
    )

    class Meta:
        model = Case
        fields = []

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        if value.isdigit() and len(value) >= 8:
            return queryset.filter(number__startswith=value)
        return queryset.matching_text(value)

    def filter_category(self, queryset, name, value):
        return queryset.filter(Q(category=value) | Q(category__parent=value)) if value else queryset

    def filter_overdue(self, queryset, name, value):
        return queryset.overdue(clock.now()) if value else queryset

    def filter_due_soon(self, queryset, name, value):
        return queryset.due_soon(clock.now()) if value else queryset

    KPI_PARAMETERS = ("kpi", "part", "month", "kpi_department")

    @property
    def kpi_chip(self) -> dict | None:
        """What the `kpi` filter selects, in words, with the query that removes it (for the filter bar)."""
        if not self.is_bound or not self.form.is_valid() or not self.form.cleaned_data.get("kpi"):
            return None
        data = self.form.cleaned_data
        definition = kpis.DEFINITIONS[data["kpi"]]
        month = kpis.month_start(data.get("month") or timezone.localdate(clock.now()))
        rest = self.data.copy()
        for key in (*self.KPI_PARAMETERS, "page"):
            rest.pop(key, None)
        return {
            "indicator": definition.label,
            "counts": definition.counts,
            "meets": definition.numerator,
            "part": data.get("part") or "all",
            "month": month.strftime(MONTH_FORMAT),
            "department": data.get("kpi_department"),
            "hidden": [(key, self.data.get(key)) for key in self.KPI_PARAMETERS if self.data.get(key)],
            "clear_query": rest.urlencode(),
        }

    def filter_open(self, queryset, name, value):
        return queryset.open() if value else queryset

    def filter_listed(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(
            pk__in=Supervision.objects.filter(kind=Supervision.Kind.LISTED, answered_at__isnull=True).values(
                "case_id"
            )
        )

    def filter_nothing(self, queryset, name, value):
        """Read by `filter_kpi`."""
        return queryset

    def filter_kpi(self, queryset, name, value):
        if not value:
            return queryset
        data = self.form.cleaned_data
        month = kpis.month_start(data.get("month") or timezone.localdate(clock.now()))
        start, end = kpis.month_bounds(month)
        department = data.get("kpi_department")
        return queryset.filter(
            kpis.cases_behind(
                value,
                start,
                end,
                part=data.get("part") or "all",
                department_id=department.pk if department else None,
            )
        )
