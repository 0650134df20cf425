from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Household, Income, LivingConditions, Member, StatusChange


@admin.register(Household)
class HouseholdAdmin(SimpleHistoryAdmin):
    list_display = ("household_no", "village", "attribute", "main_cause", "status")
    list_filter = ("status", "attribute", "main_cause")
    search_fields = ("household_no",)
    raw_id_fields = ("village", "group")


@admin.register(Member)
class MemberAdmin(SimpleHistoryAdmin):
    list_display = ("name", "household", "relation", "labour", "left_on")
    search_fields = ("name", "id_number")
    raw_id_fields = ("household",)


admin.site.register(Income, SimpleHistoryAdmin)
admin.site.register(LivingConditions, SimpleHistoryAdmin)
admin.site.register(StatusChange)
