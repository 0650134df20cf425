"""Workbooks for the exchange tests, written cell by cell so a test controls every cell's type."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlsxwriter

from fupin.exchange.schema import SHEETS

from ..conftest import VILLAGE_A, make_id_number


def write_workbook(
    path: Path, sheets: dict[str, list[dict]], *, headers: dict[str, list[str]] | None = None
) -> Path:
    """`sheets`: sheet name → rows (header → value). A value keeps its Python type: a float is
    written as an Excel number, a str as text. `headers` overrides a sheet's header row."""
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    for name, rows in sheets.items():
        sheet = next((s for s in SHEETS if s.name == name), None)
        header = (headers or {}).get(name) or (
            sheet.headers if sheet else sorted({k for r in rows for k in r})
        )
        ws = book.add_worksheet(name)
        ws.write_row(0, 0, header)
        for r, row in enumerate(rows, start=1):
            for c, column in enumerate(header):
                value = row.get(column)
                if value is None:
                    continue
                if isinstance(value, bool):
                    ws.write_boolean(r, c, value)
                elif isinstance(value, int | float):
                    ws.write_number(r, c, value)
                elif isinstance(value, dt.date):
                    ws.write_datetime(r, c, value)
                else:
                    ws.write_string(r, c, str(value))
    book.close()
    return path


def household_row(number: str, head_id: str, village: str = VILLAGE_A, **overrides) -> dict:
    row = {
        "户编号": number,
        "行政区划代码": village,
        "村民小组": "一组",
        "户主姓名": "张三",
        "户主证件号码": head_id,
        "贫困户属性": "一般贫困户",
        "主要致贫原因": "因病",
        "其他致贫原因": "缺资金",
        "识别年度": 2016,
        "住房是否安全": "是",
        "饮水是否安全": "否",
        "联系电话": "13800138000",
        "开户银行": "连州农商银行",
        "一卡通账号": "6228480000000000017",
    }
    row.update(overrides)
    return row


def member_row(number: str, id_number: str, relation: str = "户主", name: str = "张三", **overrides) -> dict:
    row = {
        "户编号": number,
        "姓名": name,
        "证件号码": id_number,
        "与户主关系": relation,
        "民族": "瑶族",
        "文化程度": "小学",
        "在校生情况": "非在校生",
        "健康状况": "长期慢性病",
        "劳动能力": "普通劳动力",
        "务工状况": "县外省内务工",
        "务工时间(月)": 6,
        "是否参加基本医疗保险": "是",
        "是否参加养老保险": "否",
        "是否享受低保": "否",
        "是否特困供养": "",
    }
    row.update(overrides)
    return row


def income_row(number: str, year: int = 2016, **overrides) -> dict:
    row = {
        "户编号": number,
        "年度": year,
        "工资性收入": 6000.5,
        "生产经营性收入": 3000,
        "生产经营性支出": "1000.25",
        "财产性收入": 0,
        "转移性收入": 2000,
        "转移性支出": "",
    }
    row.update(overrides)
    return row


def registry_sheets(
    households: int = 3, village: str = VILLAGE_A, prefix: str = "T"
) -> dict[str, list[dict]]:
    """A valid registry: `households` households of a head and a spouse (the last one alone), one
    income year each."""
    result: dict[str, list[dict]] = {"村": [], "户": [], "成员": [], "收入": []}
    for i in range(1, households + 1):
        number = f"{prefix}{i:04d}"
        head = make_id_number()
        result["户"].append(household_row(number, head, village, 户主姓名=f"户主{i}"))
        result["成员"].append(member_row(number, head, name=f"户主{i}"))
        if i < households:
            result["成员"].append(member_row(number, make_id_number(male=False), "配偶", name=f"配偶{i}"))
        result["收入"].append(income_row(number))
    return result


def job_download(client, response) -> bytes:
    """An export page answers with a redirect to its job; the job (run at once in tests) offers the file."""
    from django.urls import reverse

    from fupin.core.models import Job

    assert response.status_code == 302, response.status_code
    job = Job.objects.get(pk=response["Location"].rstrip("/").split("/")[-1])
    assert job.status == "succeeded", job.message
    return b"".join(client.get(reverse("jobs:download", args=[job.pk])).streaming_content)
