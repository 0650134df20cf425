from django.contrib import admin

from .models import Area, VillageYear


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")


@admin.register(VillageYear)
class VillageYearAdmin(admin.ModelAdmin):
    list_display = ("village", "year", "registered_population", "per_capita_income")
    list_filter = ("year",)
