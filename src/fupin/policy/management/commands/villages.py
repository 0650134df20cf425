from django.core.management.base import BaseCommand, CommandError

from fupin.batch import runner
from fupin.policy.definition import PolicyError
from fupin.policy.selectors import village_rows

from ._common import add_common, describe, emit, policy_for, render, scope_for

COLUMNS = [
    "village_code",
    "name",
    "registered_population",
    "poor_persons",
    "poor_share",
    "per_capita_income",
    "relatively_poor",
    "exit_eligible",
    # Added by issue 10, at the end: the registered poor (建档立卡, not exited at the start of the year)
    # beside the persons below the line, their share of the registered population, and the designation.
    "registered_poor_persons",
    "incidence",
    "designated",
]


class Command(BaseCommand):
    help = "按政策评估每个村：是否相对贫困村、是否符合出列条件"

    def add_arguments(self, parser):
        add_common(parser)

    def handle(self, *args, **options):
        year = options["year"]
        policy = policy_for(options["policy"], year)
        try:
            evaluation = runner.evaluate(policy, year, scope_for(options["area"]), own_process=True)
        except PolicyError as exc:
            raise CommandError(str(exc)) from exc
        describe(self, policy, year, evaluation.source)
        rows = village_rows(evaluation)
        detail = {"policy": policy.name, "year": year, "rows": len(rows)}
        emit(
            self,
            render(rows, COLUMNS, options["format"]),
            options["out"],
            action="policy.villages_export",
            detail=detail,
        )
