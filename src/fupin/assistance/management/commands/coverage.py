"""`fupin coverage [--village CODE] [--format table|csv|json]`: helper coverage (全覆盖) per village.

Columns (a contract other tools rely on): village_code, name, registered_poor_persons,
persons_with_helper, persons_without_helper. Registered poor = members on the register of households
registered and not exited (在册 or 返贫), today; "with helper" = their household has a live assignment.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from fupin.areas.models import Area
from fupin.assistance.selectors import coverage_rows
from fupin.policy.management.commands._common import render

COLUMNS = [
    "village_code",
    "name",
    "registered_poor_persons",
    "persons_with_helper",
    "persons_without_helper",
]


class Command(BaseCommand):
    help = "帮扶责任人覆盖情况：每个村的在册贫困人口、有帮扶责任人的人数和没有的人数"

    def add_arguments(self, parser):
        parser.add_argument("--village", help="只列出该区划代码（村，或镇、县）下的村")
        parser.add_argument("--format", choices=["table", "csv", "json"], default="table")

    def handle(self, *args, village=None, **options):
        if village and not (village.isdigit() and Area.objects.filter(code=village).exists()):
            raise CommandError(f"没有区划代码为 {village[:20]} 的区域")
        rows = coverage_rows(village=village)
        self.stdout.write(render(rows, COLUMNS, options["format"]), ending="")
