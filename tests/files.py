"""Files for upload tests: good ones, and every kind of bad one.

``png()``/``jpeg()`` are whole, tiny pictures; ``xlsx(rows)`` a real workbook written with
openpyxl; ``zip_bomb()`` an .xlsx-named zip whose sheet inflates to far more than any
limit; ``lying_zip()`` one whose directory under-states its member's size; ``truncated``
cuts a file short; ``renamed_exe`` is a Windows program named like a picture or a sheet.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png() -> bytes:
    """A 1×1 PNG."""
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + _chunk(b"IEND", b"")
    )


def jpeg() -> bytes:
    """A JPEG's structure: SOI, a JFIF segment, a start of scan, scan bytes, EOI."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sos = b"\x01\x01\x00\x00\x3f\x00"
    return (
        b"\xff\xd8"
        + b"\xff\xe0"
        + struct.pack(">H", len(app0) + 2)
        + app0
        + b"\xff\xda"
        + struct.pack(">H", len(sos) + 2)
        + sos
        + b"\x12\x34\x56\x78" * 16
        + b"\xff\xd9"
    )


def truncated(data: bytes, keep: float = 0.6) -> bytes:
    return data[: max(1, int(len(data) * keep))]


renamed_exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 240


def xlsx(rows: list[list]) -> bytes:
    """A workbook of ``rows``; every str is a text cell, even one starting with "="
    (openpyxl would otherwise write it as a formula)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for line in sheet.iter_rows():
        for cell in line:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xlsx_with_formula(rows: list[list], formula_cell: str, formula: str) -> bytes:
    """A workbook whose ``formula_cell`` holds a real formula (not text)."""
    from openpyxl import load_workbook

    data = xlsx(rows)
    workbook = load_workbook(io.BytesIO(data))
    workbook.active[formula_cell] = formula
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def zip_bomb(inflated_mb: int = 200) -> bytes:
    """A zip (named .xlsx by the caller) with a real workbook's parts and a sheet of
    ``inflated_mb`` MB of one repeated byte: about 0.1% of that on the wire."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            block = b" " * (1024 * 1024)
            for _ in range(inflated_mb):
                member.write(block)
    return out.getvalue()


def lying_zip(real_mb: int = 80) -> bytes:
    """A zip whose directory says its member is tiny while it inflates to ``real_mb`` MB
    (the sizes in both headers rewritten after the fact)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<" * (real_mb * 1024 * 1024))
    data = bytearray(out.getvalue())
    real = (real_mb * 1024 * 1024).to_bytes(4, "little")
    fake = (1000).to_bytes(4, "little")
    at = 0
    while (at := data.find(real, at)) >= 0:  # local header and central directory
        data[at : at + 4] = fake
        at += 4
    return bytes(data)
