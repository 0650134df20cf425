"""The one gate every upload passes before anything parses it (issue 7: "Every upload is size- and
bomb-checked").

`check_upload(file, kinds=...)` returns the kind of the file ("xlsx", "docx", "zip", "xls", "csv",
"image", "pdf") or raises `UploadRefused` with a Chinese message for the user. It checks

- the size against `settings.FUPIN_UPLOAD_MAX_BYTES` (images: `FUPIN_UPLOAD_MAX_IMAGE_BYTES`);
- that the content is an allowed kind (magic bytes and, for a zip, its parts — not the file name);
- for zip containers (.xlsx, .docx, .zip): the number of parts, and the inflated size and ratio of every
  part and of all together — first as the archive declares them (a bomb with honest headers is refused
  before a byte is inflated), then by inflating every part in small chunks, counting, and letting the
  CRC catch a part longer than declared; memory stays at one chunk whatever the file;
- in every XML part: no DOCTYPE or ENTITY declaration (entity expansion, external entities), found while
  the part streams by, in UTF-8 or UTF-16;
- images: Pillow identifies and verifies the file, a JPEG/PNG/GIF/WebP no larger than
  `FUPIN_UPLOAD_MAX_IMAGE_PIXELS`.

Apps call it in their forms or views, `check_path` in commands; they never open an upload themselves
first. `LimitedUploadHandler` (settings.FILE_UPLOAD_HANDLERS) stops storing a file as soon as it passes
the size limit, so an oversized upload does not fill the disk before the check refuses it.
"""

from __future__ import annotations

import codecs
import zipfile
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.utils.translation import gettext as _

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (BIFF in an OLE container)
IMAGE_MAGIC = {b"\xff\xd8\xff": "jpeg", b"\x89PNG\r\n\x1a\n": "png", b"GIF8": "gif", b"RIFF": "webp"}
IMAGE_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
PDF_MAGIC = b"%PDF-"
XML_SUFFIXES = (".xml", ".rels", ".vml")
DECLARATIONS = ("<!DOCTYPE", "<!ENTITY")
CHUNK = 256 * 1024
MAX_PARTS = 10_000
MB = 1024 * 1024


class UploadRefused(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def human_size(n: int) -> str:
    return f"{n // MB} MB" if n >= MB else f"{max(n // 1024, 1)} KB"


def max_bytes() -> int:
    return _setting("FUPIN_UPLOAD_MAX_BYTES", 50 * MB)


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


# -- zip containers ---------------------------------------------------------------------------------


def _too_big(total_limit: int) -> UploadRefused:
    return UploadRefused(
        "zip_size", _("文件解压后超过 %(size)s，已拒绝；请拆分后再上传") % {"size": human_size(total_limit)}
    )


def _inflates(name: str) -> UploadRefused:
    return UploadRefused(
        "zip_ratio", _("文件中的“%(name)s”解压后异常膨胀，已拒绝（疑似压缩炸弹）") % {"name": name[:80]}
    )


def _declared(name: str) -> UploadRefused:
    return UploadRefused(
        "xml_entity",
        _(
            "文件中的“%(name)s”含有 XML 实体声明（DOCTYPE/ENTITY），已拒绝；请用 Excel 重新另存为 .xlsx 后再上传"
        )
        % {"name": name[:80]},
    )


class _DeclarationScanner:
    """Finds `<!DOCTYPE` or `<!ENTITY` in a part fed chunk by chunk (UTF-8, or UTF-16 by its BOM)."""

    BYTES = tuple(d.encode("ascii") for d in DECLARATIONS)

    def __init__(self, name: str):
        self.name = name
        self.decoder: codecs.IncrementalDecoder | None = None
        self.started = False
        self.tail: bytes | str = b""
        self.keep = max(len(d) for d in DECLARATIONS) - 1

    def feed(self, chunk: bytes) -> None:
        if not self.started:
            self.started = True
            if chunk[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) or chunk[1:2] == b"\x00":
                self.decoder = codecs.getincrementaldecoder("utf-16")(errors="replace")
                self.tail = ""
        if self.decoder is None:
            window: bytes | str = self.tail + chunk  # type: ignore[operator]
            found = any(d in window for d in self.BYTES)  # type: ignore[operator]
        else:
            window = self.tail + self.decoder.decode(chunk)  # type: ignore[operator]
            found = any(d in window for d in DECLARATIONS)  # type: ignore[operator]
        if found:
            raise _declared(self.name)
        self.tail = window[-self.keep :]


def check_zip(handle: IO[bytes]) -> list[str]:
    """Refuse a zip container that would inflate beyond the limits (a zip bomb) or whose XML parts
    declare entities; returns the names of its parts."""
    total_limit = _setting("FUPIN_UPLOAD_MAX_INFLATED_BYTES", 500 * MB)
    ratio_limit = _setting("FUPIN_UPLOAD_MAX_RATIO", 200)
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UploadRefused("bad_zip", _("文件已损坏，无法读取（不是有效的 Excel/压缩文件）")) from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_PARTS:
            raise UploadRefused("zip_parts", _("压缩文件中的文件数超过 %(n)d 个，已拒绝") % {"n": MAX_PARTS})
        # What the archive declares: refused before anything is inflated.
        total = 0
        for info in infos:
            total += info.file_size
            if info.file_size > MB and info.file_size > ratio_limit * max(info.compress_size, 1):
                raise _inflates(info.filename)
            if total > total_limit:
                raise _too_big(total_limit)
        # What it really inflates to: zipfile stops at the declared size and checks the CRC.
        inflated = 0
        for info in infos:
            if info.is_dir():
                continue
            scanner = _DeclarationScanner(info.filename)
            scan = info.filename.lower().endswith(XML_SUFFIXES)
            part = 0
            try:
                with archive.open(info) as stream:
                    while chunk := stream.read(CHUNK):
                        part += len(chunk)
                        inflated += len(chunk)
                        if inflated > total_limit:
                            raise _too_big(total_limit)
                        if part > MB and part > ratio_limit * max(info.compress_size, 1):
                            raise _inflates(info.filename)
                        if scan or (part == len(chunk) and chunk.lstrip()[:5] == b"<?xml"):
                            scan = True
                            scanner.feed(chunk)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError) as exc:
                # A bad CRC (a part longer than declared), an unknown compression or encryption.
                raise UploadRefused(
                    "bad_zip", _("文件已损坏或已加密，无法读取；请用 Excel 另存为 .xlsx 后再上传")
                ) from exc
        return [info.filename for info in infos]


def _container_kind(names: list[str]) -> str:
    if "xl/workbook.xml" in names or (
        "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names)
    ):
        return "xlsx"
    if "word/document.xml" in names:
        return "docx"
    return "zip"


# -- images -------------------------------------------------------------------------------------------


def check_image(upload) -> None:
    from PIL import Image, UnidentifiedImageError

    byte_limit = _setting("FUPIN_UPLOAD_MAX_IMAGE_BYTES", 10 * MB)
    pixel_limit = _setting("FUPIN_UPLOAD_MAX_IMAGE_PIXELS", 40_000_000)
    if upload.size is not None and upload.size > byte_limit:
        raise UploadRefused(
            "too_large", _("图片超过 %(size)s 的上限，已拒绝") % {"size": human_size(byte_limit)}
        )
    bad = UploadRefused("bad_image", _("图片已损坏或格式不受支持（请上传 JPG、PNG、GIF 或 WebP 图片）"))
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            width, height = image.size
            if image.format not in IMAGE_FORMATS:
                raise bad
            if width * height > pixel_limit:
                raise UploadRefused(
                    "image_pixels",
                    _("图片尺寸 %(w)d×%(h)d 过大（上限 %(mp)d 百万像素），已拒绝")
                    % {"w": width, "h": height, "mp": pixel_limit // 1_000_000},
                )
            image.verify()
    except UploadRefused:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError) as exc:
        raise bad from exc
    finally:
        upload.seek(0)


# -- the gate -----------------------------------------------------------------------------------------


def check_upload(upload, *, kinds: set[str]) -> str:
    """Check an uploaded file (a Django UploadedFile or any object with `.size`, `.read()`, `.seek()`).

    `kinds` names what the caller accepts: "xlsx", "docx", "zip" (a zip of other files, e.g. CSV),
    "xls", "csv", "image", "pdf". Returns the kind found. The file is left at position 0.
    """
    limit = max_bytes()
    if upload.size is not None and upload.size > limit:
        raise UploadRefused("too_large", _("文件超过 %(size)s 的上限，已拒绝") % {"size": human_size(limit)})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not head:
        raise UploadRefused("empty_file", _("文件是空的（0字节），请选择填好的文件"))
    kind = sniff(head)
    if kind == "zip":
        kind = _container_kind(check_zip(upload))
        upload.seek(0)
    if kind is None or kind not in kinds:
        raise UploadRefused(
            "wrong_kind", _("文件类型不符，请上传：%(kinds)s") % {"kinds": "、".join(sorted(kinds))}
        )
    if kind == "image":
        check_image(upload)
    return kind


class _PathUpload:
    """A file on disk with the interface `check_upload` reads."""

    def __init__(self, path: Path):
        self.name = path.name
        self.size = path.stat().st_size
        self._handle = open(path, "rb")  # noqa: SIM115 - closed by check_path

    def __getattr__(self, name: str):
        return getattr(self._handle, name)

    def close(self) -> None:
        self._handle.close()


def check_path(path: Path | str, *, kinds: set[str]) -> str:
    """`check_upload` for a file given on the command line; a folder is checked file by file (CSV)."""
    path = Path(path)
    if path.is_dir():
        for child in sorted(path.iterdir()):
            if child.is_file() and child.suffix.lower() == ".csv":
                check_path(child, kinds={"csv"})
        return "folder"
    upload = _PathUpload(path)
    try:
        return check_upload(upload, kinds=kinds)
    finally:
        upload.close()


class LimitedUploadHandler(FileUploadHandler):
    """Stops storing an uploaded file once it passes `FUPIN_UPLOAD_MAX_BYTES`; the view then finds its
    name in `request.refused_uploads` and says why, instead of the disk filling first."""

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > max_bytes():
            if self.request is not None:
                refused = getattr(self.request, "refused_uploads", [])
                refused.append(self.file_name)
                self.request.refused_uploads = refused
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def refused_message(names: list[str]) -> str:
    return _("文件“%(names)s”超过 %(size)s 的上限，已拒绝") % {
        "names": "、".join(str(n) for n in names),
        "size": human_size(max_bytes()),
    }
