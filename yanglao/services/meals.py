"""Meal aid (助餐): meal points (助餐点、老年餐桌), the meals each elder eats there day by
day, dine-in or delivered, and the monthly statements with who pays what.

Writes (services): one function per use case, validated, in one transaction, audited.
Reads (selectors): a meal point is seen by the officers whose region holds it and by
the facility operators who act for its provider (``Provider.users``); everything about
a point (day sheet, trend, statement) follows from seeing the point.

Who pays: ``shares.shares_for(elder, amount, kind="meal")`` at the record's date (the
Changzhi rule ``meal.payment_shares``: 政府补助一点、街道社区支出一点、社会捐助一点、
老人及其家属缴纳一点; elsewhere ``service.payment_shares``), stored on the record so a
later change of the rule never rewrites a month already billed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.accounts.roles import VISIT_OFFICERS, Role
from yanglao.core import audit
from yanglao.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from yanglao.core.models import Outcome
from yanglao.core.scope import get_in_scope, in_subtree, path_q, scoped
from yanglao.elders.models import Elder, ElderStatus
from yanglao.elders.selectors import search_q
from yanglao.policy.selectors import lookup, lookup_param
from yanglao.regions.models import Level, Region

from .models import MealKind, MealMode, MealPoint, MealRecord, Payer, Provider
from .shares import shares_for

# Officers create and edit meal points and may record at the points of their region.
MEAL_OFFICERS = VISIT_OFFICERS
# Everyone who may open the meal pages: officers, and operators for their points.
MEAL_USERS = VISIT_OFFICERS | {Role.FACILITY_OPERATOR}
MAX_COUNT = 10
MAX_PRICE = Decimal("1000")
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
PAYERS = [p for p in Payer.values]  # government, community, donation, elder, family


# ------------------------------------------------------------------ helpers


def county_path(path: str) -> str:
    """The path of the county a region path lies in (the path itself above county level)."""
    parts = path.split(".")
    return ".".join(parts[: Level.COUNTY + 1])


def parse_month(text: str | None) -> dt.date | None:
    """``2026-05`` (what ``<input type="month">`` sends) or a date -> the first of the month."""
    match = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-\d{1,2})?", (text or "").strip())
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return dt.date(year, month, 1)


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def _money(value, field_name: str, errors: dict) -> Decimal | None:
    try:
        amount = Decimal(str(value).strip()).quantize(CENT)
    except (InvalidOperation, ValueError):
        errors[field_name] = [_("请填写金额，如 12.00")]
        return None
    if amount <= 0 or amount > MAX_PRICE:
        errors[field_name] = [_("金额应大于 0 且不超过 %(max)s 元") % {"max": MAX_PRICE}]
        return None
    return amount


def _int(value, field_name: str, errors: dict, low: int, high: int, message: str) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        errors[field_name] = [message]
        return None
    if not low <= number <= high:
        errors[field_name] = [message]
        return None
    return number


def count_message() -> str:
    return _("份数应为 1 到 %(n)s") % {"n": MAX_COUNT}


def is_officer(user) -> bool:
    return getattr(user, "role", None) in MEAL_OFFICERS


# ------------------------------------------------------------------ reads: meal points


def points_for(
    user, *, q: str = "", region_code: str | None = None, active: bool | None = None
) -> QuerySet[MealPoint]:
    """Meal points the user may see: in an officer's region; an operator's own."""
    qs = MealPoint.objects.select_related("region", "provider")
    if is_officer(user):
        qs = scoped(qs, user, path_lookup="region_path")
    elif getattr(user, "role", None) == Role.FACILITY_OPERATOR:
        qs = qs.filter(provider__users=user)
    else:
        return qs.none()
    if region_code:
        region = Region.objects.filter(code=region_code).only("path").first()
        qs = qs.filter(path_q(region.path, "region_path")) if region else qs.none()
    if q.strip():
        qs = qs.filter(
            Q(name__contains=q.strip())
            | Q(address__contains=q.strip())
            | Q(provider__name__contains=q.strip())
        )
    if active is not None:
        qs = qs.filter(active=active)
    return qs.order_by("-active", "region_path", "name", "pk")


def point_get(user, pk: int) -> MealPoint:
    """One meal point the user may see, or NotFound (audited when it exists elsewhere)."""
    qs = MealPoint.objects.select_related("region", "provider")
    if is_officer(user):
        return get_in_scope(qs, user, path_lookup="region_path", pk=pk)
    point = points_for(user).filter(pk=pk).first()
    if point is None:
        if getattr(user, "is_authenticated", False) and MealPoint.objects.filter(pk=pk).exists():
            audit.record(
                actor=user,
                action="access.out_of_scope",
                outcome=Outcome.DENIED,
                detail={"model": "MealPoint", "lookup": {"pk": str(pk)}},
            )
        raise NotFound()
    return point


def may_record(user, point: MealPoint) -> bool:
    """Officers of the point's region, and the operators who act for its provider."""
    if is_officer(user):
        return in_subtree(point.region_path, user.region.path)
    if getattr(user, "role", None) == Role.FACILITY_OPERATOR and point.provider_id:
        return point.provider.users.filter(pk=user.pk).exists()
    return False


def providers_for_points(user) -> QuerySet[Provider]:
    """Providers an officer may name as the operator of a point: those of the officer's
    county (or of the officer's region, above county level)."""
    if not is_officer(user):
        return Provider.objects.none()
    path = user.region.path
    if user.region.level >= Level.COUNTY:
        path = county_path(path)
    return Provider.objects.filter(path_q(path, "region_path"), active=True).order_by("name")


# ------------------------------------------------------------------ writes: meal points

POINT_FIELDS = ("name", "region", "provider", "address", "seats", "delivers", "meal_price")


def _point_values(actor, data: dict) -> dict:
    errors: dict[str, list[str]] = {}
    name = str(data.get("name") or "").strip()
    if not name:
        errors["name"] = [_("请填写助餐点名称")]
    elif len(name) > 100:
        errors["name"] = [_("名称最多 100 个字符")]
    region = None
    code = str(data.get("region_code") or "").strip()
    if not code:
        errors["region_code"] = [_("请填写所在区划代码")]
    else:
        region = (
            scoped(Region.objects.all(), actor, field="")
            .filter(code=code, valid_to__isnull=True)
            .first()
        )
        if region is None:
            errors["region_code"] = [_("区划不存在、已撤销或不在您的管辖范围内")]
        elif region.level < Level.COUNTY:
            errors["region_code"] = [_("助餐点应设在县(区)、乡镇(街道)或村(社区)")]
            region = None
    provider = None
    provider_id = data.get("provider_id")
    if provider_id not in (None, "", 0, "0"):
        provider = providers_for_points(actor).filter(pk=provider_id).first()
        if provider is None:
            errors["provider_id"] = [_("请选择本县(区)在册的服务提供方")]
        elif region is not None and not in_subtree(provider.region_path, county_path(region.path)):
            errors["provider_id"] = [_("运营方应为助餐点所在县(区)的服务提供方")]
    seats = _int(data.get("seats", 0), "seats", errors, 0, 10000, _("座位数应为 0 到 10000"))
    price = _money(data.get("meal_price", ""), "meal_price", errors)
    address = str(data.get("address") or "").strip()
    if len(address) > 200:
        errors["address"] = [_("地址最多 200 个字符")]
    if errors:
        raise ValidationFailed(fields=errors)
    return {
        "name": name,
        "region": region,
        "region_path": region.path,
        "provider": provider,
        "address": address,
        "seats": seats,
        "delivers": bool(data.get("delivers")),
        "meal_price": price,
        "active": bool(data.get("active", True)),
    }


def meal_point_create(*, actor, request=None, **data) -> MealPoint:
    """助餐点: create a meal point. ``data``: name, region_code, provider_id, address,
    seats, delivers, meal_price, active."""
    if not is_officer(actor):
        raise Forbidden(_("只有民政、乡镇和村(社区)工作人员可以设立助餐点"))
    values = _point_values(actor, data)
    with transaction.atomic():
        point = MealPoint.objects.create(**values)
        audit.record(
            actor=actor,
            action="meal_point.create",
            obj=point,
            region=point.region,
            detail={"meal_price": str(point.meal_price), "delivers": point.delivers},
            request=request,
        )
    return point


def meal_point_update(*, actor, point: MealPoint, request=None, **data) -> MealPoint:
    """Edit a meal point; the price applies to meals recorded from now on."""
    if not is_officer(actor) or not in_subtree(point.region_path, actor.region.path):
        raise Forbidden(_("只有本辖区的工作人员可以修改助餐点"))
    merged = {
        "name": point.name,
        "region_code": point.region_id,
        "provider_id": point.provider_id,
        "address": point.address,
        "seats": point.seats,
        "delivers": point.delivers,
        "meal_price": point.meal_price,
        "active": point.active,
        **data,
    }
    values = _point_values(actor, merged)
    changed = {
        k: [str(getattr(point, k)), str(v)]
        for k, v in values.items()
        if k != "region_path" and getattr(point, k) != v
    }
    if not changed:
        return point
    with transaction.atomic():
        for key, value in values.items():
            setattr(point, key, value)
        point.save()
        audit.record(
            actor=actor,
            action="meal_point.update",
            obj=point,
            region=point.region,
            detail={"changed": changed},
            request=request,
        )
    return point


# ------------------------------------------------------------------ reads: elders to record


def elders_for_point(point: MealPoint, q: str = "", limit: int = 20) -> list[Elder]:
    """Active elders of the point's county, found by name, pinyin initials, the last four
    characters of the ID number or a phone number (the day sheet's search)."""
    if not q.strip():
        return []
    qs = (
        Elder.objects.filter(
            path_q(county_path(point.region_path), "region_path"), status=ElderStatus.ACTIVE
        )
        .filter(search_q(q))
        .select_related("person", "region")
        .order_by("person__name_pinyin", "pk")
    )
    return list(qs[:limit])


def elder_for_point(point: MealPoint, elder_id) -> Elder:
    """An elder who may eat at the point: the point's county, else NotFound."""
    try:
        pk = int(elder_id)
    except (TypeError, ValueError):
        raise ValidationFailed(fields={"elder_id": [_("请选择老人")]}) from None
    elder = (
        Elder.objects.filter(path_q(county_path(point.region_path), "region_path"), pk=pk)
        .select_related("person", "region")
        .first()
    )
    if elder is None:
        raise NotFound(_("老人档案不存在或不在该助餐点所在县(区)"))
    return elder


# ------------------------------------------------------------------ writes: meal records


def _shares(elder: Elder, amount: Decimal, family_pays: bool, on: dt.date) -> dict[str, Decimal]:
    out = {"government": ZERO, "community": ZERO, "donation": ZERO, "personal": ZERO}
    for share in shares_for(elder, amount, kind="meal", family_pays=family_pays, on=on):
        key = "personal" if share.payer in (Payer.ELDER, Payer.FAMILY) else str(share.payer)
        out[key] += share.amount
    return {k: v.quantize(CENT) for k, v in out.items()}


def backfill_days(point: MealPoint, today: dt.date) -> int:
    return int(lookup_param("meal.backfill_days", "days", point.region, today, 7))


def meal_record(
    *,
    actor,
    point: MealPoint,
    elder: Elder,
    date: dt.date | None,
    meal: str,
    mode: str,
    count: int | str = 1,
    family_pays: bool = False,
    request=None,
    today: dt.date | None = None,
) -> MealRecord:
    """就餐记录: one elder's meals of one kind on one day at a point, with the shares.

    A second record of the same elder, day and meal at the point changes nothing and
    says so (409)."""
    today = today or timezone.localdate()
    if not may_record(actor, point):
        raise Forbidden(_("您不能在这个助餐点记录就餐"))
    if not in_subtree(elder.region_path, county_path(point.region_path)):
        raise NotFound(_("老人档案不存在或不在该助餐点所在县(区)"))
    errors: dict[str, list[str]] = {}
    if not point.active:
        errors["meal_point"] = [_("该助餐点已停止运营")]
    if elder.status != ElderStatus.ACTIVE:
        errors["elder_id"] = [_("该老人档案不在册（已迁出或已故）")]
    if meal not in MealKind.values:
        errors["meal"] = [_("请选择早餐、午餐或晚餐")]
    if mode not in MealMode.values:
        errors["mode"] = [_("请选择堂食或送餐")]
    elif mode == MealMode.DELIVERY and not point.delivers:
        errors["mode"] = [_("该助餐点不提供送餐，请选择堂食")]
    number = _int(count, "count", errors, 1, MAX_COUNT, count_message())
    if date is None:
        errors["date"] = [_("请填写日期")]
    elif date > today:
        errors["date"] = [_("不能记录将来的就餐")]
    else:
        days = backfill_days(point, today)
        if date < today - dt.timedelta(days=days):
            errors["date"] = [_("只能补录 %(n)s 天内的就餐") % {"n": days}]
    if errors:
        raise ValidationFailed(fields=errors)
    duplicate = _("%(name)s %(date)s 的%(meal)s已经记录过，本次未重复记录") % {
        "name": elder.person.name,
        "date": date.isoformat(),
        "meal": MealKind(meal).label,
    }
    if MealRecord.objects.filter(meal_point=point, elder=elder, date=date, meal=meal).exists():
        raise Conflict(duplicate, code="meal_already_recorded")
    amount = (point.meal_price * number).quantize(CENT)
    shares = _shares(elder, amount, family_pays, date)
    try:
        with transaction.atomic():
            record = MealRecord.objects.create(
                meal_point=point,
                elder=elder,
                region_path=elder.region_path,
                date=date,
                meal=meal,
                mode=mode,
                count=number,
                unit_price=point.meal_price,
                amount=amount,
                family_pays=bool(family_pays),
                recorded_by=actor,
                **shares,
            )
            audit.record(
                actor=actor,
                action="meal.record",
                obj=record,
                region=point.region,
                detail={
                    "meal_point": point.pk,
                    "elder": elder.pk,
                    "date": date.isoformat(),
                    "meal": meal,
                    "mode": mode,
                    "count": number,
                    "amount": str(amount),
                },
                request=request,
            )
    except IntegrityError:  # recorded by someone else a moment ago
        raise Conflict(duplicate, code="meal_already_recorded") from None
    return record


def _same_day(record: MealRecord, today: dt.date) -> None:
    if timezone.localdate(record.created_at) != today:
        raise Conflict(
            _("只能在记录当天更正或删除；以前的记录请联系乡镇(街道)在月结单上说明"),
            code="meal_record_closed",
        )


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("请填写原因")]})
    return reason[:200]


def _snapshot(record: MealRecord) -> dict:
    return {
        "meal_point": record.meal_point_id,
        "elder": record.elder_id,
        "date": record.date.isoformat(),
        "meal": record.meal,
        "mode": record.mode,
        "count": record.count,
        "amount": str(record.amount),
        "government": str(record.government),
        "community": str(record.community),
        "donation": str(record.donation),
        "personal": str(record.personal),
        "family_pays": record.family_pays,
    }


def meal_record_correct(
    *,
    actor,
    record: MealRecord,
    reason: str,
    count: int | str | None = None,
    mode: str | None = None,
    family_pays: bool | None = None,
    request=None,
    today: dt.date | None = None,
) -> MealRecord:
    """Correct the count, the mode or who pays the personal share, on the day it was
    recorded, with a reason; the amount and shares are computed again."""
    today = today or timezone.localdate()
    point = record.meal_point
    if not may_record(actor, point):
        raise Forbidden(_("您不能更正这个助餐点的记录"))
    reason = _reason(reason)
    _same_day(record, today)
    errors: dict[str, list[str]] = {}
    number = record.count
    if count not in (None, ""):
        number = _int(count, "count", errors, 1, MAX_COUNT, count_message())
    new_mode = mode or record.mode
    if new_mode not in MealMode.values:
        errors["mode"] = [_("请选择堂食或送餐")]
    elif new_mode == MealMode.DELIVERY and not point.delivers and record.mode != new_mode:
        errors["mode"] = [_("该助餐点不提供送餐，请选择堂食")]
    if errors:
        raise ValidationFailed(fields=errors)
    pays = record.family_pays if family_pays is None else bool(family_pays)
    before = _snapshot(record)
    amount = (record.unit_price * number).quantize(CENT)
    with transaction.atomic():
        record.count = number
        record.mode = new_mode
        record.family_pays = pays
        record.amount = amount
        for key, value in _shares(record.elder, amount, pays, record.date).items():
            setattr(record, key, value)
        record.save()
        audit.record(
            actor=actor,
            action="meal.correct",
            obj=record,
            region=point.region,
            detail={"before": before, "after": _snapshot(record), "reason": reason},
            request=request,
        )
    return record


def meal_record_delete(
    *, actor, record: MealRecord, reason: str, request=None, today: dt.date | None = None
) -> None:
    """Delete a record entered by mistake, on the day it was recorded, with a reason; the
    audit row keeps what it said."""
    today = today or timezone.localdate()
    point = record.meal_point
    if not may_record(actor, point):
        raise Forbidden(_("您不能删除这个助餐点的记录"))
    reason = _reason(reason)
    _same_day(record, today)
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="meal.delete",
            obj=record,
            region=point.region,
            detail={"record": _snapshot(record), "reason": reason},
            request=request,
        )
        record.delete()


# ------------------------------------------------------------------ reads: records


def record_get(user, pk: int) -> MealRecord:
    """A record, for someone who may see its meal point."""
    record = (
        MealRecord.objects.select_related("meal_point__provider", "meal_point__region", "elder")
        .filter(pk=pk)
        .first()
    )
    if record is None:
        raise NotFound()
    point_get(user, record.meal_point_id)
    return record


def records_for(
    user,
    *,
    point: MealPoint | None = None,
    day: dt.date | None = None,
    month: dt.date | None = None,
    elder_id: int | None = None,
    meal: str = "",
) -> QuerySet[MealRecord]:
    """Records at the points the user sees (or at one point already checked)."""
    qs = MealRecord.objects.select_related("elder__person", "elder__region", "meal_point")
    if point is not None:
        qs = qs.filter(meal_point=point)
    else:
        qs = qs.filter(meal_point__in=points_for(user).values("pk"))
    if day is not None:
        qs = qs.filter(date=day)
    if month is not None:
        first, last = month_bounds(month)
        qs = qs.filter(date__gte=first, date__lte=last)
    if elder_id:
        qs = qs.filter(elder_id=elder_id)
    if meal:
        qs = qs.filter(meal=meal)
    return qs.order_by("-date", "meal", "elder__person__name_pinyin", "pk")


def day_sheet(point: MealPoint, day: dt.date) -> dict:
    """The records of a day at a point, by meal kind, with counts."""
    rows = list(
        MealRecord.objects.filter(meal_point=point, date=day)
        .select_related("elder__person", "elder__region", "recorded_by")
        .order_by("meal", "created_at", "pk")
    )
    order = {k: i for i, k in enumerate(MealKind.values)}
    rows.sort(key=lambda r: (order[r.meal], r.created_at, r.pk))
    counts = {k: 0 for k in MealKind.values}
    delivered = 0
    for row in rows:
        counts[row.meal] += row.count
        if row.mode == MealMode.DELIVERY:
            delivered += row.count
    return {
        "rows": rows,
        "counts": [(k, MealKind(k).label, counts[k]) for k in MealKind.values],
        "total": sum(counts.values()),
        "delivered": delivered,
    }


def trend(point: MealPoint, end: dt.date, days: int = 30) -> list[dict]:
    """Meals a day over the last ``days`` days (one GROUP BY), for the point's chart."""
    start = end - dt.timedelta(days=days - 1)
    per_day = dict(
        MealRecord.objects.filter(meal_point=point, date__gte=start, date__lte=end)
        .values_list("date")
        .annotate(n=Sum("count"))
        .values_list("date", "n")
    )
    peak = max(per_day.values(), default=0) or 1
    out = []
    for i in range(days):
        day = start + dt.timedelta(days=i)
        n = per_day.get(day, 0) or 0
        out.append({"date": day, "count": n, "percent": round(n * 100 / peak)})
    return out


# ------------------------------------------------------------------ statements


@dataclass
class StatementRow:
    elder_id: int
    name: str
    masked_id: str
    village: str
    meals: int = 0
    delivered: int = 0
    amount: Decimal = ZERO
    shares: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(PAYERS, ZERO))


@dataclass
class Statement:
    point: MealPoint
    month: dt.date
    rows: list[StatementRow]
    totals: StatementRow
    rule: object | None  # the policy Resolution the shares came from (for its trace)

    @property
    def payers(self) -> list[tuple[str, str]]:
        return [(p, str(Payer(p).label)) for p in PAYERS]


def _cents(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT)


def _add(row: StatementRow, values: dict) -> None:
    row.meals += values["meals"] or 0
    row.delivered += values["delivered"] or 0
    row.amount += _cents(values["amount"])
    for payer in PAYERS:
        row.shares[payer] += _cents(values[payer])


def _sums() -> dict:
    return {
        "meals": Sum("count"),
        "delivered": Sum("count", filter=Q(mode=MealMode.DELIVERY)),
        "amount": Sum("amount"),
        "government": Sum("government"),
        "community": Sum("community"),
        "donation": Sum("donation"),
        "elder": Sum("personal", filter=Q(family_pays=False)),
        "family": Sum("personal", filter=Q(family_pays=True)),
    }


def statement(point: MealPoint, month: dt.date) -> Statement:
    """月结单: per elder the meals, amount and each payer's share in the month, with totals
    (the totals are the sums of the rows, which are the sums of the records)."""
    first, last = month_bounds(month)
    grouped = (
        MealRecord.objects.filter(meal_point=point, date__gte=first, date__lte=last)
        .values("elder_id")
        .annotate(**_sums())
    )
    per_elder = {g["elder_id"]: g for g in grouped}
    elders = Elder.objects.filter(pk__in=per_elder).select_related("person", "region")
    rows = []
    for elder in elders:
        row = StatementRow(
            elder_id=elder.pk,
            name=elder.person.name,
            masked_id=elder.person.masked_id_number,
            village=elder.region.name,
        )
        _add(row, per_elder[elder.pk])
        rows.append(row)
    rows.sort(key=lambda r: (r.village, r.name, r.elder_id))
    totals = StatementRow(elder_id=0, name=_("合计"), masked_id="", village="")
    for row in rows:
        totals.meals += row.meals
        totals.delivered += row.delivered
        totals.amount += row.amount
        for payer in PAYERS:
            totals.shares[payer] += row.shares[payer]
    rule = lookup("meal.payment_shares", point.region, last) or lookup(
        "service.payment_shares", point.region, last
    )
    return Statement(point=point, month=first, rows=rows, totals=totals, rule=rule)


@dataclass
class SummaryRow:
    point: MealPoint | None
    elders: int = 0
    meals: int = 0
    delivered: int = 0
    amount: Decimal = ZERO
    shares: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(PAYERS, ZERO))


@dataclass
class Summary:
    region: Region
    month: dt.date
    rows: list[SummaryRow]
    totals: SummaryRow

    @property
    def payers(self) -> list[tuple[str, str]]:
        return [(p, str(Payer(p).label)) for p in PAYERS]


def summary(user, month: dt.date, region_code: str | None = None) -> Summary:
    """The month of a region (a county, by default the user's region): meals and shares
    per meal point, and the totals by payer."""
    region = user.region
    if region_code:
        region = get_in_scope(Region.objects.all(), user, field="", code=region_code)
    first, last = month_bounds(month)
    points = list(
        points_for(user).filter(path_q(region.path, "region_path")).order_by("region_path", "name")
    )
    grouped = {
        g["meal_point_id"]: g
        for g in MealRecord.objects.filter(
            meal_point__in=[p.pk for p in points], date__gte=first, date__lte=last
        )
        .values("meal_point_id")
        .annotate(elders=Count("elder_id", distinct=True), **_sums())
    }
    rows = []
    totals = SummaryRow(point=None)
    for point in points:
        row = SummaryRow(point=point)
        values = grouped.get(point.pk)
        if values is None and not point.active:
            continue
        if values is not None:
            row.elders = values["elders"]
            _add(row, values)
        rows.append(row)
        totals.elders += row.elders
        totals.meals += row.meals
        totals.delivered += row.delivered
        totals.amount += row.amount
        for payer in PAYERS:
            totals.shares[payer] += row.shares[payer]
    return Summary(region=region, month=first, rows=rows, totals=totals)


def today_counts(user, today: dt.date | None = None) -> dict:
    """Today's meals at the user's active points (the workbench)."""
    today = today or timezone.localdate()
    points = points_for(user, active=True)
    first_two = list(points[:2])
    per_meal = dict(
        MealRecord.objects.filter(meal_point__in=points.values("pk"), date=today)
        .values_list("meal")
        .annotate(n=Sum("count"))
        .values_list("meal", "n")
    )
    delivered = (
        MealRecord.objects.filter(
            meal_point__in=points.values("pk"), date=today, mode=MealMode.DELIVERY
        ).aggregate(n=Sum("count"))["n"]
        or 0
    )
    return {
        "points": points.count() if len(first_two) > 1 else len(first_two),
        "single": first_two[0] if len(first_two) == 1 else None,
        "meals": {k: per_meal.get(k, 0) or 0 for k in MealKind.values},
        "total": sum(v or 0 for v in per_meal.values()),
        "delivered": delivered,
    }


def default_meal(now: dt.datetime | None = None) -> str:
    """The meal being served about now: breakfast before 10, dinner from 15."""
    hour = timezone.localtime(now).hour if now else timezone.localtime().hour
    if hour < 10:
        return MealKind.BREAKFAST
    if hour >= 15:
        return MealKind.DINNER
    return MealKind.LUNCH
