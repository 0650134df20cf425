"""Audit entries get a gap-free sequence number (numbered in id order for existing chains; their
hashes stay as they were until `fupin audit rehash`); API tokens."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def number_entries(apps, schema_editor):
    AuditEvent = apps.get_model("core", "AuditEvent")
    batch, seq = [], 0
    for event in AuditEvent.objects.order_by("id").only("id").iterator(chunk_size=5000):
        seq += 1
        event.seq = seq
        batch.append(event)
        if len(batch) >= 5000:
            AuditEvent.objects.bulk_update(batch, ["seq"])
            batch = []
    AuditEvent.objects.bulk_update(batch, ["seq"])


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="auditevent", name="seq", field=models.BigIntegerField(null=True, verbose_name="序号")
        ),
        migrations.RunPython(number_entries, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(unique=True, verbose_name="序号"),
        ),
        migrations.AlterModelOptions(
            name="auditevent",
            options={"ordering": ["seq"], "verbose_name": "审计记录", "verbose_name_plural": "审计记录"},
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                to=settings.AUTH_USER_MODEL,
                verbose_name="操作人",
            ),
        ),
        migrations.CreateModel(
            name="ApiToken",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=100, verbose_name="用途")),
                ("prefix", models.CharField(max_length=8, verbose_name="开头")),
                ("key_hash", models.CharField(max_length=64, unique=True)),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="创建时间")),
                ("last_used_at", models.DateTimeField(blank=True, null=True, verbose_name="最近使用")),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="api_tokens",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="用户",
                    ),
                ),
            ],
            options={"verbose_name": "API 令牌", "verbose_name_plural": "API 令牌", "ordering": ["-created_at"]},
        ),
    ]
