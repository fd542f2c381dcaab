"""Reads of the time bank: accounts, statements, pools and the monthly report, always in
the reader's region scope (a volunteer reads their own account only)."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, Count, DecimalField, Q, QuerySet, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.accounts.roles import Role
from yanglao.core import audit
from yanglao.core.errors import NotFound
from yanglao.core.models import Outcome
from yanglao.core.scope import get_in_scope, in_subtree, path_q, scoped
from yanglao.elders.categories import age_on
from yanglao.elders.models import Contact, Elder, ElderStatus, Relation
from yanglao.elders.selectors import search_q
from yanglao.regions.models import Level, Region
from yanglao.visits.pairing import visitor_for_user

from . import services
from .models import Account, AccountKind, Entry, EntryKind

ZERO = Decimal("0.00")


# ---------------------------------------------------------------- accounts


def my_person(user):
    """The Person behind a user's account (their volunteer profile), or None."""
    visitor = visitor_for_user(user)
    return visitor.person if visitor is not None else None


def my_account(user) -> Account | None:
    person = my_person(user)
    if person is None:
        return None
    return Account.objects.filter(holder=person).select_related("holder", "region").first()


def _search(q: str) -> Q:
    q = (q or "").strip()
    if not q:
        return Q()
    if q.isdigit():
        return Q(holder__phone__endswith=q)
    if re.fullmatch(r"[A-Za-z]+", q):
        return Q(holder__name_initials__startswith=q.lower()) | Q(
            holder__name_pinyin__startswith=q.lower()
        )
    return Q(holder__name__contains=q)


def accounts_for(user, *, q: str = "", region_code: str = "") -> QuerySet[Account]:
    """Personal accounts in the user's scope, richest first within each place."""
    qs = scoped(Account.objects.filter(kind=AccountKind.VOLUNTEER), user, path_lookup="region_path")
    if region_code:
        region = Region.objects.filter(code=region_code).only("path").first()
        qs = qs.filter(path_q(region.path, "region_path")) if region else qs.none()
    return (
        qs.filter(_search(q))
        .select_related("holder", "region")
        .order_by("region_path", "holder__name", "pk")
    )


def account_get(user, pk: int) -> Account:
    """One personal account: a volunteer reads their own, officers those in their scope
    (the pools have pages of their own)."""
    qs = Account.objects.filter(kind=AccountKind.VOLUNTEER).select_related("holder", "region")
    if user.role == Role.VISITOR:
        person = my_person(user)
        account = qs.filter(pk=pk, holder=person).first() if person is not None else None
        if account is None:
            raise NotFound()
        return account
    return get_in_scope(qs, user, path_lookup="region_path", pk=pk)


# ---------------------------------------------------------------- statements


@dataclass
class StatementRow:
    entry: Entry
    balance: Decimal  # after this line


@dataclass
class Statement:
    account: Account
    start: dt.date | None
    end: dt.date | None
    opening: Decimal  # before the first line of this page
    rows: list[StatementRow]
    count: int
    credits: Decimal = ZERO  # of the whole range
    debits: Decimal = ZERO


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def statement(
    account: Account,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    page: int = 1,
    page_size: int = 50,
    newest_first: bool = True,
) -> Statement:
    """The account's lines between two days (Asia/Shanghai, both included), a page at a
    time, each with the balance after it."""
    qs = Entry.objects.filter(account=account)
    if start:
        qs = qs.filter(created_at__gte=_day_start(start))
    if end:
        qs = qs.filter(created_at__lt=_day_start(end + dt.timedelta(days=1)))
    sums = qs.aggregate(
        n=Count("pk"),
        credits=Sum(Case(When(amount__gt=0, then="amount"), default=Value(ZERO))),
        debits=Sum(Case(When(amount__lt=0, then="amount"), default=Value(ZERO))),
    )
    ordered = qs.order_by("-seq" if newest_first else "seq").select_related("created_by")
    offset = (max(page, 1) - 1) * page_size
    lines = list(ordered[offset : offset + page_size])
    rows: list[StatementRow] = []
    if lines:
        first = min(lines, key=lambda e: e.seq)
        before = Entry.objects.filter(account=account, seq__lt=first.seq).aggregate(
            t=Sum("amount")
        )["t"] or Decimal(0)
        running = before
        for entry in sorted(lines, key=lambda e: e.seq):
            running += entry.amount
            rows.append(StatementRow(entry, running))
        if newest_first:
            rows.reverse()
        opening = before
    else:
        opening = account.balance
    return Statement(
        account=account,
        start=start,
        end=end,
        opening=opening,
        rows=rows,
        count=sums["n"],
        credits=sums["credits"] or ZERO,
        debits=-(sums["debits"] or ZERO),
    )


# ---------------------------------------------------------------- postings


def txn_lines(user, txn) -> list[Entry]:
    """The lines of one posting, when one of its personal or pool accounts is in the
    user's scope (404 otherwise, audited when it exists elsewhere)."""
    try:
        txn = txn if isinstance(txn, uuid.UUID) else uuid.UUID(str(txn))
    except ValueError:
        raise NotFound() from None
    lines = list(
        Entry.objects.filter(txn=txn)
        .select_related("account__holder", "account__region", "created_by", "beneficiary")
        .order_by("seq")
    )
    region = getattr(user, "region", None)
    visible = region is not None and any(
        e.account.kind in (AccountKind.VOLUNTEER, AccountKind.POOL)
        and in_subtree(e.account.region_path, region.path)
        for e in lines
    )
    if user.role == Role.VISITOR:
        person = my_person(user)
        visible = person is not None and any(e.account.holder_id == person.pk for e in lines)
    if not visible:
        if lines and getattr(user, "is_authenticated", False):
            audit.record(
                actor=user,
                action="access.out_of_scope",
                outcome=Outcome.DENIED,
                detail={"model": "Entry", "lookup": {"txn": str(txn)}},
            )
        raise NotFound()
    return lines


def reversal_of(txn: uuid.UUID) -> uuid.UUID | None:
    return Entry.objects.filter(reverses=txn).values_list("txn", flat=True).first()


def overflow_of(txn: uuid.UUID) -> uuid.UUID | None:
    return (
        Entry.objects.filter(kind=EntryKind.OVERFLOW, reference=f"txn:{txn}")
        .values_list("txn", flat=True)
        .first()
    )


# ---------------------------------------------------------------- relatives


@dataclass
class Relative:
    person: object
    relation: str  # 配偶, 父母, 子女
    age: int | None
    eligible: bool
    reason: str = ""


def relatives_of(person, on: dt.date | None = None) -> list[Relative]:
    """Those the person may give hours to (and those not yet, with why), from the family
    contacts of the elder files."""
    on = on or timezone.localdate()
    account = Account.objects.filter(holder=person).select_related("region").first()
    region = account.region if account else person.region
    min_age = services.relative_min_age(region, on)
    mine = services.same_people(person)
    out: dict[int, Relative] = {}
    rows = Contact.objects.filter(
        Q(person_id__in=mine) | Q(elder__person_id__in=mine),
        relation__in=[Relation.CHILD, Relation.SPOUSE],
    ).select_related("person", "elder__person")
    for contact in rows:
        if contact.person_id in mine:
            other, role = contact.elder.person, "parent"
            if contact.elder.status == ElderStatus.DECEASED:
                continue
        else:
            other, role = contact.person, "child"
        if other.pk in mine:
            continue
        age = age_on(other.birth_date, on)
        if contact.relation == Relation.SPOUSE:
            out[other.pk] = Relative(other, _("配偶"), age, True)
            continue
        label = _("父母") if role == "parent" else _("子女")
        if age is None:
            reason = _("没有出生日期")
        elif age < min_age:
            reason = _("未满%(n)s周岁") % {"n": min_age}
        else:
            reason = ""
        out.setdefault(other.pk, Relative(other, label, age, not reason, reason))
    return sorted(out.values(), key=lambda r: (not r.eligible, str(r.relation), r.person.name))


def elders_to_link(user, q: str, limit: int = 20) -> list[Elder]:
    """Active elders in scope matching a search, to register a volunteer as their family."""
    return list(
        scoped(Elder.objects.all(), user, path_lookup="region_path")
        .filter(status=ElderStatus.ACTIVE)
        .filter(search_q(q))
        .select_related("person", "region")
        .order_by("person__name", "pk")[:limit]
    )


# ---------------------------------------------------------------- pools


def pools_for(user) -> QuerySet[Account]:
    """The pools (one per county) in the user's scope."""
    return (
        scoped(Account.objects.filter(kind=AccountKind.POOL), user, path_lookup="region_path")
        .select_related("region")
        .order_by("region_path")
    )


def pool_get(user, county_code: str) -> Account:
    return get_in_scope(
        Account.objects.filter(kind=AccountKind.POOL).select_related("region"),
        user,
        path_lookup="region_path",
        region_id=county_code,
    )


def pool_for_county(user, county_code: str) -> Account:
    """The county's pool; opened (empty) on first sight when the county is in scope."""
    try:
        return pool_get(user, county_code)
    except NotFound:
        county = get_in_scope(
            Region.objects.filter(level=Level.COUNTY), user, field="", code=county_code
        )
        services.system_account(AccountKind.POOL, county)
        return pool_get(user, county_code)


def grants_of(pool: Account, limit: int = 50) -> list[Entry]:
    return list(
        pool.entries.filter(kind=EntryKind.POOL_GRANT)
        .select_related("beneficiary", "created_by")
        .order_by("-seq")[:limit]
    )


def eligible_elders(user, county: Region, q: str = "", limit: int = 50) -> list[Elder]:
    """Active elders of the county in the user's scope whom the pool may help."""
    return list(
        scoped(Elder.objects.all(), user, path_lookup="region_path")
        .filter(path_q(county.path, "region_path"), status=ElderStatus.ACTIVE)
        .filter(services.hardship_q(county))
        .filter(search_q(q))
        .select_related("person", "region")
        .order_by("region_path", "person__name")[:limit]
    )


# ---------------------------------------------------------------- the monthly report


@dataclass
class ReportRow:
    region: Region
    earned: Decimal = ZERO
    spent: Decimal = ZERO
    given: Decimal = ZERO  # transferred to relatives
    received: Decimal = ZERO  # received from relatives
    donated: Decimal = ZERO
    overflow: Decimal = ZERO
    reversed: Decimal = ZERO  # net effect of reversals (signed)
    balance: Decimal = ZERO  # at the end of the month
    volunteers: int = 0  # who earned in the month
    drill: bool = False  # has children to drill into


@dataclass
class MonthlyReport:
    region: Region
    month: dt.date  # the first day
    rows: list[ReportRow]
    total: ReportRow
    pool: Decimal | None = None  # the county pool at the end of the month
    crumbs: list[Region] = field(default_factory=list)


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return _day_start(first), _day_start(following)


def _child_key(path: str, base: str) -> str:
    """The code of the child of ``base`` that ``path`` lies under (``base``'s own code
    when ``path`` is ``base``)."""
    if path == base:
        return base.rsplit(".", 1)[-1]
    return path[len(base) + 1 :].split(".", 1)[0]


def _signed(kind: str, positive: bool):
    cond = Q(kind=kind) & (Q(amount__gt=0) if positive else Q(amount__lt=0))
    return Sum(Case(When(cond, then="amount"), default=Value(ZERO)), output_field=DecimalField())


def monthly_report(user, *, month: dt.date, region_code: str | None = None) -> MonthlyReport:
    """Earned, spent, given, received, donated, overflow and reversed hours, the balance
    at the end of the month and the volunteers who earned, per child region of a region
    in scope (per community at the township level), for one month (Asia/Shanghai)."""
    region = user.region
    if region_code:
        region = get_in_scope(Region.objects.all(), user, field="", code=region_code)
    start, end = month_bounds(month)
    personal = Entry.objects.filter(
        path_q(region.path, "account__region_path"), account__kind=AccountKind.VOLUNTEER
    )
    moved = (
        personal.filter(created_at__gte=start, created_at__lt=end)
        .values("account__region_path")
        .annotate(
            earned=_signed(EntryKind.EARN, True),
            spent=_signed(EntryKind.SPEND, False),
            given=_signed(EntryKind.TRANSFER, False),
            received=_signed(EntryKind.TRANSFER, True),
            donated=_signed(EntryKind.DONATE, False),
            overflow=_signed(EntryKind.OVERFLOW, False),
            reversed=Sum(
                Case(
                    When(kind=EntryKind.REVERSAL, then="amount"),
                    default=Value(ZERO),
                ),
                output_field=DecimalField(),
            ),
            volunteers=Count("account", filter=Q(kind=EntryKind.EARN, amount__gt=0), distinct=True),
        )
    )
    # The balance at the end of the month: today's balances less what came after.
    now_balances = dict(
        Account.objects.filter(path_q(region.path, "region_path"), kind=AccountKind.VOLUNTEER)
        .values_list("region_path")
        .annotate(t=Sum("balance"))
        .values_list("region_path", "t")
    )
    after = dict(
        personal.filter(created_at__gte=end)
        .values_list("account__region_path")
        .annotate(t=Sum("amount"))
        .values_list("account__region_path", "t")
    )
    rows: dict[str, ReportRow] = {}
    codes: set[str] = set()

    def row_for(path: str) -> ReportRow:
        key = _child_key(path, region.path)
        codes.add(key)
        if key not in rows:
            rows[key] = ReportRow(region=None)  # type: ignore[arg-type]
        return rows[key]

    for item in moved:
        row = row_for(item["account__region_path"])
        row.earned += item["earned"] or ZERO
        row.spent -= item["spent"] or ZERO
        row.given -= item["given"] or ZERO
        row.received += item["received"] or ZERO
        row.donated -= item["donated"] or ZERO
        row.overflow -= item["overflow"] or ZERO
        row.reversed += item["reversed"] or ZERO
        row.volunteers += item["volunteers"]
    for path in set(now_balances) | set(after):
        row = row_for(path)
        row.balance += (now_balances.get(path) or ZERO) - (after.get(path) or ZERO)
    regions = {r.code: r for r in Region.objects.filter(code__in=codes)}
    out = []
    for code in sorted(rows):
        row = rows[code]
        row.region = regions.get(code) or region
        row.drill = row.region.code != region.code and row.region.level < Level.VILLAGE
        out.append(row)
    total = ReportRow(region=region)
    for row in out:
        for name in ("earned", "spent", "given", "received", "donated", "overflow", "reversed"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
        total.balance += row.balance
        total.volunteers += row.volunteers
    pool = None
    if region.level >= Level.COUNTY:
        county = services.county_of(region)
        account = Account.objects.filter(kind=AccountKind.POOL, region=county).first()
        if account is not None and in_subtree(county.path, user.region.path):
            later = account.entries.filter(created_at__gte=end).aggregate(t=Sum("amount"))["t"]
            pool = account.balance - (later or ZERO)
    crumbs = list(
        Region.objects.filter(
            code__in=[c for c in region.path.split(".") if c], path__startswith=user.region.path
        ).order_by("level")
    )
    return MonthlyReport(
        region=region, month=month.replace(day=1), rows=out, total=total, pool=pool, crumbs=crumbs
    )


def month_figures(user, month: dt.date) -> dict:
    """This month's earned hours and active volunteers in the user's scope (workbench)."""
    start, end = month_bounds(month)
    agg = scoped(
        Entry.objects.filter(
            account__kind=AccountKind.VOLUNTEER,
            kind=EntryKind.EARN,
            amount__gt=0,
            created_at__gte=start,
            created_at__lt=end,
        ),
        user,
        path_lookup="account__region_path",
    ).aggregate(t=Sum("amount"), n=Count("account", distinct=True))
    return {"earned": agg["t"] or ZERO, "volunteers": agg["n"]}
