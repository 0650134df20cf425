from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fupin.core.models import User
from fupin.exchange.exporter import export_registry
from fupin.exchange.national_export import export_national


class Command(BaseCommand):
    help = (
        "导出建档立卡数据表：fupin export registry OUT.xlsx [--village CODE] [--unmask]；"
        "或国家系统格式的贫困人口明细：fupin export national OUT.xlsx [--village CODE] [--unmask] [--year Y]。"
        "证件号码和电话默认打码；每次导出都写入审计记录。"
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["registry", "national"])
        parser.add_argument("out", type=Path)
        parser.add_argument("--village", help="只导出该区划代码（村、镇…）下的户")
        parser.add_argument("--unmask", action="store_true", help="导出完整的证件号码和电话（记入审计）")
        parser.add_argument("--user", help="以该用户的身份和范围导出（默认：系统）")
        parser.add_argument(
            "--year", type=int, help="national：人均纯收入的年度（默认：有收入数据的最近年度）"
        )

    def handle(self, *args, **options):
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"没有用户“{options['user']}”")
        try:
            common = {"actor": actor, "village": options["village"], "unmask": options["unmask"]}
            if options["kind"] == "national":
                result = export_national(options["out"], year=options["year"], **common)
            else:
                result = export_registry(options["out"], **common)
        except PermissionError as exc:
            raise CommandError(str(exc)) from exc
        counts = "，".join(f"{sheet} {n} 行" for sheet, n in result.counts.items())
        masked = "未打码" if result.unmasked else "证件号码和电话已打码"
        self.stdout.write(f"已导出 {options['out']}：{counts}（{masked}）")
