"""`fupin funds allocate --year Y [--format table|csv|json] [--area CODE] [--out FILE]`

The 20,000-yuan-per-person fund by village: `village_code,persons,total,province,guangzhou,qingyuan`
(persons = registered poor persons of the year; each share rounded down to the fen except Qingyuan's,
which takes the remainder). Exit code 1 with a message for a year no policy covers.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from fupin.core import audit
from fupin.policy.definition import PolicyError
from fupin.policy.management.commands._common import render

from ...selectors import per_person_rows

COLUMNS = ["village_code", "persons", "total", "province", "guangzhou", "qingyuan"]


class Command(BaseCommand):
    help = "资金：allocate 按村计算人均2万元财政扶贫资金及省、广州、清远6:3:1分担"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        allocate = sub.add_parser("allocate", help="按村计算人均2万元资金及6:3:1分担")
        allocate.add_argument("--year", type=int, required=True, help="年度")
        allocate.add_argument("--format", choices=["table", "csv", "json"], default="table")
        allocate.add_argument("--area", help="只算该区划代码下的村（如镇 441882101）")
        allocate.add_argument("--out", help="写入文件而不是标准输出")

    def handle(self, *args, **options):
        year = options["year"]
        if not 2000 <= year <= 2100:
            raise CommandError("年度应为四位年份")
        try:
            rows = per_person_rows(year=year, area=options.get("area"))
        except PolicyError as exc:
            raise CommandError(str(exc)) from exc
        text = render(rows, COLUMNS, options["format"])
        out = options.get("out")
        if out:
            with open(out, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
            audit.record(
                "funds.allocate_export", "funds", str(year), {"year": year, "rows": len(rows), "out": out}
            )
        else:
            self.stdout.write(text, ending="")
