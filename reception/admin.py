from django.contrib import admin

from reception.models import LeaderReceptionDay, ReceptionRoom


@admin.register(ReceptionRoom)
class ReceptionRoomAdmin(admin.ModelAdmin):
    list_display = ["name", "location", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]


@admin.register(LeaderReceptionDay)
class LeaderReceptionDayAdmin(admin.ModelAdmin):
    list_display = ["date", "starts_at", "ends_at", "leader", "room", "capacity", "is_cancelled"]
    list_filter = ["is_cancelled", "room"]
    date_hierarchy = "date"
    raw_id_fields = ["leader", "created_by"]
