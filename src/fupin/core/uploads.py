"""The one gate every upload passes before anything parses it (issue 7: "Every upload is size- and
bomb-checked").

`check_upload(file, kinds=...)` returns the kind of the file ("xlsx", "xls", "csv", "zip", "image",
"pdf") or raises `UploadRefused` with a Chinese message for the user. It checks the declared size against
`settings.FUPIN_UPLOAD_MAX_BYTES`, that the content matches an allowed kind (magic bytes, not the file
name), and for zip containers (.xlsx, .docx, .zip) the inflated size and ratio of every member and in all
before a parser sees them. Apps call it in their forms or views; they never open an upload themselves first.
"""

from __future__ import annotations

import zipfile
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (BIFF in an OLE container)
IMAGE_MAGIC = {b"\xff\xd8\xff": "jpeg", b"\x89PNG\r\n\x1a\n": "png", b"GIF8": "gif", b"RIFF": "webp"}
PDF_MAGIC = b"%PDF-"


class UploadRefused(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def sniff(head: bytes) -> str | None:
    """The kind of a file from its first bytes; None when it is none of the known kinds."""
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head.startswith(OLE_MAGIC):
        return "xls"
    if head.startswith(PDF_MAGIC):
        return "pdf"
    for magic in IMAGE_MAGIC:
        if head.startswith(magic):
            return "image"
    if b"\x00" not in head:
        return "csv"
    return None


def check_zip(handle: IO[bytes]) -> None:
    """Refuse a zip container whose members would inflate beyond the limits (a zip bomb)."""
    total_limit = _setting("FUPIN_UPLOAD_MAX_INFLATED_BYTES", 500 * 1024 * 1024)
    ratio_limit = _setting("FUPIN_UPLOAD_MAX_RATIO", 200)
    try:
        archive = zipfile.ZipFile(handle)
    except zipfile.BadZipFile as exc:
        raise UploadRefused("bad_zip", _("文件已损坏，无法读取（不是有效的 Excel/压缩文件）")) from exc
    total = 0
    for info in archive.infolist():
        total += info.file_size
        if info.file_size > 1024 * 1024 and info.file_size > ratio_limit * max(info.compress_size, 1):
            raise UploadRefused(
                "zip_ratio",
                _("文件中的“%(name)s”解压后异常膨胀，已拒绝（疑似压缩炸弹）") % {"name": info.filename},
            )
        if total > total_limit:
            raise UploadRefused(
                "zip_size",
                _("文件解压后超过 %(mb)d MB，已拒绝；请拆分后再上传") % {"mb": total_limit // (1024 * 1024)},
            )


def check_upload(upload, *, kinds: set[str]) -> str:
    """Check an uploaded file (a Django UploadedFile or any object with `.size` and `.open()`/`.seek()`).

    `kinds` names what the caller accepts: "xlsx" (also "docx"/"zip" containers), "xls", "csv", "image",
    "pdf". Returns the kind found. The file is left at position 0.
    """
    limit = _setting("FUPIN_UPLOAD_MAX_BYTES", 50 * 1024 * 1024)
    if upload.size is not None and upload.size > limit:
        raise UploadRefused(
            "too_large", _("文件超过 %(mb)d MB 的上限，已拒绝") % {"mb": limit // (1024 * 1024)}
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    kind = sniff(head)
    if kind == "zip":
        check_zip(upload)
        upload.seek(0)
        kind = "xlsx" if "xlsx" in kinds else "zip"
    if kind is None or kind not in kinds:
        raise UploadRefused(
            "wrong_kind", _("文件类型不符，请上传：%(kinds)s") % {"kinds": "、".join(sorted(kinds))}
        )
    return kind
