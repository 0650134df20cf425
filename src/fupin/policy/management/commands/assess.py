from django.core.management.base import BaseCommand, CommandError

from fupin.batch import runner
from fupin.core import audit
from fupin.policy.definition import PolicyError
from fupin.policy.selectors import household_rows

from ._common import add_common, describe, emit, policy_for, render, scope_for

COLUMNS = [
    "household_no",
    "village_code",
    "members",
    "per_capita_income",
    "below_line",
    "exit_eligible",
    "unmet",
]


class Command(BaseCommand):
    help = "按政策评估每个有该年度收入的户：是否低于贫困线、是否符合脱贫条件、未达标项"

    def add_arguments(self, parser):
        add_common(parser)
        parser.add_argument("--save", action="store_true", help="把评估结果批量写回数据库")

    def handle(self, *args, **options):
        year = options["year"]
        policy = policy_for(options["policy"], year)
        try:
            evaluation = runner.evaluate(policy, year, scope_for(options["area"]), own_process=True)
        except PolicyError as exc:
            raise CommandError(str(exc)) from exc
        describe(self, policy, year, evaluation.source)
        rows = household_rows(evaluation)
        detail = {"policy": policy.name, "year": year, "rows": len(rows), "area": options["area"] or ""}
        if options["save"]:
            saved = runner.save(evaluation)
            audit.record("policy.assess_save", "policy", policy.name, detail)
            self.stderr.write(f"已写回 {saved} 条评估结果")
        emit(
            self,
            render(rows, COLUMNS, options["format"]),
            options["out"],
            action="policy.assess_export",
            detail=detail,
        )
