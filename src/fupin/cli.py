"""The `fupin` console script: Django's management commands under one name."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")
    if sys.argv[1:2] in (["serve"], ["worker"]):
        os.environ["FUPIN_DEBUG"] = "0"  # the real server and its worker never run in debug mode
    from django.core.management import execute_from_command_line

    execute_from_command_line(["fupin", *sys.argv[1:]])


if __name__ == "__main__":
    main()
