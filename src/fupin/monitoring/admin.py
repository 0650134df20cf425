from django.contrib import admin

from .models import Exchange, ExternalList, InterchangeSystem


@admin.register(InterchangeSystem)
class InterchangeSystemAdmin(admin.ModelAdmin):
    """Read-only here: keys are created and revoked with `fupin monitoring system add|revoke` (audited)."""

    list_display = ("code", "name", "area", "key_prefix", "created_at", "revoked_at")
    readonly_fields = (
        "code",
        "name",
        "area",
        "key_prefix",
        "key_hash",
        "created_by",
        "created_at",
        "revoked_at",
    )

    def has_add_permission(self, request):
        return False


admin.site.register(ExternalList)
admin.site.register(Exchange)
