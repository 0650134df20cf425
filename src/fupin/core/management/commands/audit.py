from django.core.management.base import BaseCommand, CommandError

from fupin.core import audit


class Command(BaseCommand):
    help = "审计记录：verify 校验哈希链，发现被修改或删除的记录"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, **options):
        result = audit.verify()
        if not result.ok:
            kind = "内容被修改" if result.reason == "content" else "链接断开（前一条被删除或修改）"
            raise CommandError(
                f"审计链校验失败：第 {result.broken_id} 号记录{kind}；此前 {result.checked} 条完好"
            )
        self.stdout.write(f"审计链完好：共 {result.checked} 条记录")
