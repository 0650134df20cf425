import datetime as dt
import json
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from fupin.core import csvsafe, pii
from fupin.monitoring import selectors, services
from fupin.monitoring.config import RULE_CODES
from fupin.monitoring.lists import ListRefused
from fupin.monitoring.models import ListKind

FINDING_COLUMNS = ["rule", "household_no", "id_number", "detail", "score"]


class Command(BaseCommand):
    help = (
        "动态监测：fupin monitoring load KIND FILE [--date YYYY-MM-DD]（导入部门名单）；"
        "fupin monitoring run（按最新名单运行全部比对规则）；"
        "fupin monitoring risks（防返贫监测预警）；"
        "fupin monitoring findings [--rule CODE] [--village CODE] [--format csv|json]（列出待核实问题，证件号码脱敏）；"
        "fupin monitoring system add CODE NAME AREA / revoke CODE（民政对接系统密钥）"
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="导入一份部门名单（CSV：UTF-8 或 GBK；.xlsx；.xls）")
        load.add_argument("kind", choices=ListKind.values)
        load.add_argument("file", type=Path)
        load.add_argument("--date", help="名单日期 YYYY-MM-DD（默认今天）")
        load.add_argument("--source", default="", help="来源单位（默认按名单类型）")
        load.add_argument("--area", default="", help="名单覆盖的区域代码（默认全部）")
        run = sub.add_parser("run", help="按最新名单运行全部比对规则")
        run.add_argument("--area", default=None, help="只比对该区域（代码前缀）")
        risks = sub.add_parser("risks", help="防返贫监测：按政策标准识别返贫风险户，消除已无风险的预警")
        risks.add_argument("--area", default=None, help="只监测该区域（代码前缀）")
        findings = sub.add_parser("findings", help="列出待核实的问题")
        findings.add_argument("--rule", choices=RULE_CODES)
        findings.add_argument("--village", help="村（或镇）代码")
        findings.add_argument("--format", choices=["csv", "json"], default="csv")
        system = sub.add_parser("system", help="民政对接系统：add CODE NAME AREA | revoke CODE")
        system.add_argument("system_action", choices=["add", "revoke"])
        system.add_argument("code")
        system.add_argument("name", nargs="?")
        system.add_argument("area", nargs="?")

    def handle(self, *args, **options):
        return getattr(self, f"do_{options['action']}")(options)

    def do_load(self, options):
        path = options["file"]
        if not path.exists():
            raise CommandError(f"找不到文件：{path}", returncode=1)
        list_date = None
        if options["date"]:
            try:
                list_date = dt.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError("--date 应为 YYYY-MM-DD", returncode=1) from exc
        try:
            result = services.load_file(
                actor=None,
                kind=options["kind"],
                path=path,
                list_date=list_date,
                source=options["source"],
                area_code=options["area"],
            )
        except ListRefused as exc:
            raise CommandError(f"未导入：{exc.message}", returncode=1) from exc
        external = result.external_list
        if not result.created:
            self.stdout.write(
                f"同一份名单已于 {external.loaded_at:%Y-%m-%d %H:%M} 导入（编号 {external.pk}），未作任何改动"
            )
            return
        self.stdout.write(
            f"已导入{external.get_kind_display()}（编号 {external.pk}，日期 {external.list_date}）："
            f"读取 {external.rows_read} 行，导入 {external.rows_loaded} 行，提示/跳过 {len(result.skipped)} 条"
        )
        for item in result.skipped[:50]:
            self.stdout.write(
                pii.mask_text(f"  第{item['row']}行 {item['column']} [{item['code']}] {item['message']}")
            )
        if len(result.skipped) > 50:
            self.stdout.write(f"  ……共 {len(result.skipped)} 条")

    def do_run(self, options):
        result = services.run(actor=None, area=options["area"])
        self.stdout.write(
            f"比对完成：发现 {result.found} 个问题（新增 {result.created}，重新打开 {result.reopened}，"
            f"已排除保持 {result.kept_dismissed}，已整改关闭 {result.closed}）"
        )
        for rule, n in sorted(result.by_rule.items()):
            self.stdout.write(f"  {rule}: {n}")

    def do_risks(self, options):
        from fupin.monitoring import risk

        result = risk.assess(actor=None, area=options["area"])
        self.stdout.write(
            f"防返贫监测完成：新识别 {result.identified} 户次，继续监测 {result.kept}，风险消除 {result.eliminated}"
        )

    def do_findings(self, options):
        queryset = selectors.findings_for(user=None, rule=options["rule"], village=options["village"])
        rows = [
            {
                "rule": f.rule,
                "household_no": f.household_no,
                "id_number": pii.mask_id(f.id_number) if f.id_number else "",
                "detail": pii.mask_text(f.detail),
                "score": f.score,
            }
            for f in queryset
        ]
        if options["format"] == "json":
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1))
            return
        writer = csvsafe.writer(self.stdout, lineterminator="\n")
        writer.writerow(FINDING_COLUMNS)
        for row in rows:
            writer.writerow([row[c] for c in FINDING_COLUMNS])

    def do_system(self, options):
        from fupin.areas.models import Area
        from fupin.monitoring.models import InterchangeSystem

        try:
            if options["system_action"] == "add":
                area = Area.objects.filter(code=options["area"] or "").first()
                if area is None or not options["name"]:
                    raise CommandError(
                        "用法：fupin monitoring system add CODE NAME AREA（AREA 为区域代码）", returncode=1
                    )
                system, key = services.create_system(
                    actor=None, code=options["code"], name=options["name"], area=area
                )
                self.stdout.write(
                    f"已创建对接系统 {system.code}，密钥（只显示这一次，请妥善交给对方）：\n{key}"
                )
            else:
                system = InterchangeSystem.objects.filter(code=options["code"]).first()
                if system is None:
                    raise CommandError(f"没有对接系统 {options['code']}", returncode=1)
                services.revoke_system(actor=None, system=system)
                self.stdout.write(f"已撤销 {system.code} 的密钥")
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(str(exc), returncode=1) from exc
