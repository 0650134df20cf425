from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fupin.core import backup


class Command(BaseCommand):
    help = "用备份文件替换当前数据库（先停止 fupin serve）；被替换的数据库先另存到数据目录的 backups/"

    def add_arguments(self, parser):
        parser.add_argument("source", help="fupin backup 写出的备份文件")
        parser.add_argument("--yes", action="store_true", help="不再询问，直接恢复")

    def handle(self, *args, source: str, yes: bool, **options):
        if not yes:
            answer = input("恢复会用备份替换当前数据库中的全部数据。请先停止 fupin serve。继续吗？[y/N] ")
            if answer.strip().lower() not in ("y", "yes", "是"):
                raise CommandError("已取消")
        try:
            saved = backup.restore(Path(source))
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"已从 {source} 恢复。原来的数据库另存为 {saved.path}")
        self.stdout.write("恢复已记入审计记录，并写入新的锚点")
