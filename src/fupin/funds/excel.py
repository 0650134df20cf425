"""Excel out (the ledger and allocations workbook, xlsxwriter) and in (the bank's yearly loan figures,
python-calamine or CSV). Uploads are checked by `core.uploads` before anything here opens them."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import python_calamine
import xlsxwriter
from django.utils.translation import gettext as _

from . import codes
from .selectors import Ledger

LOAN_HEADERS = {"年度": "year", "类别": "kind", "编号": "code", "贷款余额": "balance"}


def ledger_workbook(book: Ledger, projects: list, expenses: list) -> bytes:
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    bold = wb.add_format({"bold": True, "bg_color": "#F2DCDB", "border": 1})
    money = wb.add_format({"num_format": "#,##0.00"})
    text = wb.add_format({"num_format": "@"})

    def sheet(name: str, headers: list[str], rows: list[list], money_cols: set[int], text_cols=frozenset()):
        ws = wb.add_worksheet(name)
        ws.write_row(0, 0, headers, bold)
        ws.freeze_panes(1, 0)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                if c in money_cols and value is not None:
                    ws.write_number(r, c, float(value), money)  # display only; the value is exact to the fen
                elif c in text_cols:
                    ws.write_string(r, c, str(value), text)
                else:
                    ws.write(r, c, "" if value is None else value)
        ws.set_column(0, len(headers) - 1, 16)

    headers = [_("编号"), _("名称"), _("下达金额"), _("已拨付"), _("已安排未拨付"), _("结余")]
    for name, lines in (
        (_("按资金来源"), book.by_source),
        (_("按村"), book.by_village),
        (_("按项目类型"), book.by_type),
    ):
        sheet(
            name,
            headers,
            [[x.key, x.label, x.allocated, x.spent, x.committed, x.remaining] for x in lines],
            {2, 3, 4, 5},
            {0},
        )
    sheet(
        _("资金下达"),
        [
            _("年度"),
            _("文号"),
            _("资金来源"),
            _("资金名称"),
            _("下达到"),
            _("下达日期"),
            _("资金用途"),
            _("金额"),
            _("已拨付"),
            _("已安排未拨付"),
            _("结余"),
        ],
        [
            [
                r["allocation"].year,
                r["allocation"].document_no,
                _(codes.SOURCE.label(r["allocation"].source)),
                r["allocation"].title,
                r["allocation"].area_id,
                r["allocation"].allocated_on.isoformat(),
                "、".join(_(codes.PROJECT_TYPE.label(c)) for c in r["allocation"].purpose_codes) or _("不限"),
                r["allocation"].amount,
                r["spent"],
                r["committed"],
                r["remaining"],
            ]
            for r in book.allocations
        ],
        {7, 8, 9, 10},
        {1, 4},
    )
    sheet(
        _("项目"),
        [
            _("项目名称"),
            _("村"),
            _("项目类型"),
            _("状态"),
            _("资金文号"),
            _("预算金额"),
            _("受益人数"),
            _("承建单位"),
            _("合同金额"),
        ],
        [
            [
                p.name,
                p.village_id,
                _(codes.PROJECT_TYPE.label(p.project_type)),
                _(codes.PROJECT_STATUS.label(p.status)),
                p.allocation.document_no,
                p.budget,
                p.beneficiaries,
                p.contractor,
                p.contract_amount,
            ]
            for p in projects
        ],
        {5, 8},
        {1, 4},
    )
    sheet(
        _("拨付明细"),
        [
            _("拨付日期"),
            _("资金文号"),
            _("村"),
            _("项目"),
            _("户编号"),
            _("用途"),
            _("收款方"),
            _("凭证号"),
            _("金额"),
        ],
        [
            [
                e.paid_on.isoformat(),
                e.allocation.document_no,
                e.village_id,
                e.project.name if e.project else "",
                e.household.household_no if e.household else "",
                _(codes.PROJECT_TYPE.label(e.project_type)),
                e.payee,
                e.voucher_no,
                e.amount,
            ]
            for e in expenses
        ],
        {8},
        {1, 2, 4, 7},
    )
    wb.close()
    return buffer.getvalue()


def read_loan_rows(upload, kind: str) -> list[dict]:
    """Rows of the bank's figures as {year, kind, code, balance} (header row: 年度, 类别, 编号, 贷款余额)."""
    upload.seek(0)
    data = upload.read()
    if kind == "csv":
        try:
            content = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            content = data.decode("gb18030")
        table = list(csv.reader(io.StringIO(content)))
    else:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"loans.{kind}"
            path.write_bytes(data)
            book = python_calamine.CalamineWorkbook.from_path(str(path))
            table = book.get_sheet_by_index(0).to_python()
    if not table:
        return []
    header = [str(h).strip() for h in table[0]]
    missing = [h for h in LOAN_HEADERS if h not in header]
    if missing:
        from .services import FundsError

        raise FundsError(_("缺少列：%(cols)s") % {"cols": "、".join(missing)}, "bad_header")
    index = {LOAN_HEADERS[h]: header.index(h) for h in LOAN_HEADERS}
    rows = []
    for line in table[1:]:
        if not any(str(v).strip() for v in line):
            continue
        row = {}
        for key, i in index.items():
            value = line[i] if i < len(line) else ""
            if isinstance(value, float) and key in ("year", "code") and value.is_integer():
                value = int(value)
            row[key] = (
                str(value).strip()
                if key != "balance"
                else (repr(value) if isinstance(value, float) else str(value))
            )
        rows.append(row)
    return rows
