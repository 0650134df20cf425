import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fupin.core import uploads
from fupin.core.models import User
from fupin.exchange.national_import import import_national
from fupin.exchange.pipeline import import_registry


class Command(BaseCommand):
    help = (
        "导入建档立卡数据表：fupin import registry FILE [--dry-run] [--report OUT.json]；"
        "或国家系统导出的贫困人口明细：fupin import national FILE [--year Y] [--dry-run] [--report OUT.json]。"
        "全部有效时提交并返回0；有任何错误时什么都不提交，返回1，并列出每个错误。"
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["registry", "national"])
        parser.add_argument(
            "file",
            type=Path,
            help="registry：.xlsx、.xls，或 CSV（文件夹或 zip：村.csv 户.csv 成员.csv 收入.csv）；"
            "national：贫困人口明细 .xlsx、.xls 或 .csv",
        )
        parser.add_argument(
            "--year",
            type=int,
            help="national：数据年度（人均纯收入所属年度）；默认取“数据日期”列或标题行中的年份",
        )
        parser.add_argument("--dry-run", action="store_true", help="只检查，不提交")
        parser.add_argument("--report", type=Path, help="把 JSON 报告写到此文件")
        parser.add_argument("--user", help="以该用户的身份和管辖范围导入（默认：系统，不限范围）")
        parser.add_argument(
            "--household-audit",
            action="store_true",
            help="除导入记录外，每个新增或修改的户再各写一条审计记录",
        )

    def handle(self, *args, **options):
        path = options["file"]
        if not path.exists():
            raise CommandError(f"找不到文件：{path}")
        try:
            uploads.check_path(path, kinds={"xlsx", "xls", "zip", "csv"})
        except uploads.UploadRefused as exc:
            limits = "FUPIN_UPLOAD_MAX_MB、FUPIN_UPLOAD_MAX_INFLATED_MB"
            hint = f"（上限可用环境变量 {limits} 调整）" if exc.code in ("too_large", "zip_size") else ""
            raise CommandError(f"已拒绝该文件：{exc.message}{hint}", returncode=1) from exc
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"没有用户“{options['user']}”")
        started = time.perf_counter()
        verbose = options["verbosity"] >= 1

        def progress(stage: str, done: int, total: int | None) -> None:
            if verbose:
                sys.stderr.write(f"\r{stage}: {done} 行 ")
                sys.stderr.flush()

        try:
            common = {
                "actor": actor,
                "dry_run": options["dry_run"],
                "progress": progress,
                "audit_households": options["household_audit"],
            }
            if options["kind"] == "national":
                report = import_national(path, year=options["year"], **common)
            else:
                report = import_registry(path, **common)
        except PermissionError as exc:
            raise CommandError(str(exc)) from exc
        if verbose:
            sys.stderr.write("\n")
        if options["report"]:
            report.write(options["report"])
        counts = "，".join(f"{sheet} {n} 行" for sheet, n in report.counts.items())
        elapsed = time.perf_counter() - started
        if not report.ok:
            for error in report.errors[:50]:
                where = f"{error.sheet} 第{error.row}行" if error.row else error.sheet
                self.stderr.write(f"{where} {error.column} [{error.code}] {error.message}")
            if len(report.errors) > 50:
                self.stderr.write(f"……共 {len(report.errors)} 个错误，完整列表见 --report")
            raise CommandError(
                f"导入失败：{len(report.errors)} 个错误，未提交任何数据（{counts}）", returncode=1
            )
        verb = "检查通过（--dry-run，未提交）" if options["dry_run"] else "导入成功"
        changes = report.changes
        self.stdout.write(f"{verb}：{counts}，用时 {elapsed:.1f} 秒")
        if changes:
            self.stdout.write(
                "新增 {households_created} 户、更新 {households_updated} 户；新增成员 {members_created}、"
                "更新 {members_updated}、减员 {members_left}；新增收入 {incomes_created}、更新 {incomes_updated}".format(
                    **changes
                )
            )
            if changes.get("status_not_applied"):
                self.stdout.write(
                    f"注意：{changes['status_not_applied']} 个已在系统中的户，文件中的脱贫属性与系统不同，"
                    "未修改（户的状态只能通过系统的脱贫、返贫等程序变更）"
                )
