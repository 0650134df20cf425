"""`fupin benefits check [--year Y] [--format csv|table]`: the shortfall and abuse checks (checks.py).

Columns, a contract: `check,household_no,detail,amount`. Exit code 0 whatever is found (a finding is a
result, not an error); the run is recorded in the audit trail.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from fupin.core import audit, csvsafe

from ... import checks


class Command(BaseCommand):
    help = "惠民政策核查：医疗救助不足、在校生未补助、虚报冒领（向销号/死亡/不在册人员付款、重复付款、多户共用账号）"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["check"])
        parser.add_argument("--year", type=int, help="年度（默认：全部年度；在校生按最近的补助学年）")
        parser.add_argument("--format", choices=["csv", "table"], default="table")

    def handle(self, *args, action, year=None, format="table", **options):
        if year is not None and not 2000 <= year <= 2100:
            raise CommandError("--year 须在2000至2100之间")
        found = checks.findings(year=year)
        audit.record("benefits.check", "benefits", "", {"year": year, "findings": len(found)})
        if format == "csv":
            writer = csvsafe.writer(self.stdout, lineterminator="\n")
            writer.writerow(checks.COLUMNS)
            for finding in found:
                writer.writerow(finding.row())
            return
        if not found:
            self.stdout.write("未发现问题")
            return
        for finding in found:
            amount = "" if finding.amount is None else f"{finding.amount:,.2f}"
            self.stdout.write(f"{finding.label}\t{finding.household_no}\t{finding.detail}\t{amount}")
        self.stdout.write(f"共 {len(found)} 条")
