"""`fupin visits compliance --year Y --quarter Q [--format table|csv|json]`: leadership visits.

One row per leader the policy obliges in that quarter (`assistance.LeaderDuty`), columns
username, name, role, visits, required, behind (true/false). The numbers come from the policy file's
[visits] table: a member of the leadership team ≥ 2 a quarter, a responsible leader ≥ 1.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from fupin.assistance.selectors import compliance_rows
from fupin.policy.definition import PolicyError
from fupin.policy.management.commands._common import render

COLUMNS = ["username", "name", "role", "visits", "required", "behind"]


class Command(BaseCommand):
    help = "走访：compliance 列出每季度领导走访次数是否达到政策要求"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        compliance = sub.add_parser("compliance", help="某季度每位领导的走访次数、要求次数和是否落后")
        compliance.add_argument("--year", type=int, required=True)
        compliance.add_argument("--quarter", type=int, required=True, choices=[1, 2, 3, 4])
        compliance.add_argument("--format", choices=["table", "csv", "json"], default="table")

    def handle(self, *args, action=None, **options):
        try:
            rows = compliance_rows(year=options["year"], quarter=options["quarter"])
        except PolicyError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(render(rows, COLUMNS, options["format"]), ending="")
