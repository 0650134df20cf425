from dataclasses import asdict

from django.core.management.base import BaseCommand, CommandError

from fupin.policy.selectors import NoBaseline, targets

from ._common import add_common, emit, policy_for, render, scope_for

COLUMNS = ["year", "planned", "planned_cumulative", "actual", "actual_cumulative"]


class Command(BaseCommand):
    help = "脱贫目标（政策的年度份额）与登记的实际脱贫人数对比"

    def add_arguments(self, parser):
        add_common(parser, year=False)
        parser.add_argument("--persons", type=int, help="计划基数（人），默认为登记在册人数")

    def handle(self, *args, **options):
        policy = policy_for(options["policy"], None)
        scope = scope_for(options["area"])
        try:
            result = targets(policy, area=scope.area if scope else None, persons=options["persons"])
        except NoBaseline as exc:
            raise CommandError(
                "没有可用的基线快照（识别时的登记）：脱贫目标按基线计划。"
                "请先运行 fupin snapshot export --kind baseline --lock --year 识别年度，或用 --persons 给出计划基数"
            ) from exc
        rows = [asdict(r) for r in result.rows]
        detail = {
            "policy": policy.name,
            "persons": result.persons,
            "baseline": result.baseline.pk if result.baseline else None,
        }
        emit(
            self,
            render(rows, COLUMNS, options["format"]),
            options["out"],
            action="policy.targets_export",
            detail=detail,
        )
