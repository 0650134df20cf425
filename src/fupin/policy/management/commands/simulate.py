from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError

from fupin.policy.definition import ADJUSTABLE, PolicyError
from fupin.policy.simulation import COLUMNS, HOUSEHOLD_COLUMNS, simulate

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
    help = (
        "模拟调整政策参数，或与另一口径（如通知字面口径）对比：新进入、退出贫困的户与人（按村）、"
        "按人均投入计算的财政成本变化；加 --households 逐户列出结论不同的户"
    )

    def add_arguments(self, parser):
        add_common(parser)
        parser.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help=f"调整的参数（可重复；比例可写 0.45 或 45%%）：{', '.join(ADJUSTABLE)}",
        )
        parser.add_argument(
            "--against",
            metavar="POLICY",
            help="与之对比的政策口径（如 guangdong-2016-notice）；--set 作用于它",
        )
        parser.add_argument("--households", action="store_true", help="逐户列出结论不同的户，而不是按村汇总")

    def handle(self, *args, **options):
        if not options["set"] and not options["against"]:
            raise CommandError("至少给出一个 --set 名称=数值，或用 --against 指定对比的口径")
        year = options["year"]
        policy = policy_for(options["policy"], year)
        against = policy_for(options["against"], year) if options["against"] else None
        changes = dict(parse_setting(s) for s in options["set"])
        try:
            result = simulate(
                policy, changes, year, scope_for(options["area"]), against=against, own_process=True
            )
        except PolicyError as exc:
            raise CommandError(str(exc)) from exc
        if options["households"]:
            rows, columns = result.households, HOUSEHOLD_COLUMNS
        else:
            rows, columns = result.rows + [result.total], COLUMNS
        detail = {
            "policy": policy.name,
            "against": against.name if against else "",
            "year": year,
            "changes": {k: str(v) for k, v in changes.items()},
        }
        emit(
            self,
            render(rows, columns, options["format"]),
            options["out"],
            action="policy.simulate_export",
            detail=detail,
        )
