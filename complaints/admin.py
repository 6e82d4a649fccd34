"""The catalogue an administrator edits: categories (the dispatch catalogue), deadline policies, the
escalation rules (when warnings, urging and supervision fire, and who is told) and the KPIs' weights
(each shown with its formula).
Cases themselves are not in the admin site: they are seen only through the visibility policy."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from complaints import kpis
from complaints.models import Category, EscalationRule, Indicator, RetentionPolicy, SlaPolicy, SlaStageRule


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["__str__", "code", "default_department", "is_active", "sort_order"]
    list_filter = ["is_active", "parent"]
    search_fields = ["name", "code"]
    list_select_related = ["parent", "default_department"]
    autocomplete_fields = ["parent", "default_department"]


class SlaStageRuleInline(admin.TabularInline):
    model = SlaStageRule
    extra = 0


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "priority", "is_petition", "max_extensions", "reopen_limit"]
    list_filter = ["is_petition", "kind", "priority"]
    inlines = [SlaStageRuleInline]


@admin.register(EscalationRule)
class EscalationRuleAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "action",
        "percent_of_stage",
        "working_days_overdue",
        "repeats_daily",
        "to_responsible",
        "to_head",
        "to_office",
        "to_leaders",
        "is_active",
    ]
    list_editable = ["is_active"]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    """The weights are data; what each indicator counts is code (`complaints.kpis`), shown here."""

    list_display = ["code", "formula", "better", "weight"]
    list_editable = ["weight"]
    fields = ["code", "formula", "better", "weight", "sort_order"]
    readonly_fields = ["code", "formula", "better"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("formula"))
    def formula(self, indicator):
        return kpis.DEFINITIONS[indicator.code].formula

    @admin.display(description=_("better"))
    def better(self, indicator):
        return _("lower") if kpis.DEFINITIONS[indicator.code].lower_is_better else _("higher")


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    """How long each kind of case is kept (DOMAIN.md §10); one row per kind, shipped by a migration."""

    list_display = ["kind", "archive_after_days", "retention_years"]
    list_editable = ["archive_after_days", "retention_years"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
