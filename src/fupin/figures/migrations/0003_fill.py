from django.db import migrations


def fill(apps, schema_editor):
    # The figures of a registry that existed before this app: one recount (services.refresh is the only
    # writer; the registry's tables are as migration 0003_scale_search left them).
    from fupin.figures.services import refresh

    refresh()


class Migration(migrations.Migration):
    dependencies = [
        ("figures", "0002_village_verdict"),
        ("registry", "0003_scale_search"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
