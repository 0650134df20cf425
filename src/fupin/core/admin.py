from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent, User


def _admin_only(request) -> bool:
    # Django admin is for the system administrator role only, whatever is_staff says.
    user = request.user
    return user.is_active and user.is_authenticated and user.is_admin


admin.site.has_permission = _admin_only
admin.site.site_header = _("扶贫信息系统 · 系统管理")
admin.site.site_title = _("扶贫信息系统")


@admin.register(User)
class FupinUserAdmin(UserAdmin):
    list_display = ("username", "full_name", "role", "area", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = (*UserAdmin.fieldsets, (_("角色与区域"), {"fields": ("role", "area", "full_name", "phone")}))
    autocomplete_fields = ("area",)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("id", "at", "actor_name", "action", "object_type", "object_id")
    list_filter = ("action", "object_type")
    search_fields = ("actor_name", "object_id")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
