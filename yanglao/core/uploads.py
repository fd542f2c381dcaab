"""Checks every uploaded file passes before anything reads it.

A spreadsheet must be what its name says (the first bytes of an .xlsx are a zip's, of
an .xls an OLE file's, a .csv is text), no bigger than the limit, and, when it is a zip
(.xlsx, .xlsm, .ods), no zip bomb: the members' uncompressed sizes and their ratio to
the compressed sizes are checked from the directory, then every member is inflated in
a stream, counting bytes, so a directory that lies about sizes is caught too, before
python-calamine (which inflates in memory) or the elder importer sees the file.

Every refusal is a ``ValidationFailed`` naming the form or API field, in Chinese.
"""

from __future__ import annotations

import io
import zipfile
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

from .errors import ValidationFailed

SHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
ZIP_SUFFIXES = (".xlsx", ".xlsm", ".ods")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# A real sheet's XML compresses 5 to 30 times; a zip bomb thousands of times. Members
# smaller than RATIO_FLOOR are not judged by ratio (tiny repetitive parts compress well).
MAX_RATIO = 200
RATIO_FLOOR = 1024 * 1024
MAX_MEMBERS = 2000
INFLATE_CHUNK = 1024 * 1024


def sheet_max_bytes() -> int:
    return getattr(settings, "YANGLAO_SHEET_MAX_BYTES", 50 * 1024 * 1024)


def unzipped_max_bytes(max_bytes: int) -> int:
    """What a sheet of ``max_bytes`` may inflate to, all members together."""
    return max(64 * 1024 * 1024, max_bytes * 20)


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):g}"


def _refuse(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(fields={field: [message]})


def _size_of(handle: IO[bytes]) -> int:
    size = getattr(handle, "size", None)
    if size is not None:
        return int(size)
    at = handle.tell()
    handle.seek(0, io.SEEK_END)
    size = handle.tell()
    handle.seek(at)
    return size


def check_size(handle: IO[bytes], *, field: str, max_bytes: int | None) -> int:
    size = _size_of(handle)
    if size == 0:
        raise _refuse(field, _("文件是空的"))
    if max_bytes is not None and size > max_bytes:
        raise _refuse(
            field,
            _("文件过大（%(size)s MB，最大 %(max)s MB），请分成几个文件上传")
            % {"size": f"{size / (1024 * 1024):.1f}", "max": _mb(max_bytes)},
        )
    return size


def check_zip(handle: IO[bytes], *, field: str, max_total: int, inflate: bool = True) -> None:
    """Refuse a corrupt zip or a zip bomb; ``handle`` is left at its start.

    ``inflate=False`` trusts the directory's sizes (a quick look for a page that hands
    a large file to a background job, which then calls this again with inflate)."""
    handle.seek(0)
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        handle.seek(0)
        raise _refuse(field, _("文件已损坏，无法作为表格读取，请重新保存后上传")) from None
    bomb = _refuse(
        field,
        _("文件解压后过大（超过 %(max)s MB）或压缩比异常，疑为压缩炸弹，已拒绝")
        % {"max": _mb(max_total)},
    )
    try:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise bomb
        declared = 0
        for info in members:
            declared += info.file_size
            if declared > max_total:
                raise bomb
            if info.file_size > RATIO_FLOOR and (
                info.file_size > MAX_RATIO * max(info.compress_size, 1)
            ):
                raise bomb
        inflated = 0
        for info in members if inflate else ():
            if info.is_dir():
                continue
            read = 0
            with archive.open(info) as member:
                while chunk := member.read(INFLATE_CHUNK):
                    read += len(chunk)
                    inflated += len(chunk)
                    if read > info.file_size or inflated > max_total:
                        raise bomb
    except ValidationFailed:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        raise _refuse(field, _("文件已损坏，无法作为表格读取，请重新保存后上传")) from None
    except NotImplementedError:  # an encryption or compression method zipfile lacks
        raise _refuse(field, _("文件已加密或使用了不支持的压缩方式，请另存为普通 .xlsx")) from None
    finally:
        archive.close()
        handle.seek(0)


def check_sheet(
    handle: IO[bytes],
    filename: str,
    *,
    field: str = "file",
    max_bytes: int | None = -1,
    inflate: bool = True,
) -> None:
    """Everything about an uploaded spreadsheet that can be told without parsing it.

    ``max_bytes=-1`` takes the ``YANGLAO_SHEET_MAX_MB`` setting; ``None`` sets no limit
    (the command line)."""
    if max_bytes == -1:
        max_bytes = sheet_max_bytes()
    name = (filename or "").lower()
    if not name.endswith(SHEET_SUFFIXES):
        raise _refuse(field, _("只接受 .xlsx、.xls、.ods 或 .csv 文件"))
    check_size(handle, field=field, max_bytes=max_bytes)
    handle.seek(0)
    head = handle.read(4096)
    handle.seek(0)
    wrong = _("文件内容与扩展名不符（不是有效的 %(kind)s 文件），请用 Excel 另存后上传")
    if name.endswith(ZIP_SUFFIXES):
        if not head.startswith(ZIP_MAGIC):
            raise _refuse(field, wrong % {"kind": name.rsplit(".", 1)[-1]})
        limit = unzipped_max_bytes(max_bytes or sheet_max_bytes())
        check_zip(handle, field=field, max_total=limit, inflate=inflate)
    elif name.endswith(".xls"):
        if not head.startswith(OLE_MAGIC):
            raise _refuse(field, wrong % {"kind": "xls"})
    elif b"\x00" in head or head.startswith((ZIP_MAGIC, OLE_MAGIC)):
        raise _refuse(field, wrong % {"kind": "csv"})


JPEG_MAGIC = b"\xff\xd8"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _jpeg_sound(data: bytes) -> bool:
    """The segments from SOI to the start of scan have sound lengths, and an end-of-image
    marker follows the scan (a phone's trailer after it, a motion photo's video, is fine)."""
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return False
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            at += 2
            continue
        length = int.from_bytes(data[at + 2 : at + 4], "big")
        if length < 2 or at + 2 + length > len(data):
            return False
        if marker == 0xDA:  # start of scan: the entropy-coded data, then EOI
            return data.find(b"\xff\xd9", at + 2 + length) >= 0
        at += 2 + length
    return False


def _png_sound(data: bytes) -> bool:
    """Every chunk's length and CRC hold, from IHDR to IEND."""
    import zlib

    at = len(PNG_MAGIC)
    first = True
    while at + 12 <= len(data):
        length = int.from_bytes(data[at : at + 4], "big")
        kind = data[at + 4 : at + 8]
        end = at + 12 + length
        if end > len(data) or (first and kind != b"IHDR"):
            return False
        crc = int.from_bytes(data[end - 4 : end], "big")
        if zlib.crc32(data[at + 4 : end - 4]) != crc:
            return False
        if kind == b"IEND":
            return True
        first = False
        at = end
    return False


def image_ok(handle: IO[bytes], *, max_bytes: int) -> bool:
    """A whole JPEG or PNG (told by its bytes and structure, not its name or the type the
    browser claims) of at most ``max_bytes``; the handle is left at its start."""
    size = _size_of(handle)
    if size == 0 or size > max_bytes:
        return False
    handle.seek(0)
    data = handle.read()
    handle.seek(0)
    if data.startswith(PNG_MAGIC):
        return _png_sound(data)
    if data.startswith(JPEG_MAGIC):
        return _jpeg_sound(data)
    return False
