"""Donations (捐赠与公示): the chained ledger, its writes and its reads.

As in the time bank and the grants ledger (``yanglao/funding/chain.py``): one append-only
table, the head row locked FOR UPDATE by each writer, each line carrying the hash of the
line before. A donation is a line; spending against its purpose is a further line.
Spending beyond what was received for a purpose, or on another purpose, is flagged, not
refused. The public disclosure (公示) never shows the name of an anonymous donor.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from yanglao.core import audit
from yanglao.core.errors import NotFound, ValidationFailed
from yanglao.core.ledgers import SeqChain
from yanglao.core.scope import get_in_scope, path_q, scoped

from .models import DonationChainHead, DonationLine, DonationLineKind, DonorKind, RecipientKind

LEDGER = "donations"
ANONYMOUS = "匿名"
HASHED = (
    "seq",
    "line_kind",
    "donation",
    "recipient_kind",
    "recipient_id",
    "recipient_name",
    "region_path",
    "donor_kind",
    "donor_name",
    "anonymous",
    "amount",
    "items",
    "purpose",
    "receipt_no",
    "on_date",
    "memo",
    "created_by_id",
    "created_at",
)


CHAIN = SeqChain(LEDGER, DonationLine, DonationChainHead, HASHED)
line_hash_of = CHAIN.hash_of
locked_head = CHAIN.locked_head
append = CHAIN.append
verify_chain = CHAIN.verify


# Services ------------------------------------------------------------------------------


def _amount(value, errors: dict, *, allow_zero: bool = False) -> Decimal | None:
    try:
        amount = Decimal(str(value if value not in (None, "") else "0"))
    except Exception:
        errors["amount"] = [_("应为金额（元）")]
        return None
    if not amount.is_finite() or amount < 0 or (amount == 0 and not allow_zero):
        errors["amount"] = [_("金额应大于 0")]
        return None
    if amount != amount.quantize(Decimal("0.01")):
        errors["amount"] = [_("金额最多两位小数")]
        return None
    return amount


def recipient_in_scope(actor, kind: str, recipient_id) -> tuple[int, str, str]:
    """(id, name, region path) of a recipient in the caller's scope, or NotFound."""
    from yanglao.elders.models import Elder
    from yanglao.facilities.models import Facility, VillageCentre
    from yanglao.regions.models import Region

    if kind in (RecipientKind.CENTRE, RecipientKind.FACILITY, RecipientKind.ELDER):
        try:
            recipient_id = int(str(recipient_id).strip())
        except ValueError:
            raise ValidationFailed(fields={"recipient_id": [_("受赠方编号应为整数")]}) from None
    if kind == RecipientKind.CENTRE:
        c = get_in_scope(
            VillageCentre.objects.all(), actor, path_lookup="region_path", pk=recipient_id
        )
        return c.pk, c.registered_name, c.region_path
    if kind == RecipientKind.FACILITY:
        f = get_in_scope(Facility.objects.all(), actor, path_lookup="region_path", pk=recipient_id)
        return f.pk, f.name, f.region_path
    if kind == RecipientKind.ELDER:
        e = get_in_scope(
            Elder.objects.select_related("person"),
            actor,
            path_lookup="region_path",
            pk=recipient_id,
        )
        return e.pk, e.person.name, e.region_path
    if kind == RecipientKind.POOL:
        r = get_in_scope(Region.objects.all(), actor, field="", code=str(recipient_id))
        if len(r.code) != 6:
            raise ValidationFailed(fields={"recipient_id": [_("互助池按县级区划代码")]})
        return int(r.code), _("%(county)s时间银行互助池") % {"county": r.name}, r.path
    raise ValidationFailed(fields={"recipient_kind": [_("受赠方类别无效")]})


def donation_record(
    *,
    actor,
    recipient_kind: str,
    recipient_id,
    donor_kind: str,
    donor_name: str = "",
    anonymous: bool = False,
    amount="0",
    items: str = "",
    purpose: str,
    receipt_no: str = "",
    on_date: dt.date,
    memo: str = "",
) -> DonationLine:
    """登记一笔捐赠（钱或物）。"""
    rid, rname, rpath = recipient_in_scope(actor, recipient_kind, recipient_id)
    errors: dict[str, list[str]] = {}
    value = _amount(amount, errors, allow_zero=bool(items.strip()))
    if donor_kind not in DonorKind.values:
        errors["donor_kind"] = [_("捐赠人类别无效")]
    if not anonymous and not donor_name.strip():
        errors["donor_name"] = [_("必填（或选择匿名）")]
    if not purpose.strip():
        errors["purpose"] = [_("必填")]
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        line = append(
            actor=actor,
            line_kind=DonationLineKind.DONATION,
            donation=uuid.uuid4(),
            recipient_kind=recipient_kind,
            recipient_id=rid,
            recipient_name=rname[:100],
            region_path=rpath,
            donor_kind=donor_kind,
            donor_name=donor_name.strip()[:100],
            anonymous=bool(anonymous),
            amount=value,
            items=items.strip()[:200],
            purpose=purpose.strip()[:100],
            receipt_no=receipt_no.strip()[:50],
            on_date=on_date,
            memo=memo[:200],
        )
        audit.record(
            actor=actor,
            action="community.donation_record",
            detail={"donation": str(line.donation), "seq": line.seq},
        )
    return line


def spending_record(
    *,
    actor,
    donation: uuid.UUID,
    amount,
    purpose: str = "",
    on_date: dt.date,
    receipt_no: str = "",
    memo: str = "",
) -> DonationLine:
    """按捐赠用途登记一笔支出. Overspending or another purpose is flagged, not refused."""
    opening = donation_get(actor, donation)
    errors: dict[str, list[str]] = {}
    value = _amount(amount, errors)
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        line = append(
            actor=actor,
            line_kind=DonationLineKind.SPENDING,
            donation=opening.donation,
            recipient_kind=opening.recipient_kind,
            recipient_id=opening.recipient_id,
            recipient_name=opening.recipient_name,
            region_path=opening.region_path,
            amount=value,
            purpose=(purpose.strip() or opening.purpose)[:100],
            receipt_no=receipt_no.strip()[:50],
            on_date=on_date,
            memo=memo[:200],
        )
        audit.record(
            actor=actor,
            action="community.donation_spending",
            detail={"donation": str(line.donation), "seq": line.seq},
        )
    return line


# Selectors -----------------------------------------------------------------------------


def lines_in_scope(actor):
    return scoped(DonationLine.objects.all(), actor, path_lookup="region_path")


def donation_get(actor, donation) -> DonationLine:
    return get_in_scope(
        DonationLine.objects.all(),
        actor,
        path_lookup="region_path",
        donation=donation,
        line_kind=DonationLineKind.DONATION,
    )


def donor_label(line: DonationLine) -> str:
    """The donor as the public sees it: 匿名 for those who chose anonymity."""
    return ANONYMOUS if line.anonymous else line.donor_name


@dataclass
class PurposeTotal:
    recipient: str
    purpose: str
    received: Decimal = Decimal(0)
    spent: Decimal = Decimal(0)

    @property
    def over(self) -> bool:
        return self.spent > self.received


@dataclass
class Summary:
    donations: list = field(default_factory=list)
    spending: list = field(default_factory=list)
    purposes: list = field(default_factory=list)
    other_purpose: list = field(default_factory=list)  # spending lines off their donation's purpose

    @property
    def received(self) -> Decimal:
        return sum((d.amount for d in self.donations), Decimal(0))

    @property
    def spent(self) -> Decimal:
        return sum((s.amount for s in self.spending), Decimal(0))

    @property
    def over(self) -> list:
        return [p for p in self.purposes if p.over]


def summarize(lines) -> Summary:
    s = Summary()
    purposes: dict[tuple, PurposeTotal] = {}
    opened: dict = {}
    for line in sorted(lines, key=lambda x: x.seq):
        key = (line.recipient_kind, line.recipient_id, line.purpose)
        total = purposes.setdefault(key, PurposeTotal(_public_recipient(line), line.purpose))
        if line.line_kind == DonationLineKind.DONATION:
            s.donations.append(line)
            opened[line.donation] = line
            total.received += line.amount
        else:
            s.spending.append(line)
            total.spent += line.amount
            first = opened.get(line.donation)
            if first is not None and first.purpose != line.purpose:
                s.other_purpose.append(line)
    s.purposes = list(purposes.values())
    return s


def donation_list(
    actor, *, q: str = "", line_kind: str = "", donor_kind: str = "", recipient_kind: str = ""
):
    qs = lines_in_scope(actor).order_by("-seq")
    if q:
        from django.db.models import Q

        qs = qs.filter(
            Q(donor_name__icontains=q)
            | Q(purpose__icontains=q)
            | Q(receipt_no__icontains=q)
            | Q(recipient_name__icontains=q)
        )
    if line_kind:
        qs = qs.filter(line_kind=line_kind)
    if donor_kind:
        qs = qs.filter(donor_kind=donor_kind)
    if recipient_kind:
        qs = qs.filter(recipient_kind=recipient_kind)
    return qs


def village_public(village_code: str):
    """A village by its 12-digit code, for the public disclosure (no login), or NotFound."""
    from yanglao.regions.models import Region

    region = Region.objects.filter(code=village_code).first()
    if region is None or len(village_code) != 12:
        raise NotFound()
    return region


def disclosure(village_code: str) -> tuple:
    """公示: the village's donations and spending (public: never an anonymous donor's name)."""
    region = village_public(village_code)
    lines = list(DonationLine.objects.filter(path_q(region.path, "region_path")))
    return region, summarize(lines)


def public_rows(summary: Summary) -> dict:
    """The disclosure as plain data, donors masked: the only thing public pages show."""
    return {
        "received": f"{summary.received:.2f}",
        "spent": f"{summary.spent:.2f}",
        "donations": [
            {
                "donor": donor_label(d),
                "donor_kind": DonorKind(d.donor_kind).label
                if d.donor_kind in DonorKind.values
                else "",
                "recipient": _public_recipient(d),
                "amount": f"{d.amount:.2f}",
                "items": d.items,
                "purpose": d.purpose,
                "receipt_no": d.receipt_no,
                "on_date": d.on_date.isoformat(),
            }
            for d in summary.donations
        ],
        "spending": [
            {
                "recipient": _public_recipient(s),
                "amount": f"{s.amount:.2f}",
                "purpose": s.purpose,
                "receipt_no": s.receipt_no,
                "on_date": s.on_date.isoformat(),
                "memo": s.memo,
            }
            for s in summary.spending
        ],
        "purposes": [
            {
                "recipient": p.recipient,
                "purpose": p.purpose,
                "received": f"{p.received:.2f}",
                "spent": f"{p.spent:.2f}",
                "over": p.over,
            }
            for p in summary.purposes
        ],
    }


def _public_recipient(line: DonationLine) -> str:
    if line.recipient_kind == RecipientKind.ELDER:
        return _("老人（%(initial)s某）") % {"initial": line.recipient_name[:1]}
    return line.recipient_name
