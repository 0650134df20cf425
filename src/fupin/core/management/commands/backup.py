from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fupin.core import backup


class Command(BaseCommand):
    help = "备份数据库到文件（SQLite 在线备份；PostgreSQL 用 pg_dump）。密钥文件请另行备份"

    def add_arguments(self, parser):
        parser.add_argument("out", help="备份文件，例如 D:\\备份\\fupin-20170101.sqlite3")

    def handle(self, *args, out: str, **options):
        try:
            done = backup.backup(Path(out))
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"已备份到 {done.path}（{done.size / 1024 / 1024:.1f} MB）")
        self.stdout.write("提醒：数据目录中的 secret.key 和 audit.key 不在备份中，请另行妥善保存")
