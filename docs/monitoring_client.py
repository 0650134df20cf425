#!/usr/bin/env python3
"""Example client of the 民政 interchange API (docs/monitoring.md). Standard library only.

    python monitoring_client.py push   URL SYSTEM 低保名单.csv 2017-06-30
    python monitoring_client.py status URL SYSTEM 441882196203050011 441882197001200112

The key is read from the environment variable FUPIN_INTERCHANGE_KEY (never from the command line, where
it would stay in the shell history). The CSV has the columns 姓名, 证件号码, 类别 (低保/特困), 开始日期,
in UTF-8 or GBK.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import urllib.error
import urllib.request


def call(url: str, body: dict) -> dict:
    request = urllib.request.Request(
        url,
        data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        headers={
            "Authorization": f"Interchange {os.environ['FUPIN_INTERCHANGE_KEY']}",
            "Content-Type": "application/json",
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        sys.exit(f"{error.code}: {error.read().decode('utf-8', 'replace')}")


def read_rows(path: str) -> list[dict]:
    data = open(path, "rb").read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030")
    return [
        {"name": r["姓名"], "id_number": r["证件号码"], "category": r["类别"], "start_date": r["开始日期"]}
        for r in csv.DictReader(io.StringIO(text))
    ]


def main(argv: list[str]) -> None:
    if len(argv) < 4:
        sys.exit(__doc__)
    action, base, system = argv[1], argv[2].rstrip("/"), argv[3]
    if action == "push":
        result = call(f"{base}/api/v1/interchange/{system}/civil-list/", {"list_date": argv[5], "rows": read_rows(argv[4])})
        print(f"名单 {result['list_id']}：导入 {result['rows_loaded']} 行，{'新名单' if result['created'] else '与上次相同，未改动'}")
        for item in result["skipped"]:
            print(f"  第{item['row']}行 [{item['code']}] {item['message']}")
    elif action == "status":
        for item in call(f"{base}/api/v1/interchange/{system}/status/", {"id_numbers": argv[4:]})["results"]:
            print(json.dumps(item, ensure_ascii=False))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
