"""The ledger's filters: one FilterSet on a queryset already scoped to the user."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from complaints.models import Case, CaseKind, Category, Channel, Priority, State
from core import clock, policy
from core.models import Department


def _departments(request):
    """Department choices, scoped like the cases: department staff choose among their own."""
    scope = policy.case_scope(request.user) if request else None
    departments = Department.objects.filter(is_active=True)
    if scope is not None and not scope.sees_all and scope.department_ids:
        departments = departments.filter(pk__in=scope.department_ids)
    return departments


def _categories(request):
    return Category.objects.filter(is_active=True).select_related("parent")


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
    registered = django_filters.DateFromToRangeFilter(
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
