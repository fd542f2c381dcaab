"""Time bank writes (时间银行): earning, spending, transfers to relatives, donations to the
pool, pool grants and reversals. One function per use case, one transaction, audited.

Units are hours of service (1 hour = 1 unit, weighted per service item by the policy
pack). They are never money: no function here or anywhere converts them to yuan, and
none takes yuan.

Every posting locks the chain head first, then its accounts in primary-key order (no
deadlock: everyone takes the locks in the same order), checks that no personal or pool
balance goes below zero, writes its lines after the head and moves the balances in the
same transaction. The audit row is written before the locks are taken, so the time
the head is held is only the ledger's own work.

Who may call: ``earn`` and ``spend`` are called by the services app once an order is
confirmed (the caller decides who may confirm); ``transfer_to_relative`` and
``donate_to_pool`` by the holder or an officer at the counter; ``pool_grant`` and
``reverse`` by a county or city officer.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.accounts.roles import VISIT_OFFICERS, Role
from yanglao.core import audit
from yanglao.core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from yanglao.core.scope import in_subtree
from yanglao.elders.categories import age_on
from yanglao.elders.models import Contact, Elder, ElderStatus, Relation, Welfare
from yanglao.people.models import Person
from yanglao.policy import engine
from yanglao.policy.selectors import ancestor_rules, lookup, to_data
from yanglao.regions.models import Region
from yanglao.visits.models import Visitor
from yanglao.visits.pairing import visitor_for_user

from . import chain
from .chain import Line
from .models import HOLDING_KINDS, Account, AccountKind, ChainHead, Entry, EntryKind

# The policy rules the time bank asks (policy/packs/national.toml, "时间银行").
STORAGE = "time_bank.storage"  # storage_cap_hours
REDEMPTION = "time_bank.redemption"  # relative_min_age
UNIT = "time_bank.unit"  # hours_per_coin
WEIGHTS = "time_bank.item_weights"  # default, weights {item code: weight}
POOL_GRANT = "time_bank.pool_grant"  # welfare [...], widowed_childless
DEFAULT_CAP = Decimal("1500")
DEFAULT_MIN_AGE = 60
DEFAULT_HARDSHIP_WELFARE = (
    Welfare.EXTREME_POVERTY,
    Welfare.MINIMUM_ALLOWANCE,
    Welfare.HARDSHIP,
)
CENT = Decimal("0.01")
MAX_UNITS = Decimal("10000")  # one posting; a typo, not a real amount, above this

# Who reads the time bank of their region, who may act for a volunteer at the counter,
# who grants from the pool and reverses postings.
TIMEBANK_READERS = VISIT_OFFICERS
TIMEBANK_CLERKS = frozenset(
    {Role.CITY_ADMIN, Role.COUNTY_ADMIN, Role.TOWNSHIP_OFFICER, Role.VILLAGE_OFFICER}
)
TIMEBANK_MANAGERS = frozenset({Role.CITY_ADMIN, Role.COUNTY_ADMIN})


@dataclass(frozen=True)
class Posting:
    """One posting: its lines (which sum to zero) and the overflow posting it caused
    (the surplus above the storage cap, moved to the pool in the same transaction)."""

    txn: uuid.UUID
    kind: str
    lines: list[Entry] = field(default_factory=list)
    overflow: Posting | None = None

    @property
    def units(self) -> Decimal:
        return sum((e.amount for e in self.lines if e.amount > 0), Decimal(0))


# ---------------------------------------------------------------- policy and regions


@dataclass(frozen=True)
class Terms:
    """The time bank's policy for one region on one day (one query for all its rules)."""

    cap: Decimal  # time_bank.storage.storage_cap_hours
    min_age: int  # time_bank.redemption.relative_min_age
    per_coin: Decimal  # time_bank.unit.hours_per_coin
    default_weight: Decimal  # time_bank.item_weights.default
    weights: dict  # time_bank.item_weights.weights
    welfare: tuple[str, ...]  # time_bank.pool_grant.welfare
    widowed_childless: bool  # time_bank.pool_grant.widowed_childless

    def weight(self, item_code: str) -> Decimal:
        """Units per hour of a service item: its weight (else the default) divided by
        the hours per coin; 1 when the figures make no sense."""
        value = self.weights.get(item_code) if item_code else None
        try:
            raw = Decimal(str(value)) if value is not None else self.default_weight
            weight = raw / self.per_coin
        except (InvalidOperation, ArithmeticError):
            return Decimal(1)
        return weight if weight > 0 else Decimal(1)


def terms(region: Region, on: dt.date | None = None) -> Terms:
    on = on or timezone.localdate()
    ids = (STORAGE, REDEMPTION, UNIT, WEIGHTS, POOL_GRANT)
    data = [to_data(r, r.region.path) for r in ancestor_rules(region).filter(rule_id__in=ids)]
    params: dict[str, dict] = {}
    for rule_id in ids:
        res = engine.resolve(rule_id, [d for d in data if d.rule_id == rule_id], region.path, on)
        params[rule_id] = dict(res.params) if res is not None else {}

    def get(rule_id: str, name: str, default):
        value = params[rule_id].get(name)
        return default if value is None else value

    def number(value, default: Decimal) -> Decimal:
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return default

    return Terms(
        cap=number(get(STORAGE, "storage_cap_hours", DEFAULT_CAP), DEFAULT_CAP).quantize(CENT),
        min_age=int(get(REDEMPTION, "relative_min_age", DEFAULT_MIN_AGE)),
        per_coin=number(get(UNIT, "hours_per_coin", 1), Decimal(1)) or Decimal(1),
        default_weight=number(get(WEIGHTS, "default", "1"), Decimal(1)),
        weights=dict(get(WEIGHTS, "weights", {}) or {}),
        welfare=tuple(get(POOL_GRANT, "welfare", None) or DEFAULT_HARDSHIP_WELFARE),
        widowed_childless=bool(get(POOL_GRANT, "widowed_childless", True)),
    )


def storage_cap(region: Region, on: dt.date | None = None) -> Decimal:
    """Hours a personal account may hold (``time_bank.storage.storage_cap_hours``)."""
    return terms(region, on).cap


def relative_min_age(region: Region, on: dt.date | None = None) -> int:
    """The age from which a direct relative may receive hours (spouses: any age)."""
    return terms(region, on).min_age


def item_weight(item_code: str, region: Region, on: dt.date | None = None) -> Decimal:
    """Units per hour of a service item (``time_bank.item_weights``, ``time_bank.unit``)."""
    return terms(region, on).weight(item_code)


def place(account: Account) -> Region:
    """The account's region as far as the policy and the county need it (code and path),
    without reading the region row."""
    return Region(code=account.region_id, path=account.region_path)


def county_code(region: Region) -> str:
    """The county (区县: the six-digit code in the path) a region belongs to."""
    for code in region.path.split("."):
        if len(code) == 6:
            return code
    raise ValidationFailed(fields={"region": [_("时间银行账户须属于县(区)或其下级区划")]})


def county_of(region: Region) -> Region:
    county = Region.objects.filter(code=county_code(region)).first()
    if county is None:
        raise ValidationFailed(fields={"region": [_("时间银行账户须属于县(区)或其下级区划")]})
    return county


def _region(value: Region | str) -> Region:
    if isinstance(value, Region):
        return value
    region = Region.objects.filter(code=str(value or "").strip()).first()
    if region is None:
        raise ValidationFailed(fields={"region": [_("区划不存在")]})
    return region


def _units(value, name: str = "units") -> Decimal:
    try:
        units = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        units = None
    if units is None or not units.is_finite() or units <= 0 or units != units.quantize(CENT):
        raise ValidationFailed(fields={name: [_("请填写大于 0 的小时数，最多两位小数")]})
    if units > MAX_UNITS:
        raise ValidationFailed(fields={name: [_("一次最多 %(n)s 小时") % {"n": MAX_UNITS}]})
    return units.quantize(CENT)


# ---------------------------------------------------------------- accounts


def system_account(kind: str, region: Region) -> Account:
    """The county's pool, issuance or redemption account (made on first use)."""
    code = county_code(region)
    account = Account.objects.filter(kind=kind, region_id=code, holder__isnull=True).first()
    if account is None:
        county = county_of(region)
        account, _made = Account.objects.get_or_create(
            kind=kind, region=county, holder=None, defaults={"region_path": county.path}
        )
    return account


def account_for(person, region: Region | None = None) -> Account:
    """The person's account (个人账户), opened on first use in ``region`` (default: the
    region of their visitor profile, else of the person)."""
    account = holder_account(person)
    if account is not None:
        return account
    if region is None:
        visitor = Visitor.objects.filter(person=person).select_related("region").first()
        region = visitor.region if visitor is not None else person.region
    county_of(region)
    try:
        with transaction.atomic():
            account = Account.objects.create(
                holder=person, kind=AccountKind.VOLUNTEER, region=region, region_path=region.path
            )
            audit.record(actor=None, action="timebank.account_open", obj=account, region=region)
    except IntegrityError:
        account = Account.objects.get(holder=person)
    return account


def holder_account(person) -> Account | None:
    account = Account.objects.filter(holder=person).first()
    if account is not None:
        account.holder = person
    return account


# ---------------------------------------------------------------- posting


class _Done(Exception):
    """Found inside the lock: the same reference was posted meanwhile."""

    def __init__(self, posting: Posting) -> None:
        self.posting = posting


def _lock(*accounts: Account) -> tuple[ChainHead, dict[int, Account]]:
    head = chain.locked_head()
    ids = sorted({a.pk for a in accounts})
    rows = Account.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    return head, {a.pk: a for a in rows}


def _settle(
    head: ChainHead,
    locked: dict[int, Account],
    postings: Sequence[tuple[uuid.UUID, Sequence[Line]]],
    *,
    actor,
    short: Callable[[Account, Decimal], DomainError],
) -> list[Entry]:
    """Check the balances, write the lines, move the balances (all under the locks)."""
    delta: dict[int, Decimal] = {}
    for _txn, lines in postings:
        for line in lines:
            delta[line.account_id] = delta.get(line.account_id, Decimal(0)) + line.amount
    for pk, change in sorted(delta.items()):
        account = locked[pk]
        if account.kind in HOLDING_KINDS and account.balance + change < 0:
            raise short(account, -change)
    rows = chain.append(head, postings, actor=actor)
    for pk, change in sorted(delta.items()):
        if change:
            Account.objects.filter(pk=pk).update(balance=F("balance") + change)
            locked[pk].balance += change
    return rows


def _overflow(
    account: Account, pool: Account, cap: Decimal, credit: Decimal, after: uuid.UUID
) -> tuple[uuid.UUID, list[Line]] | None:
    """The surplus above the storage cap after a credit, as a posting to the pool."""
    surplus = account.balance + credit - cap
    if account.kind != AccountKind.VOLUNTEER or surplus <= 0:
        return None
    memo = f"超出存储上限 {cap} 小时，转入互助池"
    ref = f"txn:{after}"
    return uuid.uuid4(), [
        Line(account.pk, -surplus, EntryKind.OVERFLOW, memo, ref),
        Line(pool.pk, surplus, EntryKind.OVERFLOW, memo, ref),
    ]


def _result(rows: list[Entry], main: uuid.UUID) -> Posting:
    """The posting ``main`` among the lines just written, with its overflow (the other
    txn among them, if any)."""
    by_txn: dict[uuid.UUID, list[Entry]] = {}
    for row in rows:
        by_txn.setdefault(row.txn, []).append(row)
    others = [lines for txn, lines in by_txn.items() if txn != main]
    overflow = Posting(others[0][0].txn, others[0][0].kind, others[0]) if others else None
    return Posting(main, by_txn[main][0].kind, by_txn[main], overflow)


def posting_of(txn: uuid.UUID) -> Posting | None:
    """A posting as stored, with the overflow it caused."""
    lines = list(Entry.objects.filter(txn=txn).order_by("seq"))
    if not lines:
        return None
    extra = Entry.objects.filter(kind=EntryKind.OVERFLOW, reference=f"txn:{txn}").first()
    overflow = posting_of(extra.txn) if extra is not None else None
    return Posting(txn, lines[0].kind, lines, overflow)


def _short_units(account: Account, need: Decimal) -> DomainError:
    if account.kind == AccountKind.POOL:
        message = _("互助池余额不足：现有 %(b)s 小时，需要 %(n)s 小时")
    else:
        message = _("时间余额不足：现有 %(b)s 小时，需要 %(n)s 小时")
    return ValidationFailed(fields={"units": [message % {"b": account.balance, "n": need}]})


def _funded_account(person, units: Decimal) -> Account:
    """The account hours are taken from; a person without one has nothing to give."""
    account = holder_account(person)
    if account is None:
        message = _("时间余额不足：现有 %(b)s 小时，需要 %(n)s 小时")
        raise ValidationFailed(fields={"units": [message % {"b": "0.00", "n": units}]})
    return account


def _ensure_may_act(actor, account: Account) -> None:
    """The holder themself, or an officer of the account's region at the counter."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise Forbidden()
    if actor.role == Role.VISITOR:
        visitor = visitor_for_user(actor)
        if visitor is not None and visitor.person_id == account.holder_id:
            return
    elif actor.role in TIMEBANK_CLERKS and in_subtree(account.region_path, actor.region.path):
        return
    raise Forbidden(_("只有本人或本辖区工作人员可以办理"))


# ---------------------------------------------------------------- use cases


def earn(
    *,
    person,
    hours,
    item_code: str,
    region: Region | str,
    reference: str,
    actor,
    request=None,
) -> Posting:
    """服务记入: credit a volunteer for a finished, confirmed service. ``hours`` ×
    the item's weight (``time_bank.item_weights``, ``time_bank.unit``) = units. The same
    ``reference`` earns once: a second call returns the first posting and writes nothing.
    Above the storage cap (``time_bank.storage``) the surplus goes to the county pool."""
    reference = (reference or "").strip()
    if not reference:
        raise ValidationFailed(fields={"reference": [_("请提供业务单号（如 order:123）")]})
    first = _earned(person, reference)
    if first is not None:
        return first
    region = _region(region)
    hours = _units(hours, "hours")
    rules = terms(region)
    weight = rules.weight(item_code)
    units = (hours * weight).quantize(CENT, ROUND_HALF_UP)
    if units <= 0:
        raise ValidationFailed(fields={"hours": [_("折算后的时长为 0")]})
    account = account_for(person)
    issuance = system_account(AccountKind.ISSUANCE, region)
    here = place(account)
    pool = system_account(AccountKind.POOL, here)
    cap = rules.cap if here.path == region.path else terms(here).cap
    txn = uuid.uuid4()
    memo = f"服务 {hours} 小时" + (f"，按权重 {weight} 折算" if weight != 1 else "")
    try:
        with transaction.atomic():
            audit.record(
                actor=actor,
                action="timebank.earn",
                obj=account,
                region=place(account),
                detail={
                    "txn": str(txn),
                    "reference": reference,
                    "hours": str(hours),
                    "item": item_code,
                    "weight": str(weight),
                    "units": str(units),
                    "rules": [WEIGHTS, UNIT, STORAGE],
                },
                request=request,
            )
            head, locked = _lock(account, issuance, pool)
            again = _earned(person, reference)
            if again is not None:
                raise _Done(again)
            postings = [
                (
                    txn,
                    [
                        Line(account.pk, units, EntryKind.EARN, memo, reference),
                        Line(issuance.pk, -units, EntryKind.EARN, memo, reference),
                    ],
                )
            ]
            extra = _overflow(locked[account.pk], locked[pool.pk], cap, units, txn)
            if extra is not None:
                postings.append(extra)
            rows = _settle(head, locked, postings, actor=actor, short=_short_units)
    except _Done as done:
        return done.posting
    except IntegrityError:
        again = _earned(person, reference)
        if again is not None:
            return again
        raise
    return _result(rows, txn)


def _earned(person, reference: str) -> Posting | None:
    line = (
        Entry.objects.filter(
            account__holder=person, kind=EntryKind.EARN, reference=reference, amount__gt=0
        )
        .only("txn")
        .first()
    )
    return posting_of(line.txn) if line is not None else None


def _debited(account: Account, kind: str, reference: str) -> Posting | None:
    line = (
        Entry.objects.filter(account=account, kind=kind, reference=reference, amount__lt=0)
        .only("txn")
        .first()
    )
    return posting_of(line.txn) if line is not None else None


def _simple_debit(
    *,
    account: Account,
    to: Account,
    units: Decimal,
    kind: str,
    memo_from: str,
    memo_to: str,
    reference: str = "",
    beneficiary_id: int | None = None,
    actor,
    action: str,
    detail: dict,
    request=None,
    credit_cap: tuple[Account, Decimal] | None = None,
    idempotent: bool = False,
) -> Posting:
    """A debit of ``account`` and a credit of ``to``; with ``credit_cap=(pool, cap)`` the
    surplus of ``to`` above the cap goes on to the pool."""
    txn = uuid.uuid4()
    try:
        with transaction.atomic():
            audit.record(
                actor=actor,
                action=action,
                obj=account,
                region=place(account),
                detail={"txn": str(txn), "units": str(units), **detail},
                request=request,
            )
            extra_accounts = [credit_cap[0]] if credit_cap else []
            head, locked = _lock(account, to, *extra_accounts)
            if idempotent:
                again = _debited(account, kind, reference)
                if again is not None:
                    raise _Done(again)
            postings = [
                (
                    txn,
                    [
                        Line(account.pk, -units, kind, memo_from, reference, None, beneficiary_id),
                        Line(to.pk, units, kind, memo_to, reference, None, beneficiary_id),
                    ],
                )
            ]
            extra = None
            if credit_cap is not None:
                pool, cap = credit_cap
                extra = _overflow(locked[to.pk], locked[pool.pk], cap, units, txn)
                if extra is not None:
                    postings.append(extra)
            rows = _settle(head, locked, postings, actor=actor, short=_short_units)
    except _Done as done:
        return done.posting
    except IntegrityError:
        if idempotent:
            again = _debited(account, kind, reference)
            if again is not None:
                return again
        raise
    return _result(rows, txn)


def spend(*, person, units, purpose: str, reference: str, actor, request=None) -> Posting:
    """兑换服务: the volunteer spends units on a service for themself (to the county's
    redemption account). The same ``reference`` is spent once."""
    units = _units(units)
    purpose = (purpose or "").strip()
    reference = (reference or "").strip()
    errors = {}
    if not purpose:
        errors["purpose"] = [_("请填写兑换的服务")]
    if not reference:
        errors["reference"] = [_("请提供业务单号（如 order:123）")]
    if errors:
        raise ValidationFailed(fields=errors)
    account = _funded_account(person, units)
    first = _debited(account, EntryKind.SPEND, reference)
    if first is not None:
        return first
    redemption = system_account(AccountKind.REDEMPTION, place(account))
    return _simple_debit(
        account=account,
        to=redemption,
        units=units,
        kind=EntryKind.SPEND,
        memo_from=f"兑换服务：{purpose}",
        memo_to=f"{person.name}兑换服务：{purpose}",
        reference=reference,
        actor=actor,
        action="timebank.spend",
        detail={"reference": reference, "purpose": purpose[:100]},
        request=request,
        idempotent=True,
    )


def same_people(person) -> list[int]:
    """The person, and any other row of the same human (the same ID number): a family
    contact entered on an elder's file may be a second row of the volunteer."""
    ids = {person.pk}
    if person.id_number_hash:
        ids |= set(
            Person.objects.filter(id_number_hash=person.id_number_hash).values_list("pk", flat=True)
        )
    return sorted(ids)


def relation_to(person, to_person, on: dt.date, min_age: int) -> str:
    """Why ``person`` may give hours to ``to_person`` (配偶, 父母, 子女), or a
    ValidationFailed naming the field ``to_person``.

    Relations are read from the elder files' family contacts (``relative_link`` records
    them for a volunteer): spouse (a ``spouse`` contact, either way, any age); a direct
    relative aged ``min_age``+ (the giver is a ``child`` contact of the receiver's elder
    file: a parent; or the receiver is a ``child`` contact of the giver's: a child).
    Other relatives, neighbours and strangers are refused. Grandparents are not
    recorded as such on the files, so they are not offered."""
    if to_person.pk == person.pk:
        raise ValidationFailed(fields={"to_person": [_("不能转赠给自己")]})
    if Elder.objects.filter(person=to_person, status=ElderStatus.DECEASED).exists():
        raise ValidationFailed(fields={"to_person": [_("受赠人已故，不能转赠")]})
    mine, theirs = same_people(person), same_people(to_person)
    if set(mine) & set(theirs):
        raise ValidationFailed(fields={"to_person": [_("不能转赠给自己")]})
    relations = set(
        Contact.objects.filter(
            Q(elder__person_id__in=mine, person_id__in=theirs)
            | Q(elder__person_id__in=theirs, person_id__in=mine)
        ).values_list("elder__person_id", "relation")
    )
    if any(rel == Relation.SPOUSE for _elder, rel in relations):
        return _("配偶")
    parent = any(rel == Relation.CHILD and elder in theirs for elder, rel in relations)
    child = any(rel == Relation.CHILD and elder in mine for elder, rel in relations)
    if not (parent or child):
        raise ValidationFailed(
            fields={
                "to_person": [
                    _(
                        "只能转赠给配偶或年满%(age)s周岁的直系亲属（父母、子女），"
                        "且须已登记为老人档案中的家庭联系人"
                    )
                    % {"age": min_age}
                ]
            }
        )
    age = age_on(to_person.birth_date, on)
    if age is None:
        raise ValidationFailed(
            fields={
                "to_person": [
                    _("%(name)s没有出生日期，无法确认是否年满%(age)s周岁")
                    % {"name": to_person.name, "age": min_age}
                ]
            }
        )
    if age < min_age:
        raise ValidationFailed(
            fields={
                "to_person": [
                    _("受赠的直系亲属须年满%(min)s周岁，%(name)s现年%(age)s岁")
                    % {"min": min_age, "name": to_person.name, "age": age}
                ]
            }
        )
    return _("父母") if parent else _("子女")


LINKABLE = (Relation.CHILD, Relation.SPOUSE)


def relative_link(*, actor, person, elder: Elder, relation: str, request=None) -> Contact:
    """登记亲属关系: record on an elder's file that ``person`` (a volunteer, the same
    Person row) is the elder's child or spouse, so that hours may be given to the
    elder. An officer who keeps elder files in the elder's region does it."""
    if actor is None or actor.role not in TIMEBANK_CLERKS:
        raise Forbidden(_("只有村(社区)及以上工作人员可以登记亲属关系"))
    errors: dict[str, list[str]] = {}
    if relation not in LINKABLE:
        errors["relation"] = [_("请选择子女或配偶")]
    if not in_subtree(elder.region_path, actor.region.path):
        errors["elder"] = [_("老人不在您的管辖范围内")]
    elif elder.person_id == person.pk:
        errors["elder"] = [_("不能登记为本人的亲属")]
    if errors:
        raise ValidationFailed(fields=errors)
    existing = Contact.objects.filter(elder=elder, person=person).first()
    if existing is not None:
        if existing.relation != relation:
            raise Conflict(
                _("已登记为该老人的%(r)s") % {"r": existing.get_relation_display()},
                fields={"relation": [_("关系已登记，如有误请在老人档案中更正")]},
            )
        return existing
    with transaction.atomic():
        contact = Contact.objects.create(elder=elder, person=person, relation=relation)
        audit.record(
            actor=actor,
            action="elder.contact_add",
            obj=elder,
            region=elder.region,
            detail={"relation": relation, "person": person.pk, "by": "timebank"},
            request=request,
        )
    return contact


def transfer_to_relative(*, person, to_person, units, actor, request=None) -> Posting:
    """转赠亲属: to a spouse (any age) or a direct relative aged 60+ (policy
    ``time_bank.redemption.relative_min_age``), from the family contacts of the elder files.
    The receiver's surplus above the storage cap goes to their county's pool."""
    units = _units(units)
    account = _funded_account(person, units)
    _ensure_may_act(actor, account)
    today = timezone.localdate()
    here = terms(place(account), today)
    relation = relation_to(person, to_person, today, here.min_age)
    to_account = account_for(to_person)
    there = place(to_account)
    pool = system_account(AccountKind.POOL, there)
    cap = here.cap if to_account.region_path == account.region_path else terms(there, today).cap
    return _simple_debit(
        account=account,
        to=to_account,
        units=units,
        kind=EntryKind.TRANSFER,
        memo_from=f"转赠{relation}{to_person.name}",
        memo_to=f"{person.name}转赠",
        actor=actor,
        action="timebank.transfer",
        detail={"to_person": to_person.pk, "relation": str(relation)},
        request=request,
        credit_cap=(pool, cap),
    )


def donate_to_pool(*, person, units, actor, request=None) -> Posting:
    """捐赠互助池: to the pool of the volunteer's county, for elders in hardship."""
    units = _units(units)
    account = _funded_account(person, units)
    _ensure_may_act(actor, account)
    pool = system_account(AccountKind.POOL, place(account))
    return _simple_debit(
        account=account,
        to=pool,
        units=units,
        kind=EntryKind.DONATE,
        memo_from="捐赠互助池",
        memo_to=f"{person.name}捐赠",
        actor=actor,
        action="timebank.donate",
        detail={"pool": pool.pk},
        request=request,
    )


def hardship_q(region: Region, on: dt.date | None = None) -> Q:
    """Elders the pool may serve (``time_bank.pool_grant``): a welfare category in
    ``welfare`` (default 特困, 低保, 经济困难), or 孤寡 when ``widowed_childless``."""
    res = lookup(POOL_GRANT, region, on)
    welfare = (res.get("welfare") if res else None) or list(DEFAULT_HARDSHIP_WELFARE)
    q = Q(welfare__in=list(welfare))
    if res is None or res.get("widowed_childless", True):
        q |= Q(widowed_childless=True)
    return q


def in_hardship(elder: Elder, on: dt.date | None = None) -> bool:
    return Elder.objects.filter(hardship_q(elder.region, on), pk=elder.pk).exists()


def pool_grant(
    *,
    region: Region | str,
    elder: Elder,
    units,
    purpose: str,
    reference: str = "",
    actor,
    request=None,
) -> Posting:
    """互助池资助: the county pool pays for a service for an elder in hardship (to the
    redemption account). The same ``reference`` is granted once."""
    county = county_of(_region(region))
    if (
        actor is None
        or actor.role not in TIMEBANK_MANAGERS
        or not in_subtree(county.path, actor.region.path)
    ):
        raise Forbidden(_("只有县级及以上民政管理员可以使用互助池"))
    units = _units(units)
    purpose = (purpose or "").strip()
    reference = (reference or "").strip() or f"grant:{uuid.uuid4().hex[:16]}"
    errors: dict[str, list[str]] = {}
    if not purpose:
        errors["purpose"] = [_("请填写资助的服务")]
    if not in_subtree(elder.region_path, county.path):
        errors["elder"] = [_("老人不在%(c)s") % {"c": county.name}]
    elif elder.status != ElderStatus.ACTIVE:
        errors["elder"] = [_("老人档案不在册")]
    elif not in_hardship(elder):
        errors["elder"] = [
            _("互助池只资助困难老人（特困、低保、经济困难或孤寡），该老人救助类别为“%(w)s”")
            % {"w": elder.get_welfare_display()}
        ]
    if errors:
        raise ValidationFailed(fields=errors)
    pool = system_account(AccountKind.POOL, county)
    first = _debited(pool, EntryKind.POOL_GRANT, reference)
    if first is not None:
        return first
    redemption = system_account(AccountKind.REDEMPTION, county)
    name = elder.person.name
    return _simple_debit(
        account=pool,
        to=redemption,
        units=units,
        kind=EntryKind.POOL_GRANT,
        memo_from=f"资助{name}：{purpose}"[:200],
        memo_to=f"互助池资助{name}：{purpose}"[:200],
        reference=reference,
        beneficiary_id=elder.person_id,
        actor=actor,
        action="timebank.pool_grant",
        detail={"elder": elder.pk, "reference": reference, "purpose": purpose[:100]},
        request=request,
        idempotent=True,
    )


def reverse(*, txn, reason: str, actor, request=None) -> Posting:
    """冲正: write the mirror lines of a posting (and of the overflow it caused). Refused
    for a reversal, an overflow (reverse the posting that caused it), a posting already
    reversed, or when a personal or pool balance would go below zero."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("请填写冲正原因")]})
    try:
        txn = txn if isinstance(txn, uuid.UUID) else uuid.UUID(str(txn))
    except ValueError:
        raise NotFound() from None
    lines = list(Entry.objects.filter(txn=txn).select_related("account").order_by("seq"))
    if not lines:
        raise NotFound()
    if actor is None or actor.role not in TIMEBANK_MANAGERS:
        raise Forbidden(_("只有县级及以上民政管理员可以冲正"))
    held = [e.account for e in lines if e.account.kind in HOLDING_KINDS] or [lines[0].account]
    if not all(in_subtree(a.region_path, actor.region.path) for a in held):
        raise Forbidden(_("该流水涉及其他辖区的账户，请由上级管理员冲正"))
    kind = lines[0].kind
    if kind == EntryKind.REVERSAL:
        raise Conflict(_("冲正流水不能再冲正；如需更正，请重新办理"))
    if kind == EntryKind.OVERFLOW:
        raise Conflict(_("超出存储上限转入互助池的流水随原流水一并冲正，请冲正原流水"))
    if Entry.objects.filter(reverses=txn).exists():
        raise Conflict(_("该流水已冲正"))
    overflow = list(
        Entry.objects.filter(kind=EntryKind.OVERFLOW, reference=f"txn:{txn}")
        .select_related("account")
        .order_by("seq")
    )
    new_txn = uuid.uuid4()
    memo = f"冲正：{reason}"[:200]

    def mirror(rows: list[Entry]) -> list[Line]:
        return [
            Line(
                e.account_id,
                -e.amount,
                EntryKind.REVERSAL,
                memo,
                e.reference,
                e.txn,
                e.beneficiary_id,
            )
            for e in rows
        ]

    postings: list[tuple[uuid.UUID, list[Line]]] = []
    overflow_txn = uuid.uuid4()
    if overflow:
        # The overflow first: the pool gives back before the original is undone.
        postings.append((overflow_txn, mirror(overflow)))
    postings.append((new_txn, mirror(lines)))

    def short(account: Account, need: Decimal) -> DomainError:
        who = account.holder.name if account.holder_id else account.get_kind_display()
        return Conflict(
            _("冲正会使%(who)s的余额低于零（现有 %(b)s 小时，需扣回 %(n)s 小时），不能冲正")
            % {"who": who, "b": account.balance, "n": need},
            fields={"txn": [_("余额不足，不能冲正")]},
        )

    try:
        with transaction.atomic():
            audit.record(
                actor=actor,
                action="timebank.reverse",
                obj=lines[0].account,
                region=place(lines[0].account),
                detail={"txn": str(txn), "reversal": str(new_txn), "reason": reason[:200]},
                request=request,
            )
            accounts = [e.account for e in lines + overflow]
            head, locked = _lock(*accounts)
            if Entry.objects.filter(reverses=txn).exists():
                raise Conflict(_("该流水已冲正"))
            rows = _settle(head, locked, postings, actor=actor, short=short)
    except IntegrityError:
        raise Conflict(_("该流水已冲正")) from None
    back = [r for r in rows if r.txn == overflow_txn]
    return Posting(
        new_txn,
        EntryKind.REVERSAL,
        [r for r in rows if r.txn == new_txn],
        Posting(overflow_txn, EntryKind.REVERSAL, back) if back else None,
    )
