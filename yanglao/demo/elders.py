"""Generated elders for the demo and the benchmarks: realistic, never real.

Names come from Faker's zh_CN tables (surnames weighted by frequency) mixed with the
given names of the generation born 1925–1965; ID numbers are valid (check character,
birth date, sex digit) and carry the county code of the village, now and then the code
the county had before a boundary change, as elders' numbers often do (DOMAIN.md);
ages run from 60 to about 100, most of them in their sixties; household, welfare and
family facts are mixed in plausible shares for rural villages and urban communities.

Rows come out in the import template's columns (``importer.TEMPLATE_HEADERS``), so the
same rows feed a file (.xlsx/.csv, for the benchmark) or the import's bulk writer
straight into the database.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db.models import Q
from django.utils import timezone

from yanglao.core.scope import path_q
from yanglao.people.idnumbers import make_id_number
from yanglao.regions.models import ROOT_CODE, Level, Region

# Codes of the demo counties before a change, seen on older elders' ID numbers:
# 中阳县 under 吕梁地区 (until 2004), 潞州区 from 长治市城区 (2018), 沙县区 from 沙县 (2021),
# 鄞州区 from 鄞县 (2002), 奉化区 from 奉化市 (2016).
OLDER_CODES = {
    "141129": "142332",
    "140403": "140402",
    "350405": "350427",
    "330212": "330227",
    "330213": "330283",
}
OLDER_CODE_SHARE = 0.08


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Given names common in the generation now aged 60-100 (Faker's zh_CN lists are modern).
OLDER_MALE = _words(
    "建国 建华 建军 国华 国强 国庆 德明 德胜 德福 长福 长贵 有才 有福 富贵 福贵 永福 永明 金山 "
    "玉林 志强 志明 志刚 文明 文华 振华 保国 宝山 桂林 树林 春生 秋生 来福 来顺 根生 水生 "
    "满仓 铁柱 占山 海生 明德 守仁 茂林 广才 继红 卫东 向阳 跃进 援朝 胜利 解放 和平"
)
OLDER_FEMALE = _words(
    "秀英 桂英 秀兰 玉兰 桂兰 淑珍 凤英 玉珍 秀珍 翠花 桂芳 素芳 玉梅 淑英 春花 金凤 凤兰 "
    "桂珍 玉英 秀芳 丽华 美兰 月英 冬梅 腊梅 爱华 爱莲 菊英 菊花 兰英 彩霞 秀梅 素珍 荷花 "
    "巧云 银凤 金花 玉凤 淑兰 淑华 秀云 秀珍 改兰 改英 换弟 招娣 来娣"
)
PHONE_PREFIXES = _words(
    "130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 "
    "166 173 177 180 181 182 183 185 186 187 188 189 199"
)
NOTES = ("行动不便", "听力较差", "需定期送药", "患高血压", "患糖尿病", "视力较差", "腿脚不便")


@dataclass(frozen=True)
class Village:
    code: str
    name: str
    township: str
    county: str
    rural: bool
    weight: float


def demo_villages(region_code: str | None = None) -> list[Village]:
    """Current villages/communities (else townships) with a demo population, under
    ``region_code`` (default: all of them), weighted by their population aged 60+."""
    qs = Region.objects.filter(valid_to__isnull=True)
    if region_code and region_code != ROOT_CODE:
        region = Region.objects.filter(code=region_code).first()
        if region is None:
            raise ValueError(f"区划代码 {region_code} 不存在")
        qs = qs.filter(path_q(region.path, "path"))
    villages = list(
        qs.filter(level=Level.VILLAGE).filter(Q(source="demo") | Q(registered_60__isnull=False))
    )
    if not villages:
        villages = list(qs.filter(level=Level.VILLAGE))
    if not villages:
        villages = list(qs.filter(level=Level.TOWNSHIP)[:500])
    if not villages:
        raise ValueError("该区划下没有村(社区)或乡镇(街道)")
    parents = dict(
        Region.objects.filter(code__in={v.parent_id for v in villages}).values_list("code", "name")
    )
    from yanglao.elders.importer import is_urban_name

    out = []
    for v in villages:
        township = parents.get(v.parent_id, "") if v.level == Level.VILLAGE else ""
        out.append(
            Village(
                code=v.code,
                name=v.name,
                township=township,
                county=v.code[:6],
                rural=not is_urban_name(v.name) and not is_urban_name(township),
                weight=float(v.registered_60 or v.resident_60 or 300),
            )
        )
    return out


def _surnames() -> tuple[list[str], list[float]]:
    from faker.providers.person.zh_CN import Provider

    names = list(Provider.last_names)
    weights = list(Provider.last_names.values())
    return names, weights


def _given_names() -> tuple[tuple[str, ...], tuple[str, ...]]:
    from faker.providers.person.zh_CN import Provider

    return tuple(Provider.first_names_male), tuple(Provider.first_names_female)


def _given(rng: random.Random, male: bool, modern: tuple[tuple[str, ...], tuple[str, ...]]):
    if rng.random() < 0.6:
        return rng.choice(OLDER_MALE if male else OLDER_FEMALE)
    pool = modern[0] if male else modern[1]
    first = rng.choice(pool)
    if len(first) == 1 and rng.random() < 0.6:
        return first + rng.choice(pool)[0]
    return first


def _pick(rng: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    roll = rng.random()
    for value, share in table:
        roll -= share
        if roll < 0:
            return value
    return table[-1][0]


LIVING_RURAL = (("alone", 0.16), ("spouse", 0.38), ("family", 0.40), ("inst", 0.02))
LIVING_URBAN = (("alone", 0.12), ("spouse", 0.40), ("family", 0.44), ("inst", 0.03))
LIVING_WORD = {
    "alone": ("独居", "1"),
    "spouse": ("空巢", "2", "与配偶同住"),
    "family": ("与子女同住", "3", "4", "5", "6", "与子女或亲属同住"),
    "inst": ("养老机构", "8"),
    "other": ("其他", "7"),
}


def generate_rows(
    n: int,
    villages: list[Village],
    *,
    seed: int | None = None,
    today: dt.date | None = None,
) -> Iterator[list[str]]:
    """``n`` rows in the template's columns (without the header)."""
    rng = random.Random(seed)
    today = today or timezone.localdate()
    surnames, surname_weights = _surnames()
    modern = _given_names()
    cum = []
    total = 0.0
    for w in surname_weights:
        total += w
        cum.append(total)
    village_cum = []
    total_v = 0.0
    for v in villages:
        total_v += v.weight
        village_cum.append(total_v)
    seen: set[str] = set()
    yes, no = "是", "否"
    for _i in range(n):
        village = rng.choices(villages, cum_weights=village_cum)[0]
        male = rng.random() < 0.47
        age = 60 + int(rng.expovariate(1 / 11))
        while age > 102:
            age = 60 + int(rng.expovariate(1 / 11))
        birth = today - dt.timedelta(days=age * 365 + rng.randrange(365) + age // 4 + 1)
        county = village.county
        if county in OLDER_CODES and rng.random() < OLDER_CODE_SHARE:
            county = OLDER_CODES[county]
        while True:
            number = make_id_number(county, birth, rng.randrange(500) * 2 + (1 if male else 0))
            if number not in seen:
                seen.add(number)
                break
            birth -= dt.timedelta(days=1)
        surname = rng.choices(surnames, cum_weights=cum)[0]
        name = surname + _given(rng, male, modern)
        phone = ""
        if rng.random() < 0.85:
            phone = rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        if village.rural:
            address = (
                f"{village.township}{village.name}{rng.randint(1, 12)}组{rng.randint(1, 90)}号"
            )
        else:
            address = (
                f"{village.township}{village.name}{rng.randint(1, 30)}号楼"
                f"{rng.randint(1, 6)}单元{rng.randint(1, 18)}0{rng.randint(1, 4)}室"
            )
        living = _pick(rng, LIVING_RURAL if village.rural else LIVING_URBAN)
        if age >= 80 and living == "spouse" and rng.random() < 0.3:
            living = "alone"
        if rng.random() < 0.02:
            living = "other"
        no_children = rng.random() < 0.04
        widowed_childless = no_children and living == "alone" and rng.random() < 0.7
        left_behind = (
            village.rural and not no_children and living != "family" and rng.random() < 0.35
        )
        children_outside = not no_children and rng.random() < (0.3 if left_behind else 0.12)
        carer_share = {"alone": 0.45, "spouse": 0.9}.get(living, 0.98)
        has_carer = rng.random() < carer_share
        roll = rng.random()
        if (widowed_childless and roll < 0.6) or roll < 0.02:
            welfare = "特困"
        elif roll < 0.09 + (0.04 if village.rural else 0):
            welfare = "低保"
        elif roll < 0.14:
            welfare = "经济困难"
        else:
            welfare = "无" if rng.random() < 0.5 else ""
        ltc = ""
        if age >= 75 and rng.random() < 0.06:
            ltc = str(rng.choice((1, 1, 1, 2, 2, 3, 4, 5)))
        residence = _pick(rng, (("户籍且常住", 0.86), ("户籍", 0.08), ("常住", 0.06)))
        words = LIVING_WORD[living]
        yield [
            name,
            number,
            phone,
            address,
            village.code,
            residence,
            words[0] if rng.random() < 0.7 else rng.choice(words),
            yes if left_behind else no,
            yes if has_carer else no,
            yes if no_children else no,
            yes if children_outside else no,
            welfare,
            yes if rng.random() < 0.012 else no,
            yes if widowed_childless else no,
            yes if rng.random() < (0.12 if male else 0.04) else no,
            ltc,
            rng.choice(NOTES) if rng.random() < 0.03 else "",
        ]


def write_file(path: str | Path, rows: Iterator[list[str]], *, rows_hint: int | None = None) -> int:
    """Rows into an .xlsx (text cells, the fast writer) or a UTF-8 .csv, with the header."""
    from yanglao.elders.importer import COLUMNS, TEMPLATE_HEADERS, write_xlsx

    path = Path(path)
    if path.suffix.lower() == ".csv":
        count = 0
        with open(path, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(TEMPLATE_HEADERS)
            for row in rows:
                writer.writerow(row)
                count += 1
        return count
    return write_xlsx(
        path,
        TEMPLATE_HEADERS,
        rows,
        sheet_name="老年人信息",
        widths=[c.width for c in COLUMNS],
        safe=False,
        rows_hint=rows_hint,
    )


def numbered(rows: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    """The header and the rows as the importer reads a file: (row number, cells)."""
    from yanglao.elders.importer import TEMPLATE_HEADERS

    yield 1, list(TEMPLATE_HEADERS)
    yield from enumerate(rows, start=2)


def generate_into_db(
    n: int,
    *,
    region_code: str | None = None,
    seed: int | None = None,
    actor=None,
    source: str = "generate_elders",
    progress=None,
):
    """``n`` generated elders written by the import's bulk writer (one transaction,
    one audit event)."""
    from yanglao.elders.importer import import_rows

    villages = demo_villages(region_code)
    scope = Region.objects.get(code=region_code or ROOT_CODE)
    return import_rows(
        numbered(generate_rows(n, villages, seed=seed)),
        actor=actor,
        scope_region=scope,
        filename=f"generated:{n}",
        source=source,
        progress=progress,
        estimate=n,
    )


def load_elders(count: int = 3000, *, seed: int = 2026) -> int:
    """`make demo`: a few thousand elders across the demo villages (idempotent: nothing
    happens when there are already ``count`` or more). Returns how many were created."""
    from yanglao.elders.models import Elder

    have = Elder.objects.count()
    if have >= count:
        return 0
    result = generate_into_db(count - have, seed=seed + have, source="load_demo")
    return result.created
