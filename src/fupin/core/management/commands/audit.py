from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fupin.core import audit

_REASONS = {
    "content": "内容被修改（或审计密钥不对）",
    "link": "链接断开（前一条被删除或修改）",
    "sequence": "序号不连续（此前有记录被删除）",
    "legacy": "仍是旧式（无密钥）哈希：请先运行 fupin audit rehash",
}


class Command(BaseCommand):
    help = (
        "审计记录：verify 校验哈希链并核对最近的锚点；anchor [文件] 把链头写入锚点文件；"
        "rehash 把旧式哈希链改为带密钥的哈希（升级后运行一次）"
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "anchor", "rehash"])
        parser.add_argument("file", nargs="?", help="锚点文件（默认：数据目录下的 audit-anchors.jsonl）")

    def handle(self, *args, action, file=None, **options):
        path = Path(file) if file else audit.default_anchor_path()
        getattr(self, action)(path)

    def verify(self, path: Path) -> None:
        result = audit.verify()
        if not result.ok:
            raise CommandError(
                f"审计链校验失败：第 {result.broken_id} 号记录{_REASONS[result.reason]}；"
                f"此前 {result.checked} 条完好"
            )
        if result.head is None:
            self.stdout.write("审计链为空")
        else:
            self.stdout.write(f"审计链完好：共 {result.checked} 条记录")
            self.stdout.write(f"链头：序号 {result.head.seq}，哈希 {result.head.hash}")
        anchor = audit.last_anchor(path)
        if anchor is None:
            self.stdout.write(f"没有锚点（{path}）：请运行 fupin audit anchor，并把链头抄存到别处")
            return
        problem = audit.check_anchor(anchor)
        if problem == "key":
            raise CommandError(f"审计密钥与锚点（{path}）记录的不同：请使用原来的 audit.key")
        if problem == "missing":
            last = result.head.seq if result.head else 0
            raise CommandError(
                f"锚点校验失败：锚点记下的第 {anchor['seq']} 条记录已不存在（链只到第 {last} 条）——"
                "最新的记录被删除了"
            )
        if problem == "different":
            raise CommandError(f"锚点校验失败：第 {anchor['seq']} 条记录的哈希与锚点不同——记录被改写")
        self.stdout.write(f"与锚点一致：序号 {anchor['seq']}，记于 {anchor['at']}（{path}）")

    def anchor(self, path: Path) -> None:
        current = audit.write_anchor(path)
        if current is None:
            self.stdout.write("审计链为空，没有写锚点")
            return
        self.stdout.write(f"已写入锚点 {path}：序号 {current.seq}，哈希 {current.hash}")

    def rehash(self, path: Path) -> None:
        try:
            count, old_head = audit.rehash()
        except ValueError as exc:
            raise CommandError(
                f"第 {exc.args[0]} 号记录与旧哈希和新哈希都不符，审计链在升级前已被改动；未重新计算"
            ) from exc
        audit.record("audit_rehash", "core.AuditEvent", "", {"entries": count, "old_head": old_head})
        current = audit.write_anchor(path)
        self.stdout.write(
            f"已用审计密钥重新计算 {count} 条记录的哈希；新链头：序号 {current.seq}，哈希 {current.hash}"
        )
