from django.urls import reverse
from django.utils.translation import gettext as _


def navigation(request):
    """The menu a user sees; built from the role so no one is shown a page they cannot open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    items = []
    if user.reads_households:
        items.append((_("贫困户"), reverse("registry:household_list")))
    if user.reads_aggregates:
        items.append((_("村"), reverse("areas:village_list")))
        if user.is_admin or user.area_id:
            items.append((_("贫困村认定与出列"), reverse("policy:village_table")))
            items.append((_("脱贫目标"), reverse("policy:targets")))
            items.append((_("政策模拟"), reverse("policy:whatif")))
    if user.manages_households and (user.is_admin or user.area_id):
        items.append((_("导入"), reverse("exchange:import")))
    if user.reads_households:
        items.append((_("导出"), reverse("exchange:export")))
    if user.is_admin:
        items.append((_("系统管理"), reverse("admin:index")))
    return {"nav": items}
