"""Reading the registry workbook: .xlsx and .xls through python-calamine, or the CSV variant.

Rows come out one at a time as (worksheet row number, cell values) — the header is a row like the
others — so the pipeline holds one chunk of Python objects at a time, never the whole file. A cell
keeps the type the workbook gave it (a number stays a float), so an ID number typed as a number is
seen as such and rejected instead of being turned back into text with its lost digits.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import python_calamine

from .schema import SHEET_BY_NAME

XLSX_MARKERS = ("[Content_Types].xml", "xl/workbook.xml")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class NotAWorkbook(Exception):
    """The file is neither a workbook nor the CSV variant; `code` is not_a_workbook or empty_file."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class Source:
    """An opened workbook: its sheet names and, per sheet, the rows."""

    sheet_names: list[str]

    def rows(self, name: str) -> Iterator[tuple[int, list]]:
        raise NotImplementedError

    def column_offset(self, name: str) -> int:
        """Index of the worksheet column the first value of a row comes from (0 = column A)."""
        return 0

    def close(self) -> None:
        pass


class CalamineSource(Source):
    def __init__(self, path: Path):
        try:
            self.book = python_calamine.CalamineWorkbook.from_path(str(path))
        except Exception as exc:  # calamine raises several types for a damaged or foreign file
            raise NotAWorkbook(
                "not_a_workbook", f"无法读取该工作簿：{exc}；请用 Excel 另存为 .xlsx 后再上传"
            ) from exc
        self.sheet_names = list(self.book.sheet_names)
        self._offsets: dict[str, int] = {}

    def rows(self, name: str) -> Iterator[tuple[int, list]]:
        sheet = self.book.get_sheet_by_name(name)
        start = sheet.start
        self._offsets[name] = start[1] if start else 0
        # calamine yields from the sheet's first row, so the index is the worksheet's row number.
        yield from enumerate(sheet.iter_rows(), start=1)

    def column_offset(self, name: str) -> int:
        return self._offsets.get(name, 0)

    def close(self) -> None:
        self.book.close()


def csv_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM) when the sample decodes as such, else GB18030.

    Excel on a Chinese Windows saves “CSV (逗号分隔)” in GBK, of which GB18030 is the superset; the
    header row alone (Chinese column names) tells the two apart.
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8-sig"


class CsvSource(Source):
    """One CSV file per sheet (村.csv …), from a folder, a zip, or a single file; UTF-8 or GBK/GB18030."""

    SAMPLE = 64 * 1024

    def __init__(self, opener: dict[str, object]):
        self.opener = opener
        self.sheet_names = list(opener)

    def rows(self, name: str) -> Iterator[tuple[int, list]]:
        with self.opener[name]() as probe:  # type: ignore[operator]
            encoding = csv_encoding(probe.read(self.SAMPLE))
        binary = self.opener[name]()  # type: ignore[operator]
        with io.TextIOWrapper(binary, encoding=encoding, newline="") as text:
            yield from enumerate(csv.reader(text), start=1)


def _csv_sheets(names: list[str]) -> dict[str, str]:
    """Sheet name → member name for the CSV files among `names` (村.csv → 村)."""
    result = {}
    for name in names:
        stem = Path(name).name
        if stem.lower().endswith(".csv") and not stem.startswith(("._", "~$")):
            result[stem[:-4]] = name
    return result


def open_source(path: Path) -> Source:
    """Open a workbook or the CSV variant; raises NotAWorkbook."""
    path = Path(path)
    if path.is_dir():
        sheets = _csv_sheets([p.name for p in sorted(path.iterdir())])
        if not sheets:
            raise NotAWorkbook(
                "not_a_workbook", "该文件夹中没有 CSV 文件（应为 村.csv、户.csv、成员.csv、收入.csv）"
            )
        return CsvSource({sheet: (lambda p=path / member: open(p, "rb")) for sheet, member in sheets.items()})
    size = path.stat().st_size
    if size == 0:
        raise NotAWorkbook("empty_file", "文件是空的（0字节），请选择填好的工作簿")
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head.startswith(b"PK"):
        try:
            archive = zipfile.ZipFile(path)
            names = archive.namelist()
        except zipfile.BadZipFile as exc:
            raise NotAWorkbook(
                "not_a_workbook", "文件已损坏，无法打开；请用 Excel 另存为 .xlsx 后再上传"
            ) from exc
        if any(marker in names for marker in XLSX_MARKERS):
            archive.close()
            return CalamineSource(path)
        sheets = _csv_sheets(names)
        if not sheets:
            raise NotAWorkbook(
                "not_a_workbook",
                "压缩包中既没有工作簿也没有 CSV 文件（应为 村.csv、户.csv、成员.csv、收入.csv）",
            )
        return CsvSource({sheet: (lambda m=member: archive.open(m)) for sheet, member in sheets.items()})
    if head.startswith(OLE_MAGIC):
        return CalamineSource(path)
    if path.suffix.lower() == ".csv" and path.stem in SHEET_BY_NAME:
        return CsvSource({path.stem: lambda: open(path, "rb")})
    raise NotAWorkbook(
        "not_a_workbook",
        "该文件不是 Excel 工作簿（.xlsx/.xls），也不是按模板命名的 CSV 文件；请使用系统提供的模板",
    )


def digest(path: Path) -> str:
    """SHA-256 of the file (of the CSV files in name order for a folder), for the audit trail."""
    path = Path(path)
    sha = hashlib.sha256()
    files = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
    for file in files:
        with open(file, "rb") as handle:
            for block in iter(lambda h=handle: h.read(1 << 20), b""):
                sha.update(block)
    return sha.hexdigest()
