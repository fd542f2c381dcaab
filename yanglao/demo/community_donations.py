"""Demo of donations (捐赠与公示): a season of gifts to Sanming's village centres (Party
members, local worthies, children working away, a company; one anonymous) and to 中阳县's
金罗镇 first village (its facility and the county's time-bank pool), some of it spent."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from yanglao.accounts.models import User
from yanglao.community import donations
from yanglao.community.models import DonationLine
from yanglao.facilities.models import Facility, VillageCentre

ZY_VILLAGE = "141129101201"

# donor kind, donor, anonymous, amount, items, purpose
SANMING = [
    ("party_member", "老党员林德水", False, "2000.00", "", "助餐"),
    ("local_worthy", "乡贤罗永福", False, "10000.00", "", "幸福院修缮"),
    ("child_away", "在外务工子女黄志强", False, "1500.00", "", "助餐"),
    ("company", "三明某食品有限公司", False, "0", "大米 20 袋、食用油 10 桶", "助餐"),
    ("person", "热心村民", True, "3000.00", "", "文化活动"),
    ("local_worthy", "乡贤吴金生", False, "5000.00", "", "适老化改造"),
]


def load_donations() -> int:
    """Idempotent: does nothing when the ledger has lines; all or nothing."""
    if DonationLine.objects.exists():
        return 0
    city = User.objects.filter(username="sm_city").first()
    county = User.objects.filter(username="zy_county").first()
    start = timezone.localdate() - dt.timedelta(days=90)
    made = 0
    with transaction.atomic():
        if city is not None:
            centres = list(
                VillageCentre.objects.filter(region_path__startswith="00.35.3504.").order_by("pk")[
                    :4
                ]
            )
            for i, centre in enumerate(centres):
                for j, (kind, name, anon, amount, items, purpose) in enumerate(SANMING):
                    if (i + j) % 2:
                        continue
                    on = start + dt.timedelta(days=7 * j + i)
                    line = donations.donation_record(
                        actor=city,
                        recipient_kind="centre",
                        recipient_id=centre.pk,
                        donor_kind=kind,
                        donor_name=name,
                        anonymous=anon and i == 0,
                        amount=amount,
                        items=items,
                        purpose=purpose,
                        receipt_no=f"SM{centre.pk:04d}-{j + 1:03d}",
                        on_date=on,
                    )
                    made += 1
                    if line.amount and j % 3 == 0:
                        donations.spending_record(
                            actor=city,
                            donation=line.donation,
                            amount=line.amount * 6 / 10,
                            on_date=on + dt.timedelta(days=20),
                            receipt_no=f"ZC{centre.pk:04d}-{j + 1:03d}",
                            memo="购买米面油菜",
                        )
        facility = Facility.objects.filter(region__code=ZY_VILLAGE).order_by("pk").first()
        if county is not None and facility is not None:
            gifts = [
                ("party_member", "金罗村党支部党员", False, "1200.00", "助餐"),
                ("child_away", "在太原务工的子女", True, "800.00", "助餐"),
                ("local_worthy", "乡贤白建国", False, "6000.00", "冬季取暖"),
            ]
            for j, (kind, name, anon, amount, purpose) in enumerate(gifts):
                line = donations.donation_record(
                    actor=county,
                    recipient_kind="facility",
                    recipient_id=facility.pk,
                    donor_kind=kind,
                    donor_name=name,
                    anonymous=anon,
                    amount=amount,
                    purpose=purpose,
                    receipt_no=f"ZY-JL-{j + 1:03d}",
                    on_date=start + dt.timedelta(days=10 * j),
                )
                made += 1
                if j != 1:
                    donations.spending_record(
                        actor=county,
                        donation=line.donation,
                        amount=line.amount / 2,
                        on_date=start + dt.timedelta(days=10 * j + 15),
                        receipt_no=f"ZY-JL-ZC-{j + 1:03d}",
                    )
            donations.donation_record(
                actor=county,
                recipient_kind="pool",
                recipient_id="141129",
                donor_kind="company",
                donor_name="中阳县某煤业公司",
                amount="20000.00",
                purpose="时间银行互助池",
                receipt_no="ZY-POOL-001",
                on_date=start,
            )
            made += 1
    return made
