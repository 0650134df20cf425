"""The upload gate: size, zip bombs (declared and real), XML entity declarations, images, and its use
by the exchange web import and the `fupin import` command."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from PIL import Image

from fupin.core import uploads
from fupin.core.uploads import UploadRefused, check_upload
from fupin.exchange.models import ImportJob
from fupin.registry.models import Household

from ..exchange.helpers import registry_sheets, write_workbook

XLSX_KINDS = {"xlsx", "xls", "zip", "csv"}
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"></Types>'
)


def _workbook_zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _bomb(megabytes: int = 600) -> bytes:
    """A workbook whose shared strings inflate to `megabytes` MB, written without holding them."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
        block = b"<si><t>" + b"A" * (1024 * 1024 - 16) + b"</t></si>\n"
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(b'<?xml version="1.0"?><sst>')
            for _ in range(megabytes):
                part.write(block)
            part.write(b"</sst>")
    return buffer.getvalue()


def _upload(data: bytes, name: str = "registry.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def test_a_workbook_inflating_to_600_mb_is_refused_with_little_memory():
    bomb = _bomb(600)
    assert len(bomb) < 1024 * 1024  # about 0.6 MB on disk
    tracemalloc.start()
    try:
        with pytest.raises(UploadRefused) as refused:
            check_upload(_upload(bomb), kinds=XLSX_KINDS)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert refused.value.code in ("zip_ratio", "zip_size")
    assert "压缩炸弹" in refused.value.message or "解压后超过" in refused.value.message
    assert peak < 20 * 1024 * 1024


def test_a_bomb_whose_headers_lie_is_caught_while_inflating(settings):
    """The central directory claims a small part; inflating it shows the truth (bounded reads)."""
    settings.FUPIN_UPLOAD_MAX_INFLATED_BYTES = 50 * 1024 * 1024
    data = bytearray(_bomb(60))
    # Rewrite the declared uncompressed size of the shared strings in the central directory to 1 KB.
    central = data.rfind(b"PK\x01\x02", 0, data.rfind(b"xl/sharedStrings.xml"))
    assert zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/sharedStrings.xml").file_size > 60 * 1024 * 1024
    data[central + 24 : central + 28] = (1024).to_bytes(4, "little")
    assert zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/sharedStrings.xml").file_size == 1024
    tracemalloc.start()
    try:
        with pytest.raises(UploadRefused) as refused:
            check_upload(_upload(bytes(data)), kinds=XLSX_KINDS)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert refused.value.code in ("bad_zip", "zip_ratio", "zip_size")
    assert peak < 20 * 1024 * 1024


@pytest.mark.parametrize(
    "xml",
    [
        b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">]><sst>&lol;</sst>',
        b'<?xml version="1.0"?><!-- padding -->\n<!DOCTYPE x SYSTEM "file:///etc/passwd"><sst/>',
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]><sst/>'.encode("utf-16"),
        b'<?xml version="1.0"?><sst><![CDATA[ ]]><!ENTITY late "x"></sst>',
    ],
)
def test_xml_entity_declarations_are_refused(xml):
    with pytest.raises(UploadRefused) as refused:
        check_upload(_upload(_workbook_zip({"xl/sharedStrings.xml": xml})), kinds=XLSX_KINDS)
    assert refused.value.code == "xml_entity"
    assert "DOCTYPE/ENTITY" in refused.value.message and "sharedStrings.xml" in refused.value.message


def test_a_real_workbook_passes_and_is_called_xlsx(tmp_path):
    path = write_workbook(tmp_path / "ok.xlsx", registry_sheets(2))
    assert check_upload(_upload(path.read_bytes()), kinds=XLSX_KINDS) == "xlsx"
    assert uploads.check_path(path, kinds=XLSX_KINDS) == "xlsx"


def test_the_size_limit(settings):
    settings.FUPIN_UPLOAD_MAX_BYTES = 1024
    with pytest.raises(UploadRefused) as refused:
        check_upload(_upload(b"a,b\n" * 1000, "户.csv"), kinds=XLSX_KINDS)
    assert refused.value.code == "too_large" and "1 KB" in refused.value.message


def test_wrong_kind_and_empty_files():
    with pytest.raises(UploadRefused) as refused:
        check_upload(_upload(b"%PDF-1.4 ..."), kinds=XLSX_KINDS)
    assert refused.value.code == "wrong_kind"
    with pytest.raises(UploadRefused) as refused:
        check_upload(_upload(b""), kinds=XLSX_KINDS)
    assert refused.value.code == "empty_file"


def _png(width: int = 8, height: int = 8) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def test_images_are_verified_and_bounded(settings):
    assert check_upload(_upload(_png(), "visit.png"), kinds={"image"}) == "image"
    broken = _png()[:40] + b"\x00" * 40
    with pytest.raises(UploadRefused) as refused:
        check_upload(_upload(broken, "visit.png"), kinds={"image"})
    assert refused.value.code == "bad_image"
    settings.FUPIN_UPLOAD_MAX_IMAGE_PIXELS = 1000
    with pytest.raises(UploadRefused) as refused:
        check_upload(_upload(_png(100, 100), "big.png"), kinds={"image"})
    assert refused.value.code == "image_pixels"
    settings.FUPIN_UPLOAD_MAX_IMAGE_BYTES = 40
    with pytest.raises(UploadRefused) as refused:
        check_upload(_upload(_png(), "visit.png"), kinds={"image"})
    assert refused.value.code == "too_large"
    with pytest.raises(UploadRefused):
        check_upload(_upload(_png(), "visit.png"), kinds={"xlsx"})


# -- wired into the exchange import ------------------------------------------------------------------


def _login(client, users, name="town"):
    client.force_login(users[name])


@pytest.mark.django_db
def test_web_import_refuses_a_bomb_before_any_job(client, users, settings, tmp_path):
    settings.EXCHANGE_RUN_INLINE = True
    _login(client, users)
    bomb = SimpleUploadedFile("registry.xlsx", _bomb(300))
    response = client.post(reverse("exchange:import"), {"files": bomb})
    assert response.status_code == 200
    page = response.content.decode()
    assert "registry.xlsx" in page and "压缩炸弹" in page
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_web_import_stops_storing_an_oversized_file(client, users, settings):
    settings.FUPIN_UPLOAD_MAX_BYTES = 300 * 1024
    _login(client, users)
    big = SimpleUploadedFile("户.csv", b"x" * (400 * 1024))
    page = client.post(reverse("exchange:import"), {"files": big}).content.decode()
    assert "文件“户.csv”超过 300 KB 的上限，已拒绝" in page
    assert not ImportJob.objects.exists()


def _gbk_csv_files() -> list[SimpleUploadedFile]:
    sheets = registry_sheets(2)
    files = []
    for name, rows in sheets.items():
        header = list(rows[0]) if rows else []
        from fupin.exchange.schema import SHEET_BY_NAME

        header = SHEET_BY_NAME[name].headers
        lines = [",".join(header)]
        for row in rows:
            lines.append(",".join("" if row.get(h) is None else str(row.get(h)) for h in header))
        files.append(SimpleUploadedFile(f"{name}.csv", ("\r\n".join(lines) + "\r\n").encode("gbk")))
    return files


@pytest.mark.django_db
def test_a_gbk_csv_upload_imports_on_the_web(client, users, settings, areas):
    settings.EXCHANGE_RUN_INLINE = True
    _login(client, users)
    files = [f for f in _gbk_csv_files() if f.name != "村.csv"]
    response = client.post(reverse("exchange:import"), {"files": files})
    job = ImportJob.objects.get()
    assert response.status_code == 302, response.content.decode()[:2000]
    assert job.status == ImportJob.Status.SUCCEEDED, (job.message, job.errors[:3])
    assert Household.objects.count() == 2
    assert set(Household.objects.values_list("members__name", flat=True)) >= {"户主1", "配偶1"}


def test_the_cli_import_refuses_with_a_chinese_message_and_exit_1(tmp_path, db):
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(_bomb(300))
    with pytest.raises(CommandError) as refused:
        call_command("import", "registry", str(path), verbosity=0)
    assert refused.value.returncode == 1
    assert str(refused.value).startswith("已拒绝该文件") and "压缩炸弹" in str(refused.value)
    entity = tmp_path / "entity.xlsx"
    entity.write_bytes(_workbook_zip({"xl/sharedStrings.xml": b"<!DOCTYPE x [<!ENTITY a 'b'>]><sst/>"}))
    with pytest.raises(CommandError, match="DOCTYPE/ENTITY"):
        call_command("import", "registry", str(entity), verbosity=0)
    assert Path(path).exists()
