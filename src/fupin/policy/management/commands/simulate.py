from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError

from fupin.policy.definition import ADJUSTABLE, PolicyError
from fupin.policy.simulation import COLUMNS, simulate

from ._common import add_common, emit, policy_for, render, scope_for


def parse_setting(text: str) -> tuple[str, Decimal]:
    name, sep, raw = text.partition("=")
    if not sep:
        raise CommandError(f"--set 须写成 名称=数值：{text}")
    raw = raw.strip()
    try:
        value = Decimal(raw[:-1]) / 100 if raw.endswith("%") else Decimal(raw)
    except InvalidOperation as exc:
        raise CommandError(f"--set {name}: 不是数值：{raw}") from exc
    return name.strip(), value


class Command(BaseCommand):
    help = "模拟调整政策参数：新进入、退出贫困的户与人（按村）以及按人均投入计算的财政成本变化"

    def add_arguments(self, parser):
        add_common(parser)
        parser.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help=f"调整的参数（可重复；比例可写 0.45 或 45%%）：{', '.join(ADJUSTABLE)}",
        )

    def handle(self, *args, **options):
        if not options["set"]:
            raise CommandError("至少给出一个 --set 名称=数值")
        year = options["year"]
        policy = policy_for(options["policy"], year)
        changes = dict(parse_setting(s) for s in options["set"])
        try:
            result = simulate(policy, changes, year, scope_for(options["area"]))
        except PolicyError as exc:
            raise CommandError(str(exc)) from exc
        rows = result.rows + [result.total]
        detail = {"policy": policy.name, "year": year, "changes": {k: str(v) for k, v in changes.items()}}
        emit(
            self,
            render(rows, COLUMNS, options["format"]),
            options["out"],
            action="policy.simulate_export",
            detail=detail,
        )
