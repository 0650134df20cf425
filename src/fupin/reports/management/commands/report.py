"""`fupin report tables --year Y --out FILE [--user NAME]`: the standard report tables to the upper level.

Console output is not translated (Django runs commands in the source language, Chinese).
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fupin.core import audit
from fupin.core.models import User
from fupin.reports import tables


class Command(BaseCommand):
    help = "报表：tables 写出上报用的标准报表（按状态、属性、致贫原因、年度动态调整、按月脱贫）"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["tables"])
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--out", required=True, help="输出的 .xlsx 文件")
        parser.add_argument("--user", help="按该用户的工作范围统计（默认：全部，系统管理员）")

    def handle(self, *args, kind, year, out, user=None, **options):
        if not 2000 <= year <= 2100:
            raise CommandError("年度应为2000至2100之间的四位年份")
        if user:
            actor = User.objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(f"没有名为 {user} 的有效用户")
        else:
            actor = User.objects.filter(role="admin", is_active=True).order_by("pk").first()
            if actor is None:
                raise CommandError("没有系统管理员账号：请用 --user 指定按谁的范围统计")
        path = Path(out)
        tables.write(actor, year, path)
        audit.record(
            "export", "reports.tables", str(year), {"area": actor.area_id or "", "via": "cli"}, actor=actor
        )
        self.stdout.write(f"已写出 {path}")
