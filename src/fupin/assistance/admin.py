from django.contrib import admin

from .models import Helper, HelperAssignment, HelpingUnit, LeaderDuty, LeftBehindEntry


@admin.register(HelpingUnit)
class HelpingUnitAdmin(admin.ModelAdmin):
    list_display = ("name", "level", "paired_with", "area", "village")
    raw_id_fields = ("area", "village")


@admin.register(Helper)
class HelperAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "unit", "position", "start_date", "end_date")
    list_filter = ("kind",)
    search_fields = ("name",)
    raw_id_fields = ("user", "unit", "area")


@admin.register(HelperAssignment)
class HelperAssignmentAdmin(admin.ModelAdmin):
    list_display = ("person", "household", "start_date", "end_date")
    raw_id_fields = ("helper", "person", "household")


@admin.register(LeaderDuty)
class LeaderDutyAdmin(admin.ModelAdmin):
    list_display = ("user", "duty", "start_date", "end_date")
    raw_id_fields = ("user",)


@admin.register(LeftBehindEntry)
class LeftBehindEntryAdmin(admin.ModelAdmin):
    list_display = ("member", "kind", "village", "since", "ended_on", "confirmed")
    list_filter = ("kind", "confirmed")
    raw_id_fields = ("member", "village")
