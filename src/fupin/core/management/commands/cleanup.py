from django.conf import settings
from django.core.management.base import BaseCommand

from fupin.core import retention


class Command(BaseCommand):
    help = "删除超过保留期限（FUPIN_RETENTION_DAYS，默认 30 天）的上传文件、报告和生成的文件"

    def handle(self, *args, **options):
        removed = retention.purge()
        self.stdout.write(
            f"已清理超过 {settings.FUPIN_RETENTION_DAYS} 天的文件：{retention.describe(removed)}"
        )
