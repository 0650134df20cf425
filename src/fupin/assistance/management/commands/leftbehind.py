"""`fupin leftbehind refresh [--village CODE] [--on YYYY-MM-DD]`: bring the 三留守/残疾人 register up to date
(after an import, or daily for the children who turn 16)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from fupin.assistance.leftbehind import refresh


class Command(BaseCommand):
    help = "三留守及残疾人名册：按登记数据重新核对（新列入、移出）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("refresh", help="按某日的登记数据重新核对名册")
        run.add_argument("--village", help="只核对该区划代码下的村")
        run.add_argument("--on", help="核对日期（默认今天），如 2018-08-31")

    def handle(self, *args, action=None, village=None, on=None, **options):
        try:
            day = dt.date.fromisoformat(on) if on else None
        except ValueError as exc:
            raise CommandError(f"日期无效：{on[:20]}（应为 2018-08-31 的格式）") from exc
        added, ended = refresh(on=day, village=village)
        self.stdout.write(f"新列入 {added} 人，移出 {ended} 人")
