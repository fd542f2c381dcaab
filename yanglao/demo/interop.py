"""Demo of the linked systems: 宁乡镇敬老院 in 中阳县 sends its residents and beds the
way its management system would, through the feed service and the demo operator
account ``zy_facility``. Most rows match elder files of 宁乡镇; a few do not, each for
a reason an officer meets in practice: a number typed with a wrong check character, a
resident with no file on the platform, an elder whose file is kept by 金罗镇 (outside the
operator's township) and a row sent twice."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from yanglao.accounts.models import User
from yanglao.core.scope import path_q
from yanglao.elders.models import Elder, ElderStatus
from yanglao.facilities.models import Facility
from yanglao.interop import services
from yanglao.interop.models import FeedBatch
from yanglao.people.idnumbers import make_id_number
from yanglao.people.services import find_by_id_number, reveal_id
from yanglao.regions.models import Region

HOME = "宁乡镇敬老院"
CARE_LEVELS = ["自理", "一级护理", "二级护理", "二级护理", "三级护理", "特级护理"]


def _elders(region_code: str, count: int) -> list[Elder]:
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        return []
    return list(
        Elder.objects.filter(path_q(region.path, "region_path"), status=ElderStatus.ACTIVE)
        .exclude(id_number_hash="")
        .select_related("person")
        .order_by("person__birth_date", "pk")[:count]
    )


def _unknown_number() -> str:
    """A valid number (check character right) that no file on the platform has."""
    for sequence in range(901, 999):
        number = make_id_number("141129", dt.date(1939, 2, 11), sequence)
        if find_by_id_number(number) is None:
            return number
    raise RuntimeError("no free demo ID number")


def _wrong_check(number: str) -> str:
    return number[:-1] + ("1" if number[-1] != "1" else "2")


def load_demo() -> dict[str, int] | None:
    """Idempotent: nothing happens when the home already has a batch."""
    home = Facility.objects.filter(name=HOME, region_id="141129100").first()
    operator = User.objects.filter(username="zy_facility").first()
    if home is None or operator is None or FeedBatch.objects.filter(facility=home).exists():
        return None
    residents = _elders("141129100", 8)
    outsider = _elders("141129101", 1)
    if len(residents) < 4:
        return None
    today = timezone.localdate()
    rows = []
    for i, elder in enumerate(residents[:-1]):
        rows.append(
            {
                "id_number": reveal_id(elder.person),
                "name": elder.person.name,
                "room": f"{101 + i // 2}",
                "bed": f"{101 + i // 2}-{i % 2 + 1}",
                "admitted_on": (today - dt.timedelta(days=40 + 97 * i)).isoformat(),
                "care_level": CARE_LEVELS[i % len(CARE_LEVELS)],
            }
        )
    # A number typed with a wrong check character (the last of the residents).
    typo = residents[-1]
    rows.append(
        {
            "id_number": _wrong_check(reveal_id(typo.person)),
            "name": typo.person.name,
            "room": "105",
            "bed": "105-1",
            "admitted_on": (today - dt.timedelta(days=12)).isoformat(),
            "care_level": "一级护理",
        }
    )
    # A resident with no file on the platform (admitted from another province).
    rows.append(
        {
            "id_number": _unknown_number(),
            "name": "郝玉珍",
            "room": "105",
            "bed": "105-2",
            "admitted_on": (today - dt.timedelta(days=5)).isoformat(),
            "care_level": "二级护理",
        }
    )
    # An elder whose file 金罗镇 keeps: the operator's account is scoped to 宁乡镇.
    if outsider:
        rows.append(
            {
                "id_number": reveal_id(outsider[0].person),
                "name": outsider[0].person.name,
                "room": "106",
                "bed": "106-1",
                "admitted_on": (today - dt.timedelta(days=20)).isoformat(),
                "care_level": "三级护理",
            }
        )
    # The same resident sent twice.
    rows.append(dict(rows[0]))
    batch = services.feed_residents(
        actor=operator,
        facility=home,
        residents=rows,
        as_of=today,
        complete=True,
        source="api",
    )
    matched = batch.matched
    services.feed_beds(
        actor=operator,
        facility=home,
        total=home.beds,
        occupied=min(home.beds, home.residents + 2),
        as_of=today,
    )
    return {"rows": batch.total, "matched": matched, "unmatched": batch.unmatched}
