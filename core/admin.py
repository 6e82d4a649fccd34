from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.client import client_address
from core.models import CalendarDay, CalendarYear, Department, DepartmentMembership, User
from core.services import second_factor_reset
from core.working_time import clear_working_calendar_cache


class UserMembershipInline(admin.TabularInline):
    model = DepartmentMembership
    extra = 0
    autocomplete_fields = ["department"]


class DepartmentMembershipInline(admin.TabularInline):
    model = DepartmentMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    actions = ["reset_second_factor"]
    list_display = ["username", "display_name", "email", "is_active", "is_staff"]
    search_fields = ["username", "display_name", "email"]
    list_filter = ["is_active", "is_staff", "groups"]
    inlines = [UserMembershipInline]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("display_name", "email", "mobile", "language")}),
        (_("Roles"), {"fields": ("groups",)}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "display_name", "password1", "password2")}),
    )

    @admin.action(
        description=_("Reset two-factor sign-in (a lost phone): they set it up again"),
        permissions=["lift_lockout"],
    )
    def reset_second_factor(self, request, queryset):
        for user in queryset:
            second_factor_reset(user=user, actor=request.user, client_address=client_address(request))
        self.message_user(
            request,
            _("Two-factor sign-in reset for %(count)s users: they set it up at their next sign-in.")
            % {"count": queryset.count()},
        )

    def has_lift_lockout_permission(self, request):
        return request.user.has_perm("core.lift_sign_in_lockout")


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "parent", "head", "is_active", "sort_order"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code"]
    list_select_related = ["parent", "head"]
    autocomplete_fields = ["head", "parent"]
    inlines = [DepartmentMembershipInline]


class WorkingCalendarAdminMixin:
    """Forget the calendar this process has loaded once an edit is committed, so that deadlines use the
    edit at once here (other processes pick it up within `core.working_time.CACHE_SECONDS`)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        transaction.on_commit(clear_working_calendar_cache)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        transaction.on_commit(clear_working_calendar_cache)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        transaction.on_commit(clear_working_calendar_cache)


@admin.register(CalendarYear)
class CalendarYearAdmin(WorkingCalendarAdminMixin, admin.ModelAdmin):
    list_display = ["year", "source", "note"]
    search_fields = ["source", "note"]


@admin.register(CalendarDay)
class CalendarDayAdmin(WorkingCalendarAdminMixin, admin.ModelAdmin):
    list_display = ["date", "is_working_day", "name"]
    list_filter = ["is_working_day"]
    date_hierarchy = "date"
    search_fields = ["name"]
