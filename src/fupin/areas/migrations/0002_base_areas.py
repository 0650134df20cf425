"""Ships the administrative tree down to the towns of 连州市 (DOMAIN.md §9)."""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "base_areas.csv"


def load(apps, schema_editor):
    Area = apps.get_model("areas", "Area")
    with DATA.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            Area.objects.update_or_create(
                code=row["code"],
                defaults={"name": row["name"], "level": row["level"], "parent_id": row["parent"] or None},
            )


def unload(apps, schema_editor):
    Area = apps.get_model("areas", "Area")
    with DATA.open(encoding="utf-8") as handle:
        codes = [row["code"] for row in csv.DictReader(handle)]
    Area.objects.filter(code__in=sorted(codes, key=len, reverse=True)).delete()


class Migration(migrations.Migration):
    dependencies = [("areas", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
