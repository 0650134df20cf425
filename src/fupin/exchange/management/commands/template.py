from pathlib import Path

from django.core.management.base import BaseCommand

from fupin.exchange.writer import write_template


class Command(BaseCommand):
    help = "写出空白模板：fupin template registry OUT.xlsx（建档立卡数据表，含下拉列表和填写说明）"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["registry"])
        parser.add_argument("out", type=Path)

    def handle(self, *args, **options):
        write_template(options["out"])
        self.stdout.write(f"模板已写出：{options['out']}")
