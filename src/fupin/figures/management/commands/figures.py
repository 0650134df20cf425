"""`fupin figures refresh [--area CODE]`: recount the stored area figures from the registry."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from fupin.figures import services


class Command(BaseCommand):
    help = _("从登记数据重新统计各村的户数、人数和脱贫数")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["refresh"])
        parser.add_argument("--area", default=None, help=_("只统计此区划代码范围内的村"))

    def handle(self, *args, action: str, area: str | None, **options):
        if area is not None and not area.isdigit():
            raise CommandError(_("区划代码只能是数字"))
        started = time.perf_counter()
        rows = services.refresh(area=area)
        self.stdout.write(
            _("已写入 %(rows)d 行统计数，用时 %(seconds).1f 秒")
            % {"rows": rows, "seconds": time.perf_counter() - started}
        )
