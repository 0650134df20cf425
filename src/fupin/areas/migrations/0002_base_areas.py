"""Ships the administrative tree down to the towns of 连州市 (DOMAIN.md §9)."""

from django.db import migrations

from fupin.areas.base import base_rows, load_base_areas


def load(apps, schema_editor):
    load_base_areas(apps.get_model("areas", "Area"))


def unload(apps, schema_editor):
    Area = apps.get_model("areas", "Area")
    codes = sorted((row["code"] for row in base_rows()), key=len, reverse=True)
    for code in codes:
        Area.objects.filter(code=code).delete()


class Migration(migrations.Migration):
    dependencies = [("areas", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
