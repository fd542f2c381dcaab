"""Resident ID numbers (GB 11643), done right.

The check character (ISO 7064 MOD 11-2) and the birth date are checked; 15-digit legacy
numbers are converted to 18. The first six digits are the region code of issue, which for
an elder is often a code created long after their birth or since abolished: an unknown
code is a warning on the record, never a rejection (some validators reject such numbers;
we only use stdnum for the check-character arithmetic).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from stdnum.cn import ric

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


class IdNumberError(ValueError):
    """The number cannot be anyone's: the message says why, in Chinese."""


@dataclass(frozen=True)
class IdInfo:
    number: str
    birth_date: dt.date
    sex: str  # "M" or "F"
    region_code: str
    warnings: list[str] = field(default_factory=list)

    @property
    def tail(self) -> str:
        return self.number[-4:]


def check_character(first17: str) -> str:
    return ric.calc_check_digit(first17)


def convert_15_to_18(number: str) -> str:
    """Legacy numbers (issued before 1999) omit the century and the check character."""
    first17 = number[:6] + "19" + number[6:]
    return first17 + check_character(first17)


def normalise(raw: str) -> str:
    text = (raw or "").strip().replace(" ", "").upper()
    return text.replace("Ｘ", "X")


def parse_id_number(raw: str, *, today: dt.date | None = None, known_region=None) -> IdInfo:
    """Check and decode a number. ``known_region(code) -> bool`` tells whether the six-digit
    region code exists (current or abolished); an unknown code only adds a warning."""
    number = normalise(raw)
    if not number:
        raise IdNumberError("身份证号不能为空")
    if len(number) == 15:
        if not number.isdigit():
            raise IdNumberError("15 位身份证号只能是数字")
        number = convert_15_to_18(number)
    if len(number) != 18:
        raise IdNumberError(f"身份证号应为 18 位，现为 {len(number)} 位")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise IdNumberError("身份证号前 17 位应为数字，最后一位为数字或 X")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdNumberError(f"身份证号中的出生日期 {number[6:14]} 不是有效日期") from None
    today = today or dt.date.today()
    if birth > today or birth.year < 1880:
        raise IdNumberError(f"身份证号中的出生日期 {birth.isoformat()} 不合理")
    expected = check_character(number[:17])
    if number[17] != expected:
        raise IdNumberError(f"身份证号校验位错误（应为 {expected}），请核对号码")
    warnings = []
    region_code = number[:6]
    if known_region is not None and not known_region(region_code):
        warnings.append(
            f"身份证号前 6 位 {region_code} 不是现行或已撤销的区划代码，请核对（不影响建档）"
        )
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return IdInfo(
        number=number, birth_date=birth, sex=sex, region_code=region_code, warnings=warnings
    )


def make_id_number(region_code: str, birth: dt.date, sequence: int) -> str:
    """A valid number for tests and the demo generator (sequence 0..999; odd = male)."""
    first17 = f"{region_code}{birth:%Y%m%d}{sequence % 1000:03d}"
    return first17 + check_character(first17)
