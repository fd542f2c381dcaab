"""明白卡: the plain-language card of what one elder is entitled to, printed on one A4
page in large print (工信厅信管函〔2021〕67号, rule ``ui.elder_pages``).

What the card says comes from the records and the policy rules in force for the elder's
village on the day it is printed: the target groups the elder belongs to
(``elder.group.*``), how often someone visits (``visit.schedule.*`` and the current care
plan), who pays for home services and meals (``service.payment_shares`` /
``meal.payment_shares``, with the meal points of the elder's township and what one meal
costs the elder), the services on offer (``home_care.six_helps`` or
``home_service.contents``), the time-bank pool (``time_bank.pool_grant``), the nursing
home's opening (``facility.nursing_home.open_to_public``), Party-member pairing
(``pairing.left_behind``), the paired visitors with their phone numbers (the card is
for the elder: a visitor's number is meant to be used) and the hotline
(``elder_card.hotline``). Every entitlement names its source. The elder's own ID
number is never printed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.alerts.models import CheckInPlan
from yanglao.core import audit
from yanglao.core.audit import AccessKind
from yanglao.core.errors import NotFound
from yanglao.core.scope import get_in_scope
from yanglao.elders import categories
from yanglao.elders.models import CarePlan, Elder, ElderStatus, LivingSituation, Welfare
from yanglao.elders.selectors import elder_get
from yanglao.policy import engine
from yanglao.policy.models import PolicyRule
from yanglao.policy.selectors import RuleBook, lookup
from yanglao.regions.models import Level, Region
from yanglao.services import shares
from yanglao.services.models import MealPoint, Payer
from yanglao.visits import pairing, schedule
from yanglao.visits.models import Period

HOTLINE = "elder_card.hotline"
UI_RULE = "ui.elder_pages"
# The card's own type size on paper (a design choice, never below the rule's floor).
CARD_BODY_PX = 22
MAX_MEAL_POINTS = 3

# What the codes of ``facility.nursing_home.open_to_public`` (low_cost_groups, priority)
# mean on the elder's file.
OPENING_CONDITIONS = {
    "extreme_poverty": lambda e: e.welfare == Welfare.EXTREME_POVERTY,
    "minimum_living_allowance": lambda e: e.welfare == Welfare.MINIMUM_ALLOWANCE,
    "minimum_allowance": lambda e: e.welfare == Welfare.MINIMUM_ALLOWANCE,
    "hardship": lambda e: e.welfare == Welfare.HARDSHIP,
    "left_behind": lambda e: e.left_behind,
    "empty_nest": lambda e: e.living_situation == LivingSituation.SPOUSE_ONLY,
    "living_alone": lambda e: e.living_situation == LivingSituation.ALONE,
    "family_planning_special": lambda e: e.family_planning_special,
    "widowed_childless": lambda e: e.widowed_childless,
}


@dataclass
class Entitlement:
    # visits, care_plan, service, meal, services, timebank, nursing_home, pairing, checkin
    kind: str
    title: str  # a plain heading
    text: str  # plain words
    source: str  # 依据
    rule_id: str = ""
    lines: list[str] = field(default_factory=list)


@dataclass
class VisitorInfo:
    name: str
    phone: str
    kind: str
    is_lead: bool


@dataclass
class Hotline:
    label: str
    phone: str
    source: str


@dataclass
class Card:
    elder: Elder
    name: str
    age: int | None
    village: str
    township: str
    groups: list[str]
    entitlements: list[Entitlement]
    visitors: list[VisitorInfo]
    hotline: Hotline | None
    printed_on: dt.date
    body_px: int
    line_height: str


# ---------------------------------------------------------------- sources in plain words


class Sources:
    """The plain source line of each rule, from its database row (one query per card)."""

    def __init__(self) -> None:
        self._rows: dict[int, PolicyRule] = {}

    def load(self, resolutions) -> None:
        pks = {r.decisive.pk for r in resolutions if r is not None} - set(self._rows)
        if pks:
            self._rows.update(PolicyRule.objects.in_bulk(list(pks)))

    def of(self, res: engine.Resolution | None) -> str:
        if res is None:
            return ""
        self.load([res])
        row = self._rows.get(res.decisive.pk)
        if row is None:
            return res.decisive.source
        if row.local_default and not row.source_doc:
            return _("本地规定（政策文件未定具体数值）")
        doc = row.source_doc
        if doc and not doc.startswith("《") and not doc[:1].isascii():
            doc = f"《{doc}》"
        text = " ".join(p for p in (doc, row.source_number, row.source_clause) if p)
        if row.local_default:
            text += _("（具体数值为本地规定）")
        return text


def percent(ratio: Decimal) -> str:
    value = (ratio * 100).quantize(Decimal("0.1"))
    return f"{value.normalize():f}%"


# ---------------------------------------------------------------- entitlements

RULES = (
    schedule.SCHEDULE_PREFIX,
    "service.payment_shares",
    "meal.payment_shares",
    "home_care.six_helps",
    "home_service.contents",
    "time_bank.pool_grant",
    "facility.nursing_home.open_to_public",
    "pairing.left_behind",
    HOTLINE,
    UI_RULE,
)


@dataclass
class Ctx:
    """What every entitlement reads: the elder, the day, their group codes, the rules
    (read once per print run) and the sources."""

    elder: Elder
    on: dt.date
    codes: set[str]
    book: RuleBook
    sources: Sources

    def lookup(self, rule_id: str) -> engine.Resolution | None:
        return self.book.lookup(rule_id, self.elder.region, self.on)

    def schedule_ids(self) -> list[str]:
        return sorted(
            {
                d.rule_id
                for d in self.book.data
                if d.rule_id.startswith(schedule.SCHEDULE_PREFIX)
                and engine.is_ancestor_or_self(d.region_path, self.elder.region_path)
            }
        )


def _visits(ctx: Ctx) -> list[Entitlement]:
    """How often someone visits: the strictest schedule rule of the elder's groups (as
    the visit schedule itself applies it), and the care plan when it asks more."""
    best: tuple[schedule.Requirement, engine.Resolution] | None = None
    for rule_id in ctx.schedule_ids():
        res = ctx.lookup(rule_id)
        if res is None or res.get("group") not in ctx.codes:
            continue
        need = schedule.Requirement(res.get("period"), int(res.get("required", 1)), rule_id)
        if best is None or need.stricter_than(best[0]):
            best = (need, res)
    out = []
    if best is not None:
        need, res = best
        every = _("每周") if need.period == Period.WEEK else _("每月")
        out.append(
            Entitlement(
                "visits",
                _("有人定期来看您"),
                _("%(every)s至少 %(n)s 次，上门看望或打电话问候。")
                % {"every": every, "n": need.required},
                ctx.sources.of(res),
                res.rule_id,
            )
        )
    plan = CarePlan.objects.filter(elder=ctx.elder, is_current=True).first()
    if plan is not None and plan.visits_per_week:
        out.append(
            Entitlement(
                "care_plan",
                _("您的“一人一策”照护计划"),
                _("每周至少 %(n)s 次来看您；负责人：%(who)s。")
                % {"n": plan.visits_per_week, "who": plan.responsible},
                _("您的“一人一策”照护计划（%(d)s 制定）") % {"d": f"{plan.created_at:%Y-%m-%d}"},
            )
        )
    return out


def _share_rule(ctx: Ctx, kind: str) -> engine.Resolution | None:
    if kind == "meal":
        return ctx.lookup("meal.payment_shares") or ctx.lookup("service.payment_shares")
    return ctx.lookup("service.payment_shares")


def _service_subsidy(ctx: Ctx) -> Entitlement | None:
    res = _share_rule(ctx, "service")
    if res is None:
        return None
    ratios = {s.payer: s for s in shares.ratios_for(ctx.elder, kind="service", on=ctx.on)}
    gov = ratios[Payer.GOVERNMENT]
    personal = ratios[Payer.ELDER].ratio
    if gov.ratio > 0:
        text = _("请人上门服务时，政府补助 %(g)s（按“%(why)s”），您自己付 %(p)s。") % {
            "g": percent(gov.ratio),
            "why": gov.trace.get("because", ""),
            "p": percent(personal),
        }
    else:
        text = _("可以请人上门服务，费用按价格表自己付（%(p)s）。") % {"p": percent(personal)}
    return Entitlement("service", _("上门服务费用"), text, ctx.sources.of(res), res.rule_id)


def _township_path(region: Region) -> str:
    parts = region.path.split(".")
    return ".".join(parts[: Level.TOWNSHIP + 1]) if region.level >= Level.TOWNSHIP else region.path


def _meals(ctx: Ctx) -> Entitlement | None:
    township = _township_path(ctx.elder.region)
    points = list(
        MealPoint.objects.filter(active=True)
        .filter(Q(region_path=township) | Q(region_path__startswith=township + "."))
        .order_by("region_path", "name")[:MAX_MEAL_POINTS]
    )
    res = _share_rule(ctx, "meal")
    if not points or res is None:
        return None
    ratios = shares.ratios_for(ctx.elder, kind="meal", on=ctx.on)
    lines = []
    for point in points:
        parts = {s.payer: s.amount for s in shares.split(point.meal_price, ratios)}
        mine = parts.get(Payer.ELDER, Decimal("0.00"))
        lines.append(
            _("%(name)s：每餐 %(price)s 元，补助 %(help)s 元，您付 %(mine)s 元%(deliver)s")
            % {
                "name": point.name,
                "price": f"{point.meal_price:.2f}",
                "help": f"{point.meal_price - mine:.2f}",
                "mine": f"{mine:.2f}",
                "deliver": _("（可送餐）") if point.delivers else "",
            }
        )
    return Entitlement(
        "meal",
        _("老年助餐"),
        _("可以到助餐点吃饭或请他们送餐："),
        ctx.sources.of(res),
        res.rule_id,
        lines,
    )


def _services_on_offer(ctx: Ctx) -> Entitlement | None:
    res = ctx.lookup("home_care.six_helps")
    if res is not None:
        labels = list(res.get("service_labels") or []) + list(
            res.get("also_mentioned_labels") or []
        )
    else:
        res = ctx.lookup("home_service.contents")
        if res is None:
            return None
        labels = list(res.get("content_labels") or [])
    if not labels:
        return None
    return Entitlement(
        "services",
        _("可以申请的服务"),
        "、".join(labels) + _("。打电话或请探访员、家人代为申请。"),
        ctx.sources.of(res),
        res.rule_id,
    )


def _timebank(ctx: Ctx) -> Entitlement | None:
    res = ctx.lookup("time_bank.pool_grant")
    if res is None:
        return None
    elder = ctx.elder
    eligible = elder.welfare in (res.get("welfare") or []) or (
        bool(res.get("widowed_childless")) and elder.widowed_childless
    )
    if not eligible:
        return None
    return Entitlement(
        "timebank",
        _("志愿服务互助"),
        _("志愿者为您服务的时间，可以由“时间银行”互助池支付，不用您出钱。"),
        ctx.sources.of(res),
        res.rule_id,
    )


def _meets(code: str, elder: Elder) -> bool:
    condition = OPENING_CONDITIONS.get(code)
    return bool(condition and condition(elder))


def _nursing_home(ctx: Ctx) -> Entitlement | None:
    res = ctx.lookup("facility.nursing_home.open_to_public")
    if res is None:
        return None
    if res.get("priority") and _meets(res["priority"], ctx.elder):
        text = _("敬老院优先保障您这样的特困老人入住。")
    elif any(_meets(code, ctx.elder) for code in res.get("low_cost_groups") or []):
        text = _("敬老院向您开放，可以享受低偿服务。")
    else:
        return None
    return Entitlement("nursing_home", _("敬老院"), text, ctx.sources.of(res), res.rule_id)


def _pairing(ctx: Ctx) -> Entitlement | None:
    res = ctx.lookup("pairing.left_behind")
    if res is None or res.get("group") not in ctx.codes:
        return None
    return Entitlement(
        "pairing",
        _("党员结对帮扶"),
        _("党员和志愿者与您结对，定期上门帮扶。"),
        ctx.sources.of(res),
        res.rule_id,
    )


def _checkin(ctx: Ctx) -> Entitlement | None:
    plan = (
        CheckInPlan.objects.filter(elder=ctx.elder, active=True, starts_on__lte=ctx.on)
        .exclude(ends_on__lt=ctx.on)
        .first()
    )
    if plan is None:
        return None
    return Entitlement(
        "checkin",
        _("每天报平安"),
        _("每天用“%(m)s”报一声平安；没报平安，会有人来看您。") % {"m": plan.get_method_display()},
        _("村（社区）为您制定的每日平安确认"),
    )


# ---------------------------------------------------------------- the card


def _ui(ctx: Ctx) -> tuple[int, str]:
    res = ctx.lookup(UI_RULE)
    floor = int(res.get("body_font_min_px", 18)) if res else 18
    line = str(res.get("line_height_min", "1.3")) if res else "1.3"
    return max(CARD_BODY_PX, floor), str(max(Decimal(line), Decimal("1.5")))


def hotline_for(
    region: Region, on: dt.date, sources: Sources | None = None, book: RuleBook | None = None
) -> Hotline | None:
    res = book.lookup(HOTLINE, region, on) if book else lookup(HOTLINE, region, on)
    phones = [str(p).strip() for p in (res.get("phones") or []) if str(p).strip()] if res else []
    if not phones:
        return None
    return Hotline(
        label=res.get("label") or _("养老服务热线"),
        phone="、".join(phones),
        source=(sources or Sources()).of(res),
    )


def build(elder: Elder, on: dt.date, *, group_rules=None, book: RuleBook | None = None) -> Card:
    """The card of one elder (already checked to be in the caller's scope). A print run
    passes ``group_rules`` and ``book`` so the rules are read once for all its cards."""
    book = book or RuleBook(RULES, on)
    sources = Sources()
    quiet = dict.fromkeys(categories.RECENT_FACTS, 0)  # groups never read them
    groups = categories.evaluate_groups(
        categories.applicable_groups(elder.region_path, on, group_rules),
        categories.facts_of(elder, on, quiet),
        with_trace=False,
    )
    matched = [g for g in groups if g.matched]
    ctx = Ctx(elder, on, {g.code for g in matched}, book, sources)
    optional = (
        _pairing(ctx),
        _checkin(ctx),
        _service_subsidy(ctx),
        _meals(ctx),
        _services_on_offer(ctx),
        _timebank(ctx),
        _nursing_home(ctx),
    )
    entitlements = [*_visits(ctx), *[e for e in optional if e is not None]]
    visitors = [
        VisitorInfo(
            name=v.person.name,
            phone=v.person.phone or "",
            kind=v.get_kind_display(),
            is_lead=i == 0,
        )
        for i, v in enumerate(pairing.visitors_of(elder, on))
    ]
    region = elder.region
    township = region.parent.name if region.parent_id and region.level > Level.TOWNSHIP else ""
    body_px, line_height = _ui(ctx)
    return Card(
        elder=elder,
        name=elder.person.name,
        age=categories.age_on(elder.person.birth_date, on),
        village=region.name,
        township=township,
        groups=sorted({g.label for g in matched}),
        entitlements=entitlements,
        visitors=visitors,
        hotline=hotline_for(region, on, sources, book),
        printed_on=on,
        body_px=body_px,
        line_height=line_height,
    )


def _log(actor, elders: list[Elder], request, region: Region | None) -> None:
    audit.log_access(
        actor=actor,
        kind=AccessKind.EXPORT,
        request=request,
        obj=elders[0] if len(elders) == 1 else None,
        region=region or (elders[0].region if elders else None),
        detail={
            "object_type": "ElderCard",
            "printed": len(elders),
            "elders": [e.pk for e in elders[:500]],
            "full_values": True,
            "fields": ["visitor_phone"],
        },
    )


def card_for(actor, elder_id: int, *, request=None, on: dt.date | None = None) -> Card:
    """The card of an elder in the actor's scope (else 404, audited); logged as printed."""
    on = on or timezone.localdate()
    elder = elder_get(actor, elder_id)
    if elder.status != ElderStatus.ACTIVE:
        raise NotFound(_("该老人档案已不在册，不能打印明白卡"))
    card = build(elder, on)
    _log(actor, [elder], request, elder.region)
    return card


def village_elders(actor, village_code: str) -> tuple[Region, QuerySet[Elder]]:
    region = get_in_scope(Region.objects.all(), actor, field="", code=village_code)
    if region.level != Level.VILLAGE:
        raise NotFound(_("请选择一个村（社区）批量打印"))
    qs = (
        Elder.objects.filter(region=region, status=ElderStatus.ACTIVE)
        .select_related("person", "region", "region__parent")
        .order_by("person__name_pinyin", "pk")
    )
    return region, qs


def cards_for_village(
    actor, village_code: str, *, request=None, on: dt.date | None = None
) -> tuple[Region, list[Card]]:
    """One card per active elder of a village in the actor's scope, logged as printed."""
    on = on or timezone.localdate()
    region, qs = village_elders(actor, village_code)
    elders = list(qs)
    rules = categories.group_rule_data(region.path.split("."))
    book = RuleBook(RULES, on)
    cards = [build(e, on, group_rules=rules, book=book) for e in elders]
    _log(actor, elders, request, region)
    return region, cards
