"""`fupin snapshot export|list|verify|lock`: Parquet snapshots of the registry (fupin.batch.snapshot)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from fupin.batch.snapshot import KINDS, SnapshotError, verify
from fupin.policy import services
from fupin.policy.definition import PolicyError, load
from fupin.policy.models import Snapshot, SnapshotLocked


class Command(BaseCommand):
    help = "登记快照：把某年度的登记数据导出为 Parquet（带清单和 SHA-256 校验值），列出、校验、锁定快照"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="导出某年度的登记快照")
        export.add_argument("out", nargs="?", help="写入的目录（须为空或不存在；默认在快照目录下新建）")
        export.add_argument("--year", type=int, required=True, help="快照年度")
        export.add_argument("--kind", choices=KINDS, default="adhoc", help="类型：基线、年度锁定或临时")
        export.add_argument("--area", default="", help="只导出该区划代码下的登记（默认全部）")
        export.add_argument("--policy", help="随快照保存评估结果所用的政策（默认：该年度适用的政策）")
        export.add_argument("--lock", action="store_true", help="导出后立即锁定（之后不能再改动）")
        sub.add_parser("list", help="列出已记录的快照")
        check = sub.add_parser("verify", help="按清单校验快照文件")
        check.add_argument("snapshot", help="快照编号或目录")
        lock = sub.add_parser("lock", help="锁定快照")
        lock.add_argument("id", type=int, help="快照编号")

    def handle(self, *args, **options):
        getattr(self, f"_{options['action']}")(options)

    def _export(self, options):
        try:
            policy = load(options["policy"]) if options["policy"] else None
            record = services.create_snapshot(
                actor=None,
                year=options["year"],
                kind=options["kind"],
                area=options["area"],
                lock=options["lock"],
                policy=policy,
                out_dir=options["out"],
                own_process=True,
            )
        except (services.SnapshotRefused, SnapshotError, PolicyError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        files = record.manifest["files"]
        self.stdout.write(
            f"已导出快照 #{record.pk}：{record.year} 年，{record.get_kind_display()}，"
            f"{record.manifest['persons']} 人，{len(files)} 个文件"
            f"{'，已锁定' if record.locked else ''}\n目录：{record.path}"
        )

    def _list(self, options):
        for s in Snapshot.objects.order_by("year", "created_at"):
            self.stdout.write(
                f"#{s.pk}  {s.year}  {s.kind:<10}  {s.area or '全部':<12}  "
                f"{'已锁定' if s.locked else '未锁定'}  {s.manifest.get('persons', '')} 人  {s.path}"
            )

    def _verify(self, options):
        target = options["snapshot"]
        record = Snapshot.objects.filter(pk=int(target)).first() if target.isdigit() else None
        if target.isdigit() and record is None:
            raise CommandError(f"没有编号为 {target} 的快照")
        try:
            manifest = verify(
                record.path if record else target, expected_digest=record.manifest_sha256 if record else None
            )
        except SnapshotError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"快照完好：{manifest['year']} 年，{len(manifest['files'])} 个文件的校验值全部相符")

    def _lock(self, options):
        record = Snapshot.objects.filter(pk=options["id"]).first()
        if record is None:
            raise CommandError(f"没有编号为 {options['id']} 的快照")
        try:
            services.lock_snapshot(actor=None, snapshot=record)
        except (services.SnapshotRefused, SnapshotLocked, SnapshotError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"已锁定快照 #{record.pk}")
