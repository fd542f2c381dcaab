"""Elder import (导入老年人档案): an .xlsx or .csv in the columns officers already keep.

ARCHITECTURE.md rule 5: every row is validated first, the good rows are committed
together or not at all, every rejected row comes back with its reason, and running the
same file twice changes nothing. The rules are those of ``services.elder_register``
(ID check character and birth date, 15 digits converted to 18, age 60 or more, a current
region of township level or below inside the uploader's scope, the choices) applied
in bulk, without a model instance per row.

The pipeline, for a file of any size:

1. **Read** the first sheet as a stream. A large .xlsx is read by a small streaming
   reader of the sheet XML (``iter_xlsx``): python-calamine is faster per row but
   holds the whole sheet in memory (about 1.5 GB for a million rows of 17 columns),
   which is the budget of the whole import. Files the streaming reader does not
   understand (a namespace prefix, rich-text cells) and .xls/.ods go to calamine.
2. **Validate and stage** (outside any transaction, so nobody waits): each row is
   checked and turned into the values the database will hold (pinyin from the
   per-character cache, the ID number sealed with ``core.crypto.encrypt`` and indexed
   with ``people.services.id_hash``, the risk level of a new file from the pure
   functions of ``risk``/``categories``). Good rows go to a scratch SQLite file under
   ``VAR_DIR/imports`` (the stage), rejected rows with their reason beside them, so
   memory stays flat whatever the size of the file.
3. **Merge** the stage in ONE transaction: per chunk of staged rows, look up the ID
   numbers already on file by their keyed hash, insert the new people and files with
   ``cursor.executemany`` of prepared tuples (ids allocated up front), reject numbers
   active in a region outside the uploader's scope (the reason names that region,
   like the 409 of the service) and spool the updates of existing files, which are
   applied last; then write one audit event and commit. (On PostgreSQL the inserts go
   through ``COPY``, its bulk path, instead of ``executemany``.)
4. **Large files** (``PARALLEL_MIN_ROWS``) on machines of ``PARALLEL_MIN_CORES`` cores
   or more are checked by forked worker processes while this one reads and stages.

Locking, and the trade-off chosen. The merge is one transaction over the staged rows
only: the slow work (reading, checking, encrypting, pinyin, risk) is done before it
starts. On PostgreSQL, inserting new rows blocks no other writer; updates of existing
files are applied at the very end of the transaction, so their row locks are held for
seconds, not for the length of the import; a colleague registering the same ID number
at that moment waits on the unique index and then gets the usual conflict. We chose
this over merging in separately committed chunks because chunks would break "all or
nothing" (a failure half way would leave half a file). On SQLite, the embedded
default, a transaction holds the single database write lock: others' writes wait for
the merge (``busy_timeout`` is 10 s, then they fail), which takes 0.07-0.15 ms a row
(20,000 rows: 1.5 s; a million: 2.5 min), so files of up to a few tens of thousands of
rows keep the wait within a few seconds; a city-sized import belongs on PostgreSQL
(ARCHITECTURE.md "Scale path"), where ``make bench`` saw a colleague's writes during
the merge of 100,000 rows wait at most 0.1 s.
"""

from __future__ import annotations

import bisect
import codecs
import csv
import datetime as dt
import hashlib
import html
import logging
import os
import pickle
import re
import sqlite3
import time
import uuid
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.core import audit, crypto
from yanglao.core.errors import ValidationFailed
from yanglao.core.exports import neutralise
from yanglao.core.models import Outcome
from yanglao.core.pinyin import to_pinyin
from yanglao.core.uploads import check_zip, unzipped_max_bytes
from yanglao.people.idnumbers import IdNumberError, parse_id_number
from yanglao.people.models import Person
from yanglao.people.services import ID_PURPOSE, id_hash
from yanglao.regions.models import ROOT_CODE, Level, Region

from .models import (
    Elder,
    ElderStatus,
    ImportJob,
    ImportStatus,
    LivingSituation,
    Residence,
    RiskLevel,
    Welfare,
)
from .services import MIN_AGE, age_on, region_full_name

log = logging.getLogger(__name__)

# The largest file the import takes (the upload page refuses bigger ones).
MAX_FILE_BYTES = 300 * 1024 * 1024

# ---------------------------------------------------------------- the columns


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    aliases: tuple[str, ...] = ()
    width: int = 12
    hint: str = ""


COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", ("老人姓名", "name"), 10, "必填"),
    Column(
        "id_number",
        "身份证号",
        ("身份证号码", "公民身份号码", "id_number"),
        22,
        "必填，18 位或 15 位",
    ),
    Column("phone", "联系电话", ("电话", "手机", "手机号", "联系方式", "phone"), 14),
    Column("address", "住址", ("家庭住址", "居住地址", "现住址", "address"), 28),
    Column(
        "region",
        "所属村(社区)代码",
        ("所属村（社区）代码", "村(社区)代码", "区划代码", "所属区划代码", "region", "region_code"),
        16,
        "必填，12 位村(社区)或 9 位乡镇(街道)统计用区划代码",
    ),
    Column(
        "residence",
        "户籍/常住",
        ("户籍或常住", "户籍常住", "residence"),
        10,
        "户籍、常住或户籍且常住",
    ),
    Column(
        "living_situation",
        "居住情况",
        ("居住状况", "居住方式", "living_situation"),
        14,
        "1–8（MZ/T 039-2013）或 独居、空巢、与子女同住……",
    ),
    Column("left_behind", "留守", ("留守老人", "left_behind"), 8, "是/否"),
    Column("has_carer", "有人照料", ("是否有人照料", "has_carer"), 8, "是/否"),
    Column("no_children", "无子女", ("no_children",), 8, "是/否"),
    Column("children_outside_county", "子女不在本县", ("children_outside_county",), 10, "是/否"),
    Column("welfare", "救助类别", ("救助情况", "welfare"), 10, "特困、低保、经济困难或无"),
    Column("family_planning_special", "计生特殊家庭", ("family_planning_special",), 10, "是/否"),
    Column("widowed_childless", "孤寡", ("孤寡老人", "widowed_childless"), 8, "是/否"),
    Column("party_member", "党员", ("是否党员", "party_member"), 8, "是/否"),
    Column(
        "ltc_grade",
        "长护险失能等级",
        ("失能等级", "ltc_grade"),
        12,
        "0–5（0 正常，1 轻度，2 中度，3–5 重度Ⅰ–Ⅲ级）",
    ),
    Column("note", "备注", ("说明", "note"), 20),
)
# Accepted when present, not in the template: most files do not keep them.
EXTRA_COLUMNS: tuple[Column, ...] = (
    Column("rural", "农村", ("是否农村", "rural"), 8, "是/否；不填时村为是、社区为否"),
    Column("dementia", "失智诊断", ("失智", "dementia"), 8, "是/否"),
)
ALL_COLUMNS = COLUMNS + EXTRA_COLUMNS
TEMPLATE_HEADERS = [c.header for c in COLUMNS]
REQUIRED = ("name", "id_number", "region")
REASON_HEADER = "未导入原因"
BOOL_KEYS = (
    "left_behind",
    "has_carer",
    "no_children",
    "children_outside_county",
    "family_planning_special",
    "widowed_childless",
    "party_member",
    "rural",
    "dementia",
)
HEADER = {c.key: c.header for c in ALL_COLUMNS}


def _norm(text: str) -> str:
    text = re.sub(r"\s+", "", str(text or "")).replace("（", "(").replace("）", ")")
    return text.rstrip("*＊").lower()


_HEADER_LOOKUP = {_norm(name): c.key for c in ALL_COLUMNS for name in (c.header, *c.aliases)}


def header_key(header: str) -> str | None:
    """The field a header names (any of its aliases), or None."""
    return _HEADER_LOOKUP.get(_norm(header))


def map_columns(headers: list[str]) -> dict[str, int]:
    """Column index of each known field; the first column of a name wins."""
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        key = _HEADER_LOOKUP.get(_norm(header))
        if key and key not in found:
            found[key] = index
    return found


# ---------------------------------------------------------------- the values officers write

L = LivingSituation
LIVING_WORDS: dict[str, str] = {
    # MZ/T 039-2013 appendix A.2: 1 alone, 2 with spouse/partner, 3 with children,
    # 4 with parents, 5 with siblings, 6 with other relatives, 7 with non-relatives,
    # 8 in an institution. "Empty nest" (2) is a local word for the same thing.
    "1": L.ALONE,
    "2": L.SPOUSE_ONLY,
    "3": L.WITH_FAMILY,
    "4": L.WITH_FAMILY,
    "5": L.WITH_FAMILY,
    "6": L.WITH_FAMILY,
    "7": L.OTHER,
    "8": L.INSTITUTION,
    "独居": L.ALONE,
    "独自居住": L.ALONE,
    "单独居住": L.ALONE,
    "空巢": L.SPOUSE_ONLY,
    "仅与配偶同住": L.SPOUSE_ONLY,
    "仅与配偶同住(空巢)": L.SPOUSE_ONLY,
    "与配偶同住": L.SPOUSE_ONLY,
    "与配偶/伴侣同住": L.SPOUSE_ONLY,
    "与配偶或伴侣同住": L.SPOUSE_ONLY,
    "与伴侣同住": L.SPOUSE_ONLY,
    "夫妻同住": L.SPOUSE_ONLY,
    "与子女同住": L.WITH_FAMILY,
    "与子女或亲属同住": L.WITH_FAMILY,
    "与父母同住": L.WITH_FAMILY,
    "与兄弟姐妹同住": L.WITH_FAMILY,
    "与其他亲属同住": L.WITH_FAMILY,
    "与亲属同住": L.WITH_FAMILY,
    "与家人同住": L.WITH_FAMILY,
    "与非亲属同住": L.OTHER,
    "与非亲属关系的人同住": L.OTHER,
    "其他": L.OTHER,
    "养老机构": L.INSTITUTION,
    "入住养老机构": L.INSTITUTION,
    "在养老机构": L.INSTITUTION,
    "机构": L.INSTITUTION,
    "在机构": L.INSTITUTION,
}
RESIDENCE_WORDS: dict[str, str] = {
    "户籍": Residence.REGISTERED,
    "户籍人口": Residence.REGISTERED,
    "常住": Residence.RESIDENT,
    "常住(非户籍)": Residence.RESIDENT,
    "非户籍常住": Residence.RESIDENT,
    "常住人口": Residence.RESIDENT,
    "户籍且常住": Residence.BOTH,
    "户籍/常住": Residence.BOTH,
    "户籍常住": Residence.BOTH,
    "户籍+常住": Residence.BOTH,
    "户籍和常住": Residence.BOTH,
}
WELFARE_WORDS: dict[str, str] = {
    "特困": Welfare.EXTREME_POVERTY,
    "特困人员": Welfare.EXTREME_POVERTY,
    "特困供养": Welfare.EXTREME_POVERTY,
    "特困供养人员": Welfare.EXTREME_POVERTY,
    "五保": Welfare.EXTREME_POVERTY,
    "五保户": Welfare.EXTREME_POVERTY,
    "低保": Welfare.MINIMUM_ALLOWANCE,
    "低保户": Welfare.MINIMUM_ALLOWANCE,
    "低保对象": Welfare.MINIMUM_ALLOWANCE,
    "最低生活保障": Welfare.MINIMUM_ALLOWANCE,
    "经济困难": Welfare.HARDSHIP,
    "低收入": Welfare.HARDSHIP,
    "低收入家庭": Welfare.HARDSHIP,
    "困难": Welfare.HARDSHIP,
    "无": Welfare.NONE,
    "否": Welfare.NONE,
    "一般": Welfare.NONE,
}
# The stored values and the labels of the choices are accepted too.
for _enum, _words in (
    (LivingSituation, LIVING_WORDS),
    (Residence, RESIDENCE_WORDS),
    (Welfare, WELFARE_WORDS),
):
    for _value, _label in _enum.choices:
        _words.setdefault(_value, _value)
        _words.setdefault(_norm(str(_label)), _value)
BOOL_WORDS = {
    "是": True,
    "否": False,
    "y": True,
    "n": False,
    "yes": True,
    "no": False,
    "1": True,
    "0": False,
    "true": True,
    "false": False,
    "√": True,
    "✓": True,
    "✔": True,
    "×": False,
    "✗": False,
    "有": True,
    "无": False,
}
_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5}
LTC_WORDS: dict[str, int] = {
    "正常": 0,
    "轻度": 1,
    "轻度失能": 1,
    "中度": 2,
    "中度失能": 2,
    "重度": 3,
}
for _n in range(6):
    LTC_WORDS[str(_n)] = _n
    LTC_WORDS[f"{_n}级"] = _n
for _word, _n in _CN_DIGITS.items():
    LTC_WORDS[f"{_word}级"] = _n
for _i, _roman in enumerate(("Ⅰ", "Ⅱ", "Ⅲ")):
    for _spelling in (_roman, "I" * (_i + 1), str(_i + 1), "一二三"[_i]):
        LTC_WORDS[_norm(f"重度{_spelling}级")] = 3 + _i
        LTC_WORDS[_norm(f"重度失能{_spelling}级")] = 3 + _i

DEFAULTS: dict[str, Any] = {
    "residence": Residence.BOTH,
    "living_situation": LivingSituation.WITH_FAMILY,
    "left_behind": False,
    "has_carer": True,
    "no_children": False,
    "children_outside_county": False,
    "welfare": Welfare.NONE,
    "family_planning_special": False,
    "widowed_childless": False,
    "party_member": False,
    "dementia": False,
    "ltc_grade": None,
    "note": "",
}


def is_urban_name(name: str) -> bool:
    """A community (社区, 居委会) or a street (街道) is urban; a village is rural."""
    return name.endswith(("社区", "居委会", "居民委员会", "街道", "街道办事处"))


# ---------------------------------------------------------------- reading


class BigNumber(str):
    """A numeric cell of 16 or more digits: Excel keeps only 15 significant digits, so
    an ID number typed into a number cell has already lost its last digits."""


class UnsupportedSheet(Exception):
    """The streaming reader does not understand this file: fall back to calamine."""


def cell_text(value: Any) -> str:
    """One cell as the text an officer sees."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value.strip()
        # Undo the quote our own exports put before =, +, - and @ (see neutralise).
        if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@"):
            return text[1:]
        return text
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer():
            text = str(int(value))
            return BigNumber(text) if abs(value) >= 1e15 else text
        return repr(value)
    if isinstance(value, int):
        text = str(value)
        return BigNumber(text) if abs(value) >= 10**15 else text
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


_SPECIAL = ("'", " ", "\t", "\n", "\r")


def _xml_text(raw: bytes) -> str:
    return _clean_text(raw.decode("utf-8"))


def _clean_text(text: str) -> str:
    if "&" in text:
        text = html.unescape(text)
    if "_x" in text:
        text = _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)
    return cell_text(text)


def _number_text(raw: bytes) -> str:
    if b"." in raw or b"E" in raw or b"e" in raw:
        return cell_text(float(raw))
    text = raw.decode("ascii").lstrip("+")
    digits = text.lstrip("-")
    return BigNumber(text) if len(digits) >= 16 else text


_TOKENS = re.compile(
    rb'<(row)\b(?:[^>]*?\sr="(\d+)")?[^>]*>'
    rb'|<c\b(?: r="([A-Z]{1,3})\d+")?(?: s="\d+")?(?: t="(\w+)")?([^>]*?)'
    rb"(?:/>|>(?:<f\b[^>]*/>|<f\b[^>]*>[^<]*</f>)?"
    rb"(?:<v>([^<]*)</v>|<is><t\b[^>]*>([^<]*)</t></is>|<is><t/></is>)?</c>)"
)
_ATTR_R = re.compile(rb'\sr="([A-Z]{1,3})\d+"')
_ATTR_T = re.compile(rb'\st="(\w+)"')
_DIMENSION = re.compile(rb'<dimension ref="[A-Z]+\d+(?::[A-Z]+(\d+))?"')
_SI = re.compile(rb"<si>(?:<t(?:\s[^>]*)?>([^<]*)</t>|(.*?))</si>|<si/>", re.S)
_SI_RPH = re.compile(rb"<rPh\b.*?</rPh>", re.S)
_SI_T = re.compile(rb"<t(?:\s[^>]*)?>([^<]*)</t>")
_COLUMN_INDEX: dict[bytes, int] = {}
CHUNK = 1 << 20


def _col(letters: bytes) -> int:
    index = _COLUMN_INDEX.get(letters)
    if index is None:
        number = 0
        for ch in letters:
            number = number * 26 + ch - 64
        index = _COLUMN_INDEX[letters] = number - 1
    return index


def _first_sheet(archive: zipfile.ZipFile) -> tuple[str, str | None]:
    """The path of the first worksheet and of the shared strings, from the workbook."""
    names = set(archive.namelist())
    try:
        workbook = archive.read("xl/workbook.xml")
        rels = archive.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        raise UnsupportedSheet("no workbook part") from None
    sheet = re.search(rb"<(?:\w+:)?sheet\b[^>]*?\sr:id=\"([^\"]+)\"", workbook)
    relations = []
    for element in re.findall(rb"<(?:\w+:)?Relationship\b[^>]*>", rels):
        attrs = dict(re.findall(rb'(\w+)="([^"]*)"', element))
        relations.append((attrs.get(b"Id"), attrs.get(b"Type", b""), attrs.get(b"Target", b"")))
    targets = {rid: target.decode() for rid, _kind, target in relations}
    if sheet is None or sheet.group(1) not in targets:
        raise UnsupportedSheet("no first sheet")

    def part(target: str) -> str:
        return target.lstrip("/") if target.startswith("/") else f"xl/{target}"

    sheet_path = part(targets[sheet.group(1)])
    shared = next(
        (part(t.decode()) for _rid, kind, t in relations if kind.endswith(b"/sharedStrings")),
        None,
    )
    if sheet_path not in names:
        raise UnsupportedSheet("sheet part missing")
    return sheet_path, shared if shared in names else None


def _shared_strings(archive: zipfile.ZipFile, path: str | None) -> list[str]:
    if path is None:
        return []
    out: list[str] = []
    with archive.open(path) as handle:
        tail = b""
        while True:
            chunk = handle.read(CHUNK)
            text = tail + chunk
            cut = text.rfind(b"</si>") + 5 if chunk else len(text)
            if cut < 5 and chunk:
                tail = text
                continue
            if b"<x:si" in text or b":si>" in text:
                raise UnsupportedSheet("prefixed shared strings")
            part, tail = text[:cut], text[cut:]
            found = 0
            for simple, rich in _SI.findall(part):
                found += 1
                if rich:
                    rich = _SI_RPH.sub(b"", rich)
                    out.append(_xml_text(b"".join(_SI_T.findall(rich))))
                else:
                    out.append(_xml_text(simple))
            if found != part.count(b"<si>") + part.count(b"<si/>"):
                raise UnsupportedSheet("shared string not understood")
            if not chunk:
                break
    return out


def iter_xlsx(path: str | Path) -> tuple[int, Iterator[tuple[int, list[str]]]]:
    """Stream the first sheet of an .xlsx: (rows estimated from its dimension, iterator
    of (row number, cells as text)). Raises UnsupportedSheet for what it does not read
    exactly, before or while iterating."""
    archive = zipfile.ZipFile(path)
    sheet_path, shared_path = _first_sheet(archive)
    shared = _shared_strings(archive, shared_path)
    with archive.open(sheet_path) as handle:
        head = handle.read(64 * 1024)
    dimension = _DIMENSION.search(head)
    estimate = int(dimension.group(1)) if dimension and dimension.group(1) else 0
    if b"<sheetData" not in head and b":sheetData" in head:
        raise UnsupportedSheet("prefixed sheet")

    def rows() -> Iterator[tuple[int, list[str]]]:
        with archive, archive.open(sheet_path) as handle:
            tail = b""
            started = False
            row: list[str] | None = None
            row_no = 0
            done = False
            while not done:
                chunk = handle.read(CHUNK)
                text = tail + chunk
                if not started:
                    at = text.find(b"<sheetData")
                    if at < 0:
                        if not chunk:
                            return
                        tail = text[-32:]
                        continue
                    text = text[at:]
                    started = True
                end = text.find(b"</sheetData>")
                if end >= 0:
                    text, done = text[:end], True
                elif not chunk:
                    done = True
                if done:
                    cut = len(text)
                else:
                    cut = text.rfind(b"<row")
                    if cut <= 0:
                        tail = text
                        continue
                part, tail = text[:cut], text[cut:]
                cells_seen = 0
                rows_seen = 0
                for is_row, number, letters, kind, rest, value, inline in _TOKENS.findall(part):
                    if is_row:
                        rows_seen += 1
                        if row is not None:
                            yield row_no, row
                        row_no = int(number) if number else row_no + 1
                        row = []
                        continue
                    cells_seen += 1
                    if row is None:
                        raise UnsupportedSheet("cell outside a row")
                    if rest and rest != b"/":
                        if not letters and (m := _ATTR_R.search(rest)):
                            letters = m.group(1)
                        if not kind and (m := _ATTR_T.search(rest)):
                            kind = m.group(1)
                    if letters:
                        index = _col(letters)
                        if index != len(row):
                            if index < len(row):
                                raise UnsupportedSheet("cells out of order")
                            row.extend([""] * (index - len(row)))
                    if kind == b"inlineStr":
                        text = inline.decode("utf-8")
                        if "&" in text or "_x" in text or text[:1] in _SPECIAL or text[-1:] == " ":
                            text = _clean_text(text)
                        row.append(text)
                    elif not value:
                        row.append("")
                    elif kind == b"s":
                        row.append(shared[int(value)])
                    elif kind == b"b":
                        row.append("是" if value == b"1" else "否")
                    elif kind in (b"str", b"e", b"d"):
                        row.append(_xml_text(value))
                    else:
                        row.append(_number_text(value))
                expected_cells = part.count(b"<c ") + part.count(b"<c>") + part.count(b"<c/>")
                expected_rows = part.count(b"<row ") + part.count(b"<row>") + part.count(b"<row/>")
                if cells_seen != expected_cells or rows_seen != expected_rows:
                    raise UnsupportedSheet("cell not understood")
            if row is not None:
                yield row_no, row

    return estimate, rows()


def _iter_calamine(path: str | Path) -> tuple[int, Iterator[tuple[int, list[str]]]]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
    except Exception:
        raise ValidationFailed(fields={"file": [_("无法读取该表格文件，请检查格式")]}) from None
    start_row, start_col = sheet.start or (0, 0)

    def rows() -> Iterator[tuple[int, list[str]]]:
        for offset, values in enumerate(sheet.iter_rows()):
            yield start_row + offset + 1, [""] * start_col + [cell_text(v) for v in values]

    return sheet.height, rows()


def _iter_csv(path: str | Path) -> tuple[int, Iterator[tuple[int, list[str]]]]:
    with open(path, "rb") as handle:
        head = handle.read(CHUNK)
        lines = head.count(b"\n")
        while chunk := handle.read(CHUNK * 8):
            lines += chunk.count(b"\n")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        encoding = "utf-8-sig"
    except UnicodeDecodeError:
        encoding = "gb18030"

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            with open(path, encoding=encoding, newline="") as handle:
                for number, values in enumerate(csv.reader(handle), start=1):
                    yield number, [cell_text(v) for v in values]
        except UnicodeDecodeError:
            raise ValidationFailed(
                fields={"file": [_("无法识别文件编码，请另存为 UTF-8 的 CSV")]}
            ) from None

    return lines, rows()


def _calamine_after(
    path: str | Path, rows: Iterator[tuple[int, list[str]]]
) -> Iterator[tuple[int, list[str]]]:
    """The streaming reader's rows; where it meets what it does not read exactly (a
    formula cell, say) while iterating, calamine goes on from the next row (both number
    rows as the sheet does)."""
    last = 0
    try:
        for row_no, cells in rows:
            last = row_no
            yield row_no, cells
    except UnsupportedSheet:
        _estimate, again = _iter_calamine(path)
        for row_no, cells in again:
            if row_no > last:
                yield row_no, cells


def open_rows(path: str | Path, filename: str) -> tuple[int, Iterator[tuple[int, list[str]]]]:
    """(estimated rows, iterator of (row number, cells)) for a .xlsx, .xls, .ods or .csv."""
    name = filename.lower()
    if name.endswith(".csv"):
        return _iter_csv(path)
    if name.endswith((".xlsx", ".xlsm", ".ods")):
        # Inflate every member once, counting bytes, before anything parses it: a zip
        # bomb (or a directory lying about sizes) is refused here, not in memory later.
        with open(path, "rb") as handle:
            check_zip(handle, field="file", max_total=unzipped_max_bytes(MAX_FILE_BYTES))
    if name.endswith((".xlsx", ".xlsm")):
        try:
            estimate, rows = iter_xlsx(path)
        except UnsupportedSheet:
            return _iter_calamine(path)
        except (zipfile.BadZipFile, OSError):
            raise ValidationFailed(fields={"file": [_("无法读取该表格文件，请检查格式")]}) from None
        return estimate, _calamine_after(path, rows)
    if name.endswith((".xls", ".ods")):
        return _iter_calamine(path)
    raise ValidationFailed(fields={"file": [_("只接受 .xlsx 或 .csv 文件")]})


# ---------------------------------------------------------------- writing .xlsx fast

_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_OOXML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_CONTENT_TYPES = (
    f"{_XML_HEAD}"
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_OOXML}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_OOXML}.worksheet+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_OOXML}.styles+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    f'{_XML_HEAD}<Relationships xmlns="{_PKG_RELS}">'
    f'<Relationship Id="rId1" Type="{_DOC_RELS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    f'{_XML_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_DOC_RELS}">'
    '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    f'{_XML_HEAD}<Relationships xmlns="{_PKG_RELS}">'
    f'<Relationship Id="rId1" Type="{_DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_DOC_RELS}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
# Two cell formats, both "text" (numFmtId 49) so Excel keeps ID numbers as typed: plain
# and bold (the header row).
_STYLES = (
    f'{_XML_HEAD}<styleSheet xmlns="{_MAIN}">'
    '<fonts count="2"><font><sz val="11"/><name val="等线"/></font>'
    '<font><b/><sz val="11"/><name val="等线"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2">'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="49" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" '
    'applyFont="1"/></cellXfs>'
    "</styleSheet>"
)
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xml_cell(value: str) -> str:
    if not value:
        return "<c/>"
    text = escape(value)
    if _BAD_XML.search(text):
        text = _BAD_XML.sub(" ", text)
    space = ' xml:space="preserve"' if text[0] == " " or text[-1] == " " else ""
    return f'<c t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rem = divmod(number - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def write_xlsx(
    target: str | Path,
    headers: list[str],
    rows: Iterable[list[str]],
    *,
    sheet_name: str = "Sheet1",
    widths: list[int] | None = None,
    safe: bool = True,
    rows_hint: int | None = None,
) -> int:
    """Write a one-sheet .xlsx of text cells (inline strings, text format) as a stream:
    about 2 µs a cell and flat memory, where openpyxl takes about 15. With ``safe``, cells
    that Excel could read as a formula are neutralised (core.exports.neutralise)."""
    count = 0
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK.format(name=escape(sheet_name[:31])))
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", _STYLES)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            dimension = ""
            if rows_hint:  # lets a streaming reader show progress from the start
                last = _column_letters(max(len(headers), 1))
                dimension = f'<dimension ref="A1:{last}{rows_hint + 1}"/>'
            cols = ""
            if widths:
                cols = (
                    "<cols>"
                    + "".join(
                        f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                        for i, w in enumerate(widths, start=1)
                    )
                    + "</cols>"
                )
            out.write(
                (
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    f'<worksheet xmlns="{_MAIN}">{dimension}'
                    '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
                    'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
                    f"{cols}<sheetData>"
                ).encode()
            )
            head = "".join(
                f'<c s="1" t="inlineStr"><is><t>{escape(h)}</t></is></c>' for h in headers
            )
            buffer = [f"<row>{head}</row>"]
            for row in rows:
                if safe:
                    row = [neutralise(v) if v else "" for v in row]
                buffer.append("<row>" + "".join(map(_xml_cell, row)) + "</row>")
                count += 1
                if len(buffer) >= 2000:
                    out.write("".join(buffer).encode())
                    buffer = []
            out.write("".join(buffer).encode())
            out.write(b"</sheetData></worksheet>")
    return count


# ---------------------------------------------------------------- checking rows


@dataclass(frozen=True)
class RegionInfo:
    code: str
    path: str
    rural: bool


class RiskCalculator:
    """The risk level of a file from its facts, with the pure functions of ``risk`` and
    ``categories``. Rules are resolved once per region; results are memoised on the
    facts, with age reduced to its class between the ages the rules name (a rule on
    "80 or over" cannot tell 63 from 64), so a million elders cost a few thousand
    evaluations."""

    FACT_KEYS = (
        "age",
        "sex",
        "rural",
        "living_situation",
        "left_behind",
        "has_carer",
        "no_children",
        "children_outside_county",
        "welfare",
        "family_planning_special",
        "widowed_childless",
        "party_member",
        "dementia",
        "ability_level",
        "ltc_grade",
        "residence",
        "status",
    )

    def __init__(self, on: dt.date, rules: list | None = None):
        from yanglao.elders import categories, risk
        from yanglao.policy import engine

        self.on = on
        self._risk, self._categories, self._engine = risk, categories, engine
        self._rules = risk._rule_data() if rules is None else rules
        self._per_path: dict[str, tuple[int, list, Any]] = {}
        self._signatures: dict[tuple, int] = {}
        self._memo: dict[tuple, str] = {}
        ages: set[int] = set()
        for rule in self._rules:
            _collect_ages(rule.params, ages)
        self._breaks = sorted({a for age in ages for a in (age, age + 1)})

    def _resolved(self, path: str) -> tuple[int, list, Any]:
        found = self._per_path.get(path)
        if found is None:
            groups = self._categories.applicable_groups(path, self.on, self._rules)
            rule = self._engine.resolve(self._risk.RISK_RULE, self._rules, path, self.on)
            signature = tuple(
                (res.rule_id, tuple(step.rule.pk for step in res.trace))
                for res in [*groups, *([rule] if rule is not None else [])]
            )
            # Regions resolving to the same rules share one small number in the memo key.
            number = self._signatures.setdefault(signature, len(self._signatures))
            found = self._per_path[path] = (number, groups, rule)
        return found

    def level(self, path: str, facts: tuple) -> str:
        signature, groups, rule = self._resolved(path)
        age = facts[0]
        age_class = -1 if age is None else bisect.bisect_right(self._breaks, age)
        key = (signature, age_class, facts[1:])
        level = self._memo.get(key)
        if level is not None:
            return level
        named = dict(zip(self.FACT_KEYS, facts, strict=True))
        matched = [
            g.code
            for g in self._categories.evaluate_groups(groups, named, with_trace=False)
            if g.matched
        ]
        level = self._risk.assess(named, matched, rule, with_trace=False).level
        if len(self._memo) < 500_000:
            self._memo[key] = level
        return level


def _collect_ages(node: Any, out: set[int]) -> None:
    """Every age a rule's conditions compare with."""
    if isinstance(node, dict):
        if node.get("field") == "age":
            value = node.get("value")
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, int) and not isinstance(item, bool):
                    out.add(item)
        for child in node.values():
            _collect_ages(child, out)
    elif isinstance(node, list):
        for child in node:
            _collect_ages(child, out)


# The staged good row, in this order (None: the cell was empty, keep or default).
STAGE_FIELDS = (
    "row_no",
    "hash",
    "raw",
    "name",
    "pinyin",
    "initials",
    "enc",
    "id_region",
    "id_tail",
    "birth",
    "sex",
    "warning",
    "phone",
    "address",
    "region",
    "region_path",
    "rural",
    "rural_default",
    "residence",
    "living_situation",
    "left_behind",
    "has_carer",
    "no_children",
    "children_outside_county",
    "welfare",
    "family_planning_special",
    "widowed_childless",
    "party_member",
    "dementia",
    "ltc_grade",
    "note",
    "risk",
)
S = {name: index for index, name in enumerate(STAGE_FIELDS)}
PROFILE_KEYS = (
    "residence",
    "living_situation",
    "left_behind",
    "has_carer",
    "no_children",
    "children_outside_county",
    "welfare",
    "family_planning_special",
    "widowed_childless",
    "party_member",
    "dementia",
    "ltc_grade",
    "note",
)


def county_codes() -> frozenset[str]:
    """Six-digit codes are counties, current or abolished: an ID number issued under
    another code only gets a warning (DOMAIN.md, GB 11643)."""
    return frozenset(Region.objects.filter(level=Level.COUNTY).values_list("code", flat=True))


def resolve_region(region: Region | None, code: str, scope_path: str) -> RegionInfo | str:
    """Where a file may be kept, with ``services._file_region``'s rules: the region, or
    why not."""
    if region is None:
        return _("区划代码 %(c)s 不存在") % {"c": code}
    return _resolve(
        region.code, region.path, region.level, region.valid_to, region.name, scope_path
    )


def _resolve(code, path, level, valid_to, name, scope_path) -> RegionInfo | str:
    if valid_to is not None:
        return _("该区划已撤销，请选择现行区划")
    if level < Level.TOWNSHIP:
        return _("档案应建在乡镇(街道)、村(社区)或网格")
    if not (path == scope_path or path.startswith(scope_path + ".")):
        return _("只能在本人管辖的区划内建档")
    return RegionInfo(code, path, not is_urban_name(name))


def all_regions(scope_path: str) -> dict[str, RegionInfo | str]:
    """Every region resolved for an uploader (for worker processes: no database there)."""
    rows = Region.objects.values_list("code", "path", "level", "valid_to", "name")
    return {row[0]: _resolve(*row, scope_path) for row in rows.iterator(chunk_size=5000)}


class RowChecker:
    """Checks one row at a time with the rules of ``elder_register``; keeps what it
    learns about regions and ID numbers seen earlier in the file."""

    def __init__(
        self,
        headers: list[str],
        *,
        scope_path: str,
        today: dt.date,
        risk=None,
        regions: dict[str, RegionInfo | str] | None = None,
        known_codes: frozenset[str] | None = None,
    ):
        """``regions`` (every region resolved up front, see ``all_regions``) and
        ``known_codes`` let a worker process check rows without a database."""
        self.columns = map_columns(headers)
        missing = [HEADER[key] for key in REQUIRED if key not in self.columns]
        if missing:
            raise ValidationFailed(
                fields={
                    "file": [
                        _("缺少必填列：%(cols)s（请使用导入模板）") % {"cols": "、".join(missing)}
                    ]
                }
            )
        self.width = len(headers)
        self.scope_path = scope_path
        self.today = today
        self.risk = risk
        self.offline = regions is not None
        self.regions: dict[str, RegionInfo | str] = regions if regions is not None else {}
        self.known_codes = known_codes if known_codes is not None else county_codes()
        self.optional = sorted(
            (index, key) for key, index in self.columns.items() if key not in REQUIRED
        )
        self._values: dict[tuple[str, str], tuple[Any, str]] = {}

    def region(self, code: str) -> RegionInfo | str:
        found = self.regions.get(code)
        if found is not None:
            return found
        if self.offline:
            return _("区划代码 %(c)s 不存在") % {"c": code}
        region = (
            Region.objects.filter(code=code)
            .only("code", "path", "level", "valid_to", "name")
            .first()
        )
        found = self.regions[code] = resolve_region(region, code, self.scope_path)
        return found

    def check(self, row_no: int, cells: list[str]) -> tuple[tuple | None, str]:
        """(the staged tuple, "") for a good row, (None, reason) for a bad one."""
        if len(cells) < self.width:
            cells = cells + [""] * (self.width - len(cells))
        col = self.columns
        errors: list[str] = []
        name = cells[col["name"]]
        if not name:
            errors.append(_("姓名不能为空"))
        elif len(name) > 50:
            errors.append(_("姓名最多 50 个字"))
        raw_id = cells[col["id_number"]]
        info = None
        if type(raw_id) is BigNumber:
            errors.append(_("身份证号被存成了数字，末几位已丢失：请把该列设为文本后重新填写"))
        else:
            try:
                info = parse_id_number(
                    raw_id, today=self.today, known_region=self.known_codes.__contains__
                )
            except IdNumberError as exc:
                errors.append(f"{_('身份证号')}：{exc}")
            else:
                if age_on(info.birth_date, self.today) < MIN_AGE:
                    errors.append(_("未满 60 周岁，不能建立老年人档案"))
        code = cells[col["region"]]
        region = None
        if not code:
            errors.append(_("所属村(社区)代码不能为空"))
        else:
            found = self.region(code)
            if isinstance(found, str):
                errors.append(f"{HEADER['region']}：{found}")
            else:
                region = found
        values: dict[str, Any] = {}
        cache = self._values
        for index, key in self.optional:
            text = cells[index]
            if not text:
                continue
            if key == "phone":
                phone = text.replace("-", "").replace(" ", "")
                if not phone.isdigit() or not 5 <= len(phone) <= 20:
                    errors.append(_("电话只能是 5 到 20 位数字"))
                values[key] = phone
            elif key == "address":
                values[key] = text[:200]
            elif key == "note":
                values[key] = text[:2000]
            else:
                hit = cache.get((key, text))
                if hit is None:
                    hit = parse_choice(key, text)
                    if len(cache) < 10000:
                        cache[(key, text)] = hit
                value, error = hit
                if error:
                    errors.append(error)
                values[key] = value
        if errors:
            return None, "；".join(errors)
        full, initials = to_pinyin(name)
        number = info.number
        rural = values.get("rural")
        staged = (
            row_no,
            id_hash(number),
            "\x1f".join(cells),
            name,
            full,
            initials,
            crypto.encrypt(number, context=ID_PURPOSE),
            number[:6],
            number[-4:],
            info.birth_date.isoformat(),
            info.sex,
            "；".join(info.warnings)[:200],
            values.get("phone"),
            values.get("address"),
            region.code,
            region.path,
            rural,
            region.rural,
            values.get("residence"),
            values.get("living_situation"),
            values.get("left_behind"),
            values.get("has_carer"),
            values.get("no_children"),
            values.get("children_outside_county"),
            values.get("welfare"),
            values.get("family_planning_special"),
            values.get("widowed_childless"),
            values.get("party_member"),
            values.get("dementia"),
            values.get("ltc_grade"),
            values.get("note"),
            None,
        )
        if self.risk is not None:
            staged = (*staged[:-1], self._risk_of_new(staged, info.birth_date))
        return staged, ""

    def _risk_of_new(self, staged: tuple, birth: dt.date) -> str:
        profile = new_profile(staged)
        facts = facts_tuple(
            age_on(birth, self.today), staged[S["sex"]], profile, ability_level="", status="active"
        )
        return self.risk.level(staged[S["region_path"]], facts)


BOOL_FIELDS_SET = frozenset(BOOL_KEYS)


def parse_choice(key: str, text: str) -> tuple[Any, str]:
    """(value, "") or (None, why) for a cell of a yes/no or code-table column."""
    if key in BOOL_FIELDS_SET:
        value = BOOL_WORDS.get(text.lower())
        if value is None:
            return None, _("%(col)s：应填“是”或“否”，现为“%(v)s”") % {"col": HEADER[key], "v": text}
        return value, ""
    if key == "living_situation":
        value = LIVING_WORDS.get(_choice_key(text))
        if value is None:
            return None, _(
                "居住情况：无法识别“%(v)s”，可填 1–8（MZ/T 039-2013）"
                "或 独居、空巢、与子女同住、养老机构等"
            ) % {"v": text}
        return value, ""
    if key == "residence":
        value = RESIDENCE_WORDS.get(_choice_key(text))
        if value is None:
            return None, _("户籍/常住：无法识别“%(v)s”，可填 户籍、常住 或 户籍且常住") % {
                "v": text
            }
        return value, ""
    if key == "welfare":
        value = WELFARE_WORDS.get(_choice_key(text))
        if value is None:
            return None, _("救助类别：无法识别“%(v)s”，可填 特困、低保、经济困难 或 无") % {
                "v": text
            }
        return value, ""
    if key == "ltc_grade":
        value = LTC_WORDS.get(_choice_key(text))
        if value is None:
            return None, _("长护险失能等级应为 0 到 5")
        return value, ""
    return text, ""


# The table keys seen seen 2 000 000 times on a large import: normalise cheaply.
_CHOICE_CACHE: dict[str, str] = {}


def _choice_key(text: str) -> str:
    key = _CHOICE_CACHE.get(text)
    if key is None:
        key = _norm(text).replace("居住", "同住") if text not in LIVING_WORDS else text
        key = key.lstrip("0") or "0" if key.isdigit() else key
        if len(_CHOICE_CACHE) < 10000:
            _CHOICE_CACHE[text] = key
    return key


_PROFILE_SLOTS = None


def new_profile(staged: tuple) -> dict[str, Any]:
    """The profile of a new file: the cells given, the defaults for the rest."""
    global _PROFILE_SLOTS
    if _PROFILE_SLOTS is None:
        _PROFILE_SLOTS = [(k, S[k], DEFAULTS[k], k in BOOL_FIELDS_SET) for k in PROFILE_KEYS]
    out = {}
    for key, slot, default, is_bool in _PROFILE_SLOTS:
        value = staged[slot]
        if value is None:
            out[key] = default
        else:
            out[key] = bool(value) if is_bool else value
    rural = staged[S["rural"]]
    out["rural"] = bool(staged[S["rural_default"]]) if rural is None else bool(rural)
    return out


def facts_tuple(age: int | None, sex: str, p: dict[str, Any], *, ability_level: str, status: str):
    return (
        age,
        sex,
        p["rural"],
        p["living_situation"],
        p["left_behind"],
        p["has_carer"],
        p["no_children"],
        p["children_outside_county"],
        p["welfare"],
        p["family_planning_special"],
        p["widowed_childless"],
        p["party_member"],
        p["dementia"],
        ability_level,
        p["ltc_grade"],
        p["residence"],
        status,
    )


# ---------------------------------------------------------------- the stage


class Stage:
    """A scratch SQLite file of checked rows (and rejected ones with their reason)."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path), isolation_level=None)
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        columns = ", ".join(STAGE_FIELDS[1:])
        self.db.execute(f"CREATE TABLE good (row_no INTEGER PRIMARY KEY, {columns})")
        self.db.execute("CREATE TABLE bad (row_no INTEGER PRIMARY KEY, raw TEXT, reason TEXT)")
        self.db.execute("CREATE TABLE spool (seq INTEGER PRIMARY KEY, kind TEXT, data BLOB)")
        self._good: list[tuple] = []
        self._bad: list[tuple] = []
        self.good_count = 0
        self.bad_count = 0
        marks = ", ".join("?" * len(STAGE_FIELDS))
        self._insert_good = f"INSERT INTO good VALUES ({marks})"  # noqa: S608 - our names

    def add_good(self, staged: tuple) -> None:
        self._good.append(staged)
        self.good_count += 1
        if len(self._good) >= 5000:
            self.flush()

    def add_bad(self, row_no: int, cells: list[str], reason: str) -> None:
        self._bad.append((row_no, "\x1f".join(cells), reason))
        self.bad_count += 1
        if len(self._bad) >= 5000:
            self.flush()

    def flush(self) -> None:
        self.db.execute("BEGIN")
        if self._good:
            self.db.executemany(self._insert_good, self._good)
        if self._bad:
            self.db.executemany("INSERT INTO bad VALUES (?, ?, ?)", self._bad)
        self.db.execute("COMMIT")
        self._good, self._bad = [], []

    def good(self, batch: int = 2000) -> Iterator[list[tuple]]:
        cursor = self.db.execute(f"SELECT {', '.join(STAGE_FIELDS)} FROM good ORDER BY row_no")  # noqa: S608
        while rows := cursor.fetchmany(batch):
            yield rows

    def bad(self) -> Iterator[tuple[int, str, str]]:
        yield from self.db.execute("SELECT row_no, raw, reason FROM bad ORDER BY row_no")

    def spool(self, kind: str, rows: list[tuple]) -> None:
        if rows:
            self.db.execute("BEGIN")
            self.db.executemany(
                "INSERT INTO spool (kind, data) VALUES (?, ?)",
                [(kind, pickle.dumps(r, protocol=pickle.HIGHEST_PROTOCOL)) for r in rows],
            )
            self.db.execute("COMMIT")

    def spooled(self, kind: str, batch: int = 2000) -> Iterator[list[tuple]]:
        cursor = self.db.execute("SELECT data FROM spool WHERE kind = ? ORDER BY seq", (kind,))
        while rows := cursor.fetchmany(batch):
            yield [pickle.loads(r[0]) for r in rows]  # noqa: S301 - our own scratch file

    def clear_spool(self) -> None:
        self.db.execute("DELETE FROM spool")

    def close(self, remove: bool = True) -> None:
        self.db.close()
        if remove:
            for suffix in ("", "-journal", "-wal", "-shm"):
                Path(str(self.path) + suffix).unlink(missing_ok=True)


# ---------------------------------------------------------------- the merge


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


PERSON_COLUMNS = (
    "id",
    "name",
    "name_pinyin",
    "name_initials",
    "id_number_enc",
    "id_number_hash",
    "id_region",
    "id_tail",
    "birth_date",
    "sex",
    "phone",
    "address",
    "created_at",
    "updated_at",
    "region_id",
)
ELDER_COLUMNS = (
    "person_id",
    "region_id",
    "region_path",
    "id_number_hash",
    "residence",
    "rural",
    "living_situation",
    "left_behind",
    "has_carer",
    "no_children",
    "children_outside_county",
    "welfare",
    "family_planning_special",
    "widowed_childless",
    "party_member",
    "dementia",
    "ltc_grade",
    "ability_level",
    "last_assessed_on",
    "risk_level",
    "risk_computed_at",
    "status",
    "status_changed_on",
    "status_note",
    "id_warning",
    "note",
    "created_by_id",
    "created_at",
    "updated_at",
)
ELDER_UPDATE_COLUMNS = (
    "region_id",
    "region_path",
    "rural",
    *PROFILE_KEYS,
    "status",
    "status_changed_on",
    "risk_level",
    "risk_computed_at",
    "updated_at",
)
PERSON_UPDATE_COLUMNS = (
    "name",
    "name_pinyin",
    "name_initials",
    "phone",
    "address",
    "region_id",
    "updated_at",
)
PERSON_ATTACH_COLUMNS = (
    "name",
    "name_pinyin",
    "name_initials",
    "id_number_enc",
    "id_region",
    "id_tail",
    "birth_date",
    "sex",
    "phone",
    "address",
    "region_id",
    "updated_at",
)
# What the merge reads of the files already on record, by ID hash.
EXISTING_COLUMNS = (
    "p.id",
    "p.id_number_hash",
    "p.name",
    "p.phone",
    "p.address",
    "p.birth_date",
    "p.sex",
    "e.person_id",
    "e.status",
    "e.region_id",
    "e.region_path",
    "e.rural",
    *(f"e.{key}" for key in PROFILE_KEYS),
    "e.ability_level",
    "e.risk_level",
    "e.risk_computed_at",
    "e.status_changed_on",
)
X = {
    name.split(".")[1] if name != "e.person_id" else "elder": i
    for i, name in enumerate(EXISTING_COLUMNS)
}


def insert_sql(model, columns: tuple[str, ...]) -> str:
    marks = ", ".join(["%s"] * len(columns))
    return f"INSERT INTO {_table(model)} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608


def insert_rows(cursor, model, columns: tuple[str, ...], sql: str, rows: list[tuple]) -> None:
    """Prepared tuples into a table: ``executemany`` (SQLite), or on PostgreSQL ``COPY``,
    its bulk path (measured: the merge of 100,000 rows took 21 s instead of 48 s)."""
    if connection.vendor == "postgresql":
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        statement = f"COPY {_table(model)} ({', '.join(columns)}) FROM STDIN"
        with raw.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    else:
        cursor.executemany(sql, rows)


def update_sql(model, columns: tuple[str, ...], key: str) -> str:
    sets = ", ".join(f"{c} = %s" for c in columns)
    return f"UPDATE {_table(model)} SET {sets} WHERE {key} = %s"  # noqa: S608


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0


class IdAllocator:
    """Person ids handed out before the insert, so that a person and its file are
    written in one executemany each, with no read-back."""

    def __init__(self, cursor):
        self.cursor = cursor
        self.vendor = connection.vendor
        self.next = None
        if self.vendor == "sqlite":  # we hold the write lock (BEGIN IMMEDIATE)
            table = Person._meta.db_table
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {_table(Person)}")  # noqa: S608
            top = cursor.fetchone()[0]
            try:
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                seq = cursor.fetchone()
            except OperationalError:  # no AUTOINCREMENT table has had a row yet
                seq = None
            self.next = max(top, seq[0] if seq else 0) + 1

    def take(self, n: int) -> list[int]:
        if n <= 0:
            return []
        if self.next is not None:
            ids = list(range(self.next, self.next + n))
            self.next += n
            return ids
        table = Person._meta.db_table
        self.cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, n],
        )
        return [r[0] for r in self.cursor.fetchall()]


def _existing(cursor, hashes: list[str]) -> dict[str, tuple]:
    marks = ", ".join(["%s"] * len(hashes))
    cursor.execute(
        f"SELECT {', '.join(EXISTING_COLUMNS)} FROM {_table(Person)} p "  # noqa: S608
        f"LEFT JOIN {_table(Elder)} e ON e.person_id = p.id "
        f"WHERE p.id_number_hash IN ({marks})",
        hashes,
    )
    found: dict[str, tuple] = {}
    rank = {ElderStatus.ACTIVE: 0, ElderStatus.MOVED: 1, ElderStatus.DECEASED: 2, None: 3}
    for row in cursor.fetchall():
        have = found.get(row[1])
        if have is None or rank.get(row[X["status"]], 3) < rank.get(have[X["status"]], 3):
            found[row[1]] = row
    return found


def _bool(value) -> bool:
    return bool(value)


def merge(
    stage: Stage,
    *,
    actor,
    scope_path: str,
    today: dt.date,
    risk: RiskCalculator | None,
    on_rejected: Callable[[int, str, str], None],
) -> Counts:
    """Write the staged rows; call inside one transaction. Conflicts found here (a
    number active outside the scope, a deceased elder) are handed to ``on_rejected``."""
    counts = Counts()
    now = timezone.now()
    now_db = connection.ops.adapt_datetimefield_value(now)
    today_db = connection.ops.adapt_datefield_value(today)
    actor_id = getattr(actor, "pk", None)
    person_insert = insert_sql(Person, PERSON_COLUMNS)
    elder_insert = insert_sql(Elder, ELDER_COLUMNS)
    region_names: dict[str, str] = {}
    stage.clear_spool()
    with connection.cursor() as cursor:
        ids = IdAllocator(cursor)
        for rows in stage.good():
            existing: dict[str, tuple] = {}
            hashes = [r[1] for r in rows]
            for start in range(0, len(hashes), 900):
                existing.update(_existing(cursor, hashes[start : start + 900]))
            new_rows = []
            attach: list[tuple] = []
            upd_person: list[tuple] = []
            upd_elder: list[tuple] = []
            for row in rows:
                have = existing.get(row[1])
                if have is None:
                    new_rows.append(row)
                    continue
                if have[X["elder"]] is None:
                    attach.append((row, have[0]))
                    continue
                status = have[X["status"]]
                if status == ElderStatus.DECEASED:
                    on_rejected(row[0], row[2], _("该身份证号对应的老人已登记为已故"))
                    counts.rejected += 1
                    continue
                path = have[X["region_path"]]
                inside = path == scope_path or path.startswith(scope_path + ".")
                if status == ElderStatus.ACTIVE and not inside:
                    code = have[X["region_id"]]
                    if code not in region_names:
                        region_names[code] = region_full_name(Region.objects.get(code=code))
                    on_rejected(
                        row[0],
                        row[2],
                        _("该身份证号已在 %(r)s 建档，可向对方发起档案转移")
                        % {"r": region_names[code]},
                    )
                    counts.rejected += 1
                    continue
                change = _changes(row, have, today_db, now_db, today, risk)
                if change is None:
                    counts.unchanged += 1
                    continue
                counts.updated += 1
                person_row, elder_row = change
                if person_row is not None:
                    upd_person.append(person_row)
                upd_elder.append(elder_row)
            fresh = [(row, pk) for row, pk in zip(new_rows, ids.take(len(new_rows)), strict=True)]
            if fresh:
                insert_rows(
                    cursor,
                    Person,
                    PERSON_COLUMNS,
                    person_insert,
                    [_person_tuple(row, pk, now_db) for row, pk in fresh],
                )
            stage.spool("attach", [_person_attach_tuple(row, pk, now_db) for row, pk in attach])
            both = fresh + attach
            if both:
                insert_rows(
                    cursor,
                    Elder,
                    ELDER_COLUMNS,
                    elder_insert,
                    [_elder_tuple(row, pk, now_db, actor_id, risk, today) for row, pk in both],
                )
                counts.created += len(both)
            stage.spool("person", upd_person)
            stage.spool("elder", upd_elder)
        # Updates of files already on record go last: on PostgreSQL their row locks are
        # then held only until the commit that follows.
        for kind, sql in (
            ("attach", update_sql(Person, PERSON_ATTACH_COLUMNS, "id")),
            ("person", update_sql(Person, PERSON_UPDATE_COLUMNS, "id")),
            ("elder", update_sql(Elder, ELDER_UPDATE_COLUMNS, "person_id")),
        ):
            for batch in stage.spooled(kind):
                cursor.executemany(sql, batch)
    return counts


def _person_tuple(row: tuple, pk: int, now_db) -> tuple:
    return (
        pk,
        row[3],
        row[4],
        row[5],
        row[6],
        row[1],
        row[7],
        row[8],
        dt.date.fromisoformat(row[9]),
        row[10],
        row[S["phone"]] or "",
        row[S["address"]] or "",
        now_db,
        now_db,
        row[S["region"]],
    )


def _person_attach_tuple(row: tuple, pk: int, now_db) -> tuple:
    return (
        row[3],
        row[4],
        row[5],
        row[6],
        row[7],
        row[8],
        dt.date.fromisoformat(row[9]),
        row[10],
        row[S["phone"]] or "",
        row[S["address"]] or "",
        row[S["region"]],
        now_db,
        pk,
    )


def _elder_tuple(row: tuple, pk: int, now_db, actor_id, risk, today) -> tuple:
    p = new_profile(row)
    level = row[S["risk"]]
    if level is None and risk is not None:
        birth = dt.date.fromisoformat(row[S["birth"]])
        facts = facts_tuple(
            age_on(birth, today), row[S["sex"]], p, ability_level="", status="active"
        )
        level = risk.level(row[S["region_path"]], facts)
    return (
        pk,
        row[S["region"]],
        row[S["region_path"]],
        row[1],
        p["residence"],
        p["rural"],
        p["living_situation"],
        p["left_behind"],
        p["has_carer"],
        p["no_children"],
        p["children_outside_county"],
        p["welfare"],
        p["family_planning_special"],
        p["widowed_childless"],
        p["party_member"],
        p["dementia"],
        p["ltc_grade"],
        "",
        None,
        level or RiskLevel.LOW,
        now_db if level else None,
        ElderStatus.ACTIVE,
        None,
        "",
        row[S["warning"]] or "",
        p["note"],
        actor_id,
        now_db,
        now_db,
    )


def _changes(row, have, today_db, now_db, today, risk) -> tuple[tuple | None, tuple] | None:
    """The update tuples for a file on record, or None when the file says nothing new."""
    name = row[S["name"]]
    phone = row[S["phone"]] if row[S["phone"]] is not None else have[X["phone"]]
    address = row[S["address"]] if row[S["address"]] is not None else have[X["address"]]
    region = row[S["region"]]
    person_changed = (
        name != have[X["name"]] or phone != have[X["phone"]] or address != have[X["address"]]
    )
    profile: dict[str, Any] = {}
    elder_changed = region != have[X["region_id"]] or have[X["status"]] != ElderStatus.ACTIVE
    rural = row[S["rural"]]
    profile["rural"] = _bool(have[X["rural"]]) if rural is None else _bool(rural)
    elder_changed |= profile["rural"] != _bool(have[X["rural"]])
    for key in PROFILE_KEYS:
        given = row[S[key]]
        old = have[X[key]]
        if key in BOOL_FIELDS_SET:
            old = _bool(old)
            given = None if given is None else _bool(given)
        value = old if given is None else given
        profile[key] = value
        if value != old:
            elder_changed = True
    if not person_changed and not elder_changed:
        return None
    person_row = None
    if person_changed or region != have[X["region_id"]]:
        full, initials = to_pinyin(name)
        person_row = (name, full, initials, phone, address, region, now_db, have[0])
    reactivated = have[X["status"]] != ElderStatus.ACTIVE
    status_changed_on = today_db if reactivated else have[X["status_changed_on"]]
    level, computed = have[X["risk_level"]], have[X["risk_computed_at"]]
    if risk is not None:
        birth = have[X["birth_date"]]
        if isinstance(birth, str):
            birth = dt.date.fromisoformat(birth)
        facts = facts_tuple(
            age_on(birth, today) if birth else None,
            have[X["sex"]] or "",
            profile,
            ability_level=have[X["ability_level"]] or "",
            status="active",
        )
        level, computed = risk.level(row[S["region_path"]], facts), now_db
    elder_row = (
        region,
        row[S["region_path"]],
        profile["rural"],
        *(profile[key] for key in PROFILE_KEYS),
        ElderStatus.ACTIVE,
        status_changed_on,
        level,
        computed,
        now_db,
        have[0],
    )
    return person_row, elder_row


# ---------------------------------------------------------------- one import


@dataclass
class ImportResult:
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejects_path: str = ""
    timings: dict[str, float] = field(default_factory=dict)


def imports_dir() -> Path:
    path = Path(settings.VAR_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


HEADER_SEARCH_ROWS = 10


def import_rows(
    rows: Iterable[tuple[int, list[str]]],
    *,
    actor,
    scope_region: Region,
    filename: str = "",
    sha256: str = "",
    today: dt.date | None = None,
    progress: Callable[..., None] | None = None,
    rejects_path: Path | None = None,
    source: str = "upload",
    request=None,
    compute_risk: bool = True,
    estimate: int = 0,
    stage_path: Path | None = None,
    on_merged: Callable[[Counts, int], None] | None = None,
) -> ImportResult:
    """Check every row, stage the good ones, merge them in one transaction, audit the
    import as one event and write the rejected rows (original cells + reason) to
    ``rejects_path``. The first row holding 姓名 and 身份证号 is the header. Files of
    ``PARALLEL_MIN_ROWS`` rows or more (by ``estimate``) are checked by worker
    processes, one per core, while this process reads the file and stages.

    ``stage_path`` names the scratch file (a job's own, so that a killed run's leftover
    can be found and removed); ``on_merged(counts, rejected)`` runs inside the merge
    transaction, so what it writes (the job's counts) commits with the rows or not
    at all."""
    today = today or timezone.localdate()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    iterator = iter(rows)
    headers: list[str] | None = None
    for _attempt in range(HEADER_SEARCH_ROWS):
        try:
            _row_no, cells = next(iterator)
        except StopIteration:
            break
        mapped = map_columns(cells)
        if "name" in mapped and "id_number" in mapped:
            headers = [str(c) for c in cells]
            break
    if headers is None:
        raise ValidationFailed(
            fields={
                "file": [
                    _("找不到表头：应有“姓名”“身份证号”“所属村(社区)代码”等列，请使用导入模板")
                ]
            }
        )
    risk = RiskCalculator(today) if compute_risk else None
    workers = worker_count(estimate)
    if workers:
        checked = _check_in_workers(iterator, headers, scope_region.path, today, risk, workers)
    else:
        checker = RowChecker(headers, scope_path=scope_region.path, today=today, risk=risk)
        checked = _check_here(iterator, checker)
    stage = Stage(stage_path or imports_dir() / f"stage-{uuid.uuid4().hex}.sqlite3")
    result = ImportResult()
    try:
        total = 0
        seen: dict[str, int] = {}  # ID hash -> the row that has it first
        add_good, add_bad = stage.add_good, stage.add_bad
        for row_no, cells, staged, reason in checked:
            total += 1
            if staged is None:
                add_bad(row_no, cells, reason)
            else:
                first = seen.setdefault(staged[1], row_no)
                if first == row_no:
                    add_good(staged)
                else:
                    add_bad(row_no, cells, _duplicate(first))
            if progress is not None and total % 5000 == 0:
                progress(total)
        del seen
        stage.flush()
        result.total = total
        timings["check"] = time.perf_counter() - started
        if progress is not None:
            progress(total, committing=True)
        merge_started = time.perf_counter()
        conflicts: list[tuple[int, str, str]] = []
        counts = _merge_with_retry(
            stage,
            actor=actor,
            scope_region=scope_region,
            today=today,
            risk=risk,
            conflicts=conflicts,
            detail={
                "filename": filename,
                "sha256": sha256,
                "total": total,
                "source": source,
            },
            bad_before=stage.bad_count,
            request=request,
            on_merged=on_merged,
        )
        for row_no, raw, reason in conflicts:
            stage.add_bad(row_no, raw.split("\x1f"), reason)
        stage.flush()
        timings["merge"] = time.perf_counter() - merge_started
        result.created, result.updated, result.unchanged = (
            counts.created,
            counts.updated,
            counts.unchanged,
        )
        result.rejected = stage.bad_count
        if stage.bad_count and rejects_path is not None:
            write_started = time.perf_counter()
            width = len(headers)

            def reject_rows():
                for row_no, raw, reason in stage.bad():
                    cells = raw.split("\x1f")[:width]
                    cells += [""] * (width - len(cells))
                    yield [
                        *cells,
                        _("%(reason)s（原第 %(n)s 行）") % {"reason": reason, "n": row_no},
                    ]

            write_xlsx(
                rejects_path,
                [*headers, REASON_HEADER],
                reject_rows(),
                sheet_name=_("未导入的行"),
                widths=[12] * len(headers) + [60],
            )
            result.rejects_path = str(rejects_path)
            timings["rejects"] = time.perf_counter() - write_started
    finally:
        stage.close()
    timings["total"] = time.perf_counter() - started
    result.timings = timings
    return result


def _duplicate(first: int) -> str:
    return _("与第 %(n)s 行的身份证号重复（已按第 %(n)s 行处理）") % {"n": first}


PARALLEL_MIN_ROWS = 20_000
CHECK_BATCH = 2000


PARALLEL_MIN_CORES = 4


def worker_count(estimate: int) -> int:
    """Worker processes for checking a large file: one per core but one, on a machine
    of ``PARALLEL_MIN_CORES`` or more. This process still reads the file, hands out the
    rows and stages the results (about a third of the work), so on two cores the
    workers only add overhead (measured: the check took 1.4-2x longer), and small
    files are not worth the fork."""
    import multiprocessing

    cores = os.cpu_count() or 1
    if estimate < PARALLEL_MIN_ROWS or cores < PARALLEL_MIN_CORES:
        return 0
    if "fork" not in multiprocessing.get_all_start_methods():
        return 0
    return min(cores - 1, 8)


def _check_here(rows, checker: RowChecker):
    check = checker.check
    for row_no, cells in rows:
        if any(cells):
            yield (row_no, cells, *check(row_no, cells))


# The checker of the current parallel check, inherited by the forked workers.
_FORKED_CHECKER: RowChecker | None = None


def _worker_check(batch: list[tuple[int, list[str]]]) -> list[tuple[tuple | None, str]]:
    """In a forked worker: check a batch with the checker inherited from the parent.
    The checker holds everything it needs (regions, county codes, policy rules): the
    worker never touches the parent's database connection."""
    check = _FORKED_CHECKER.check
    return [check(row_no, cells) for row_no, cells in batch]


def _check_in_workers(rows, headers, scope_path, today, risk, workers: int):
    """Rows in batches to ``workers`` forked processes, at most two batches each in
    flight (so memory stays flat), results back in file order. Fork, not spawn: the
    workers start with Django, the rules and the regions already loaded, and the main
    module of whatever started the import is not run again."""
    import multiprocessing
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor

    global _FORKED_CHECKER
    _FORKED_CHECKER = RowChecker(
        headers,
        scope_path=scope_path,
        today=today,
        risk=risk,
        regions=all_regions(scope_path),
        known_codes=county_codes(),
    )
    context = multiprocessing.get_context("fork")
    try:
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            pending: deque = deque()

            def drain(limit: int):
                while len(pending) > limit:
                    batch, future = pending.popleft()
                    results = future.result()
                    for (row_no, cells), (staged, reason) in zip(batch, results, strict=True):
                        yield row_no, cells, staged, reason

            batch: list[tuple[int, list[str]]] = []
            for row_no, cells in rows:
                if not any(cells):
                    continue
                batch.append((row_no, cells))
                if len(batch) >= CHECK_BATCH:
                    pending.append((batch, pool.submit(_worker_check, batch)))
                    batch = []
                    yield from drain(2 * workers)
            if batch:
                pending.append((batch, pool.submit(_worker_check, batch)))
            yield from drain(0)
    finally:
        _FORKED_CHECKER = None


def _merge_with_retry(
    stage,
    *,
    actor,
    scope_region,
    today,
    risk,
    conflicts,
    detail,
    bad_before,
    request,
    on_merged=None,
) -> Counts:
    """One transaction; tried again if another office registered one of the numbers at
    the same moment (the unique index refused) or, on SQLite, the write lock stayed
    busy past its timeout."""
    last_error: Exception | None = None
    for attempt in range(3):
        conflicts.clear()
        try:
            with transaction.atomic():
                counts = merge(
                    stage,
                    actor=actor,
                    scope_path=scope_region.path,
                    today=today,
                    risk=risk,
                    on_rejected=lambda n, raw, reason: conflicts.append((n, raw, reason)),
                )
                audit.record(
                    actor=actor,
                    action="elder.import",
                    region=scope_region,
                    request=request,
                    detail={
                        **detail,
                        "created": counts.created,
                        "updated": counts.updated,
                        "unchanged": counts.unchanged,
                        "rejected": bad_before + counts.rejected,
                    },
                )
                if on_merged is not None:
                    on_merged(counts, bad_before + counts.rejected)
            return counts
        except IntegrityError as exc:
            last_error = exc
        except OperationalError as exc:
            if "locked" not in str(exc).lower():
                raise
            last_error = exc
        time.sleep(0.5 * (attempt + 1))
    raise last_error  # type: ignore[misc]


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def job_lock(job_id: int, *, blocking: bool = True) -> Iterator[bool]:
    """Held by the process running a job, from before its status leaves 排队中 to the
    end. An advisory lock on a file beside the uploads (``flock``): the kernel drops
    it when the process dies, however it dies, so a job marked running whose lock is
    free was left behind by a killed worker (``recover_jobs``). The web process and
    the worker share ``VAR_DIR/imports`` already (the upload is read from there)."""
    import fcntl

    fd = os.open(imports_dir() / f"job-{job_id}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def stage_path_for(job_id: int) -> Path:
    return imports_dir() / f"job-{job_id}-stage.sqlite3"


def remove_stage(job_id: int) -> None:
    """The scratch file of a run that was killed (it holds the checked rows)."""
    path = stage_path_for(job_id)
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def run_job(job: ImportJob, *, request=None, today: dt.date | None = None) -> ImportJob:
    """Run one import job to the end: status, progress and counts on the job row."""
    with job_lock(job.pk):
        return run_job_locked(job, request=request, today=today)


def run_job_locked(job: ImportJob, *, request=None, today: dt.date | None = None) -> ImportJob:
    """``run_job`` for a caller that holds ``job_lock(job.pk)`` already.

    Killed at any point (SIGKILL, power cut), the job leaves no partial rows: the rows,
    the audit event, the job's counts and ``finished_at`` commit in one transaction
    (``on_merged``). What is left is the job marked running: without ``finished_at``
    ``import_tasks.recover_jobs`` queues it again (its upload is still on disk), with
    it the recovery only marks it 已完成."""
    actor = job.created_by
    last = {"at": 0.0}

    def progress(done: int, committing: bool = False) -> None:
        now = time.monotonic()
        if committing or now - last["at"] >= 1.0:
            last["at"] = now
            fields: dict[str, Any] = {"processed": done}
            if committing:
                fields.update(status=ImportStatus.COMMITTING, total=done)
            elif job.total and done > job.total:  # the estimate was short
                job.total = fields["total"] = done
            ImportJob.objects.filter(pk=job.pk).update(**fields)

    def on_merged(counts: Counts, rejected: int) -> None:
        # Committed with the rows: a run killed after the commit is finished by
        # ``recover_jobs`` from these counts instead of being run again.
        ImportJob.objects.filter(pk=job.pk).update(
            processed=F("total"),
            created=counts.created,
            updated=counts.updated,
            unchanged=counts.unchanged,
            rejected=rejected,
            finished_at=timezone.now(),
        )

    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.VALIDATING, error="", finished_at=None
    )
    remove_stage(job.pk)  # a killed run's scratch file
    result = None
    try:
        estimate, rows = open_rows(job.upload_path, job.filename)
        ImportJob.objects.filter(pk=job.pk).update(total=max(estimate - 1, 0))
        job.total = max(estimate - 1, 0)
        result = import_rows(
            rows,
            estimate=estimate,
            actor=actor,
            scope_region=job.region,
            filename=job.filename,
            sha256=job.sha256,
            today=today,
            progress=progress,
            rejects_path=imports_dir() / f"job-{job.pk}-rejects.xlsx",
            request=request,
            stage_path=stage_path_for(job.pk),
            on_merged=on_merged,
        )
    except ValidationFailed as exc:
        message = "；".join(m for msgs in exc.fields.values() for m in msgs) or exc.message
        _fail(job, message, actor, request)
    except Exception:
        log.exception("elder import job %s failed", job.pk)
        _fail(job, _("导入失败：系统内部错误，已记录，请联系管理员"), actor, request)
    else:
        log.info("elder import job %s: %s", job.pk, result.timings)
        remove_stage(job.pk)
        _forget_upload(job)
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.DONE,
            total=result.total,
            processed=result.total,
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            rejected=result.rejected,
            rejects_path=result.rejects_path,
            finished_at=timezone.now(),
        )
    finally:
        remove_stage(job.pk)
    job.refresh_from_db()
    job.timings = result.timings if result is not None else {}
    return job


def forget_upload(job: ImportJob) -> None:
    _forget_upload(job)


def _forget_upload(job: ImportJob) -> None:
    """An uploaded file holds full ID numbers in clear: once imported it goes (its hash
    stays on the job and in the audit event; the rejected rows stay downloadable). A
    failed job keeps its file so that it can be looked into and run again."""
    path = Path(job.upload_path)
    try:
        inside = path.resolve().is_relative_to(imports_dir().resolve())
    except OSError:
        return
    if inside:
        path.unlink(missing_ok=True)


def _fail(job: ImportJob, message: str, actor, request) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.FAILED, error=message[:2000], finished_at=timezone.now()
    )
    audit.record(
        actor=actor,
        action="elder.import",
        region=job.region,
        outcome=Outcome.FAILED,
        request=request,
        detail={"filename": job.filename, "sha256": job.sha256, "error": message[:500]},
    )


def safe_filename(name: str) -> str:
    base = os.path.basename(name or "upload")
    base = re.sub(r"[^\w.\-\u4e00-\u9fff]", "_", base)[:120]
    return base or "upload"


def root_region() -> Region:
    return Region.objects.get(code=ROOT_CODE)
