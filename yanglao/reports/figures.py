"""The work report (工作报告) of a region for a month or a quarter, computed on request
from the records every capability keeps: nothing is typed twice (一表通).

Each section is figures and tables in one plain shape (``Figure``, ``Table``), so the page,
the .xlsx and the API show the same numbers. Counts "in the period" are of records dated
from the period's first day to its last (or to today while it runs), in Asia/Shanghai;
states "at the end of the period" (elders on the register, open alerts, overdue
follow-ups) are read from timestamps as of that day. Two figures are only known for
today and say so: the current risk level and the elders overdue for a visit now.

The caller has checked the region is in the user's scope (``report_for``); every query
below filters by the region's path.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from yanglao.alerts.models import Alert, AlertLevel, AlertSource
from yanglao.community.models import DonationLine, DonationLineKind, Signup
from yanglao.core.errors import ValidationFailed
from yanglao.core.scope import get_in_scope, path_q
from yanglao.elders import categories
from yanglao.elders.models import Elder, ElderStatus, RiskLevel, Welfare
from yanglao.elders.selectors import age_band_q, groups_available
from yanglao.facilities.measures import beds_per_thousand
from yanglao.facilities.measures import operating as facilities_operating
from yanglao.facilities.models import Facility, FacilityType
from yanglao.funding.models import GrantLine, GrantStatus, LineKind, PayerLevel
from yanglao.party import selectors as party_selectors
from yanglao.party.models import Activity, ActivityKind, PartyOrganization
from yanglao.policy import indicators
from yanglao.policy import selectors as policy_selectors
from yanglao.regions.models import Region
from yanglao.services.models import Help, MealRecord, Order
from yanglao.timebank.models import AccountKind, Entry, EntryKind
from yanglao.visits import schedule
from yanglao.visits.models import (
    Compliance,
    Finding,
    FollowUp,
    FollowUpKind,
    FollowUpStatus,
    Period,
    Visit,
    VisitDue,
    VisitMethod,
)

from .periods import Period as ReportPeriod

ZERO = Decimal("0")
COMMUNITY_KINDS = (
    ActivityKind.CULTURE_SPORTS,
    ActivityKind.LEARNING,
    ActivityKind.HEALTH_TALK,
    ActivityKind.LEGAL_ANTIFRAUD,
    ActivityKind.MUTUAL_HELP,
)
PARTY_KINDS = (
    ActivityKind.MEMBERS_MEETING,
    ActivityKind.COMMITTEE_MEETING,
    ActivityKind.GROUP_MEETING,
    ActivityKind.PARTY_LECTURE,
    ActivityKind.THEMED,
    ActivityKind.HALF_DAY,
    ActivityKind.OTHER,
)


# ---------------------------------------------------------------- the shape


@dataclass
class Figure:
    key: str  # stable, snake_case (the API's field)
    label: str
    value: Any  # int, Decimal or str; None: not known
    unit: str = ""
    note: str = ""
    url: str = ""

    @property
    def shown(self) -> str:
        return show(self.value, self.unit)


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]  # a blank header marks a column of links (pages only)
    rows: list[list[Any]]
    note: str = ""

    def shown_rows(self) -> list[list[dict]]:
        """The cells as the page shows them: text, or a link for a blank header."""
        return [
            [
                {"link": cell}
                if header == ""
                else {"text": show(cell) if cell is not None else "—"}
                for header, cell in zip(self.columns, row, strict=False)
            ]
            for row in self.rows
        ]


@dataclass
class Section:
    key: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    note: str = ""


@dataclass
class Problem:
    kind: str  # target | visits | alerts | follow_ups
    tone: str  # danger | warning
    text: str
    count: int | None = None
    url: str = ""
    source: str = ""


@dataclass
class Report:
    region: Region
    period: ReportPeriod
    as_of: dt.date
    complete: bool
    computed_at: dt.datetime
    sections: list[Section]
    children: Table | None
    targets: list[indicators.TargetStatus]
    problems: list[Problem]

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    def figure(self, section: str, key: str) -> Figure:
        return figure_of(self.section(section), key)


def figure_of(section: Section, key: str) -> Figure:
    return next(f for f in section.figures if f.key == key)


def table_of(section: Section, key: str) -> Table:
    return next(t for t in section.tables if t.key == key)


def show(value: Any, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal) and unit == "%":
        return f"{value * 100:.1f}%"
    if isinstance(value, Decimal):
        return f"{value:,.2f}{unit}"
    if isinstance(value, int):
        return f"{value:,}{unit}"
    return f"{value}{unit}"


def ratio(n: int, d: int) -> Decimal | None:
    if not d:
        return None
    return (Decimal(n) / Decimal(d)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------- time


@dataclass(frozen=True)
class Window:
    start: dt.date  # the period's first day
    as_of: dt.date  # the last day counted (the period's end, or today)
    today: dt.date
    since: dt.datetime  # local midnight of start
    until: dt.datetime  # local midnight after as_of

    def on_dates(self, name: str) -> Q:
        return Q(**{f"{name}__gte": self.start, f"{name}__lte": self.as_of})

    def at(self, name: str) -> Q:
        return Q(**{f"{name}__gte": self.since, f"{name}__lt": self.until})


def window(period: ReportPeriod, today: dt.date) -> Window:
    as_of = period.as_of(today)
    return Window(
        start=period.start,
        as_of=as_of,
        today=today,
        since=schedule.local_midnight(period.start),
        until=schedule.local_midnight(as_of + dt.timedelta(days=1)),
    )


def _url(name: str, **params) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse(name) + (f"?{query}" if query else "")


# ---------------------------------------------------------------- the register


def elders_at(region: Region, w: Window):
    """Elders on the register at the end of ``w``: filed before it ended, and active
    then (still active, or moved away or died after it)."""
    return Elder.objects.filter(path_q(region.path, "region_path"), created_at__lt=w.until).filter(
        Q(status=ElderStatus.ACTIVE) | Q(status_changed_on__gt=w.as_of)
    )


def elders_section(region: Region, w: Window) -> Section:
    base = elders_at(region, w)
    total = base.count()
    in_region = Elder.objects.filter(path_q(region.path, "region_path"))
    new = in_region.filter(w.at("created_at")).count()
    left = in_region.exclude(status=ElderStatus.ACTIVE).filter(w.on_dates("status_changed_on"))
    moved = left.filter(status=ElderStatus.MOVED).count()
    died = left.filter(status=ElderStatus.DECEASED).count()
    aged_80 = base.filter(age_band_q(80, None, w.as_of)).count()
    list_url = _url("elders:list", region=region.code)
    figures = [
        Figure("registered", _("在册老年人"), total, _("人"), _("期末在册"), list_url),
        Figure("new", _("本期新建档"), new, _("人")),
        Figure("moved", _("本期迁出"), moved, _("人")),
        Figure("deceased", _("本期已故"), died, _("人")),
        Figure("aged_80", _("80岁及以上"), aged_80, _("人"), _("期末在册")),
    ]
    group_rows = []
    for code, label in groups_available(region, w.as_of):
        n = base.filter(categories.group_q(code, region, w.as_of)).count()
        group_rows.append(
            [
                label,
                n,
                show(ratio(n, total), "%"),
                _url("elders:list", region=region.code, group=code),
            ]
        )
    welfare = dict(base.values_list("welfare").annotate(n=Count("pk")).values_list("welfare", "n"))
    welfare_rows = [
        [str(label), welfare.get(value, 0), show(ratio(welfare.get(value, 0), total), "%")]
        for value, label in Welfare.choices
        if value != Welfare.NONE
    ]
    risk = dict(
        base.values_list("risk_level").annotate(n=Count("pk")).values_list("risk_level", "n")
    )
    risk_rows = [
        [str(label), risk.get(value, 0), show(ratio(risk.get(value, 0), total), "%")]
        for value, label in reversed(RiskLevel.choices)
    ]
    return Section(
        "elders",
        _("老年人档案"),
        figures,
        [
            Table(
                "groups", _("按目标人群"), [_("目标人群"), _("人数"), _("占在册"), ""], group_rows
            ),
            Table(
                "welfare", _("按救助类别"), [_("救助类别"), _("人数"), _("占在册")], welfare_rows
            ),
            Table(
                "risk",
                _("按风险等级"),
                [_("风险等级"), _("人数"), _("占在册")],
                risk_rows,
                _("风险等级为当前值（每晚重算），不是期末值"),
            ),
        ],
        _("目标人群按期末当天适用的政策规则计算"),
    )


# ---------------------------------------------------------------- visits


def weeks_of(w: Window) -> list[dt.date]:
    """The Mondays of the ISO weeks that start inside the window and have ended before
    today (a week belongs to the period its Monday falls in, so no week counts twice
    across periods; a week still running is not counted yet)."""
    first = schedule.week_start(w.start)
    if first < w.start:
        first += dt.timedelta(days=7)
    out = []
    while first <= w.as_of and first + dt.timedelta(days=6) < w.today:
        out.append(first)
        first += dt.timedelta(days=7)
    return out


def weekly_compliance(region_paths: list[str], w: Window) -> dict[str, list[int]]:
    """Sum of due and visited over the weeks of the window, per region path, from the
    nightly compliance rows."""
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    rows = Compliance.objects.filter(
        period=Period.WEEK, period_start__in=weeks_of(w), region_path__in=region_paths
    ).values_list("region_path", "due", "visited")
    for path, due, visited in rows:
        out[path][0] += due
        out[path][1] += visited
    return out


def monthly_schedules(region: Region, w: Window, period: ReportPeriod) -> list[list[Any]]:
    """For each monthly visit rule that applies to the region (``visit.schedule.*`` with
    ``period = month``) and each month of the report: the group's members on the register
    at the month's end, how many had their required visits in that month, the share."""
    rows = []
    rule_ids = sorted(
        {
            r.rule_id
            for r in policy_selectors.ancestor_rules(region)
            if r.rule_id.startswith(schedule.SCHEDULE_PREFIX)
        }
    )
    for month in period.months():
        if month.start > w.as_of:
            break
        mw = window(month, w.as_of)
        for rule_id in rule_ids:
            res = policy_selectors.lookup(rule_id, region, mw.as_of)
            if res is None or res.get("period") != Period.MONTH:
                continue
            required = int(res.get("required", 1))
            members = elders_at(region, mw).filter(
                categories.group_q(res["group"], region, mw.as_of)
            )
            due = members.count()
            visited = (
                members.annotate(
                    n=Count(
                        "visits",
                        filter=Q(visits__visited_at__gte=mw.since)
                        & Q(visits__visited_at__lt=mw.until),
                    )
                )
                .filter(n__gte=required)
                .count()
            )
            rows.append(
                [month.label, res.title, due, visited, show(ratio(visited, due), "%"), rule_id]
            )
    return rows


def visits_section(region: Region, w: Window, period: ReportPeriod, today: dt.date) -> Section:
    visits = Visit.objects.filter(path_q(region.path, "region_path")).filter(w.at("visited_at"))
    total = visits.count()
    elders = visits.values("elder_id").distinct().count()
    by_method = dict(
        visits.values_list("method").annotate(n=Count("id")).values_list("method", "n")
    )
    by_worst = dict(visits.values_list("worst").annotate(n=Count("id")).values_list("worst", "n"))
    weekly = weekly_compliance([region.path], w)[region.path]
    weeks = weeks_of(w)
    per_week = {
        c.period_start: c
        for c in Compliance.objects.filter(
            period=Period.WEEK, period_start__in=weeks, region=region
        )
    }
    week_rows = []
    for monday in weeks:
        c = per_week.get(monday)
        week_rows.append(
            [
                f"{monday:%m-%d}—{monday + dt.timedelta(days=6):%m-%d}",
                c.due if c else None,
                c.visited if c else None,
                show(ratio(c.visited, c.due), "%") if c else _("未计算"),
            ]
        )
    figures = [
        Figure(
            "visits",
            _("探访次数"),
            total,
            _("次"),
            url=_url("visits:list", region=region.code),
        ),
        Figure("elders_visited", _("被探访老人"), elders, _("人")),
        Figure("door", _("其中上门"), by_method.get(VisitMethod.DOOR, 0), _("次")),
        Figure("concern", _("发现需关注"), by_worst.get(Finding.CONCERN, 0), _("次")),
        Figure("urgent", _("发现紧急情况"), by_worst.get(Finding.URGENT, 0), _("次")),
        Figure(
            "weekly_due",
            _("每周巡访应访人次"),
            weekly[0],
            _("人次"),
            _("本期已结束各周合计（按周一所在月份归期）"),
            _url("visits:compliance", region=region.code),
        ),
        Figure("weekly_visited", _("每周巡访已访人次"), weekly[1], _("人次")),
        Figure("weekly_rate", _("每周巡访完成率"), ratio(weekly[1], weekly[0]), "%"),
    ]
    if period.as_of(today) == today:
        overdue = VisitDue.objects.filter(
            path_q(region.path, "region_path"), due_on__lt=today
        ).count()
        figures.append(
            Figure(
                "overdue_now",
                _("当前逾期未访"),
                overdue,
                _("人"),
                _("截至今日"),
                _url("visits:overdue", region=region.code),
            )
        )
    method_rows = [[str(label), by_method.get(value, 0)] for value, label in VisitMethod.choices]
    return Section(
        "visits",
        _("巡视探访"),
        figures,
        [
            Table("methods", _("按探访方式"), [_("方式"), _("次数")], method_rows),
            Table(
                "weeks",
                _("每周巡访完成情况"),
                [_("周"), _("应访"), _("已访"), _("完成率")],
                week_rows,
            ),
            Table(
                "monthly",
                _("按月探访的人群"),
                [_("月份"), _("规则"), _("应访人数"), _("已访人数"), _("完成率"), _("规则编号")],
                monthly_schedules(region, w, period),
                _("人群与频次来自政策规则（visit.schedule.*）"),
            ),
        ],
    )


# ---------------------------------------------------------------- alerts


def open_alerts_at(region: Region, w: Window):
    return Alert.objects.filter(path_q(region.path, "region_path"), raised_at__lt=w.until).filter(
        Q(resolved_at__isnull=True) | Q(resolved_at__gte=w.until)
    )


def alerts_section(region: Region, w: Window) -> Section:
    base = Alert.objects.filter(path_q(region.path, "region_path"))
    raised = base.filter(w.at("raised_at"))
    minutes = [
        (ack - at).total_seconds() / 60
        for at, ack in raised.filter(acknowledged_at__isnull=False).values_list(
            "raised_at", "acknowledged_at"
        )
    ]
    open_at = open_alerts_at(region, w)
    unacked = open_at.filter(Q(acknowledged_at__isnull=True) | Q(acknowledged_at__gte=w.until))
    by_source = dict(
        raised.values_list("source").annotate(n=Count("id")).values_list("source", "n")
    )
    url = _url("alerts:list")
    return Section(
        "alerts",
        _("告警处置"),
        [
            Figure("raised", _("本期告警"), raised.count(), _("条"), url=url),
            Figure(
                "urgent", _("其中紧急"), raised.filter(level=AlertLevel.URGENT).count(), _("条")
            ),
            Figure(
                "acknowledged", _("本期确认"), base.filter(w.at("acknowledged_at")).count(), _("条")
            ),
            Figure("resolved", _("本期解除"), base.filter(w.at("resolved_at")).count(), _("条")),
            Figure(
                "ack_minutes",
                _("平均确认用时"),
                round(sum(minutes) / len(minutes)) if minutes else None,
                _("分钟"),
                _("本期发生且已确认的告警"),
            ),
            Figure("open_at_end", _("期末未解除"), open_at.count(), _("条")),
            Figure("unacknowledged_at_end", _("期末未确认"), unacked.count(), _("条")),
        ],
        [
            Table(
                "sources",
                _("按告警来源"),
                [_("来源"), _("条数")],
                [[str(label), by_source.get(value, 0)] for value, label in AlertSource.choices],
            )
        ],
    )


# ---------------------------------------------------------------- services, meals, follow-ups


def overdue_follow_ups_at(region: Region, w: Window):
    """Follow-ups past their deadline at the end of the window and not done by then."""
    return FollowUp.objects.filter(
        path_q(region.path, "region_path"), created_at__lt=w.until, due_on__lt=w.as_of
    ).filter(Q(status=FollowUpStatus.OPEN) | Q(status=FollowUpStatus.DONE, done_at__gte=w.until))


def services_section(region: Region, w: Window) -> Section:
    orders = Order.objects.filter(path_q(region.path, "region_path"))
    created = orders.filter(w.at("created_at"))
    done = orders.filter(w.at("finished_at"))
    rated = orders.filter(w.at("rated_at"), rating__isnull=False)
    rating = rated.aggregate(n=Count("id"), s=Sum("rating"))
    survey = policy_selectors.lookup("service.survey", region, w.as_of)
    low_max = int(survey.get("low_rating_max", 0)) if survey else None
    low = rated.filter(rating__lte=low_max).count() if low_max is not None else None
    follow_ups = FollowUp.objects.filter(path_q(region.path, "region_path"))
    satisfaction = follow_ups.filter(kind=FollowUpKind.SATISFACTION)
    meals = MealRecord.objects.filter(path_q(region.path, "region_path")).filter(w.on_dates("date"))
    meal = meals.aggregate(n=Sum("count"), amount=Sum("amount"), gov=Sum("government"))
    by_help = {
        row["item__help"]: row
        for row in created.values("item__help").annotate(n=Count("id"), amount=Sum("amount"))
    }
    help_rows = [
        [
            str(label),
            by_help.get(value, {}).get("n", 0),
            by_help.get(value, {}).get("amount") or ZERO,
        ]
        for value, label in Help.choices
    ]
    return Section(
        "services",
        _("居家服务与助餐"),
        [
            Figure(
                "orders", _("本期受理工单"), created.count(), _("单"), url=_url("services:orders")
            ),
            Figure("done", _("本期完成工单"), done.count(), _("单")),
            Figure(
                "cancelled", _("本期取消工单"), orders.filter(w.at("cancelled_at")).count(), _("单")
            ),
            Figure("rated", _("本期评价"), rating["n"], _("单")),
            Figure(
                "rating_avg",
                _("平均满意度"),
                (Decimal(rating["s"]) / rating["n"]).quantize(Decimal("0.01"))
                if rating["n"]
                else None,
                _("分"),
                _("5分制"),
            ),
            Figure(
                "low_ratings",
                _("不满意评价"),
                low,
                _("单"),
                _("评分≤%(n)s 分（service.survey）") % {"n": low_max}
                if low_max is not None
                else "",
            ),
            Figure(
                "satisfaction_follow_ups",
                _("本期回访任务"),
                satisfaction.filter(w.at("created_at")).count(),
                _("件"),
            ),
            Figure(
                "follow_ups_opened",
                _("本期新增跟进事项"),
                follow_ups.filter(w.at("created_at")).count(),
                _("件"),
            ),
            Figure(
                "follow_ups_done",
                _("本期办结跟进事项"),
                follow_ups.filter(w.at("done_at")).count(),
                _("件"),
            ),
            Figure(
                "follow_ups_overdue",
                _("期末逾期未办结"),
                overdue_follow_ups_at(region, w).count(),
                _("件"),
                url=_url("visits:follow_ups"),
            ),
            Figure(
                "meals", _("助餐份数"), meal["n"] or 0, _("份"), url=_url("services:meal_points")
            ),
            Figure("meal_amount", _("助餐金额"), meal["amount"] or ZERO, _("元")),
            Figure("meal_government", _("其中政府补助"), meal["gov"] or ZERO, _("元")),
        ],
        [
            Table(
                "helps",
                _("本期受理工单按服务类别"),
                [_("类别"), _("工单数"), _("金额（元）")],
                help_rows,
            )
        ],
    )


# ---------------------------------------------------------------- time bank


def timebank_section(region: Region, w: Window) -> Section:
    entries = Entry.objects.filter(path_q(region.path, "account__region_path")).filter(
        w.at("created_at")
    )
    personal = entries.filter(account__kind=AccountKind.VOLUNTEER)
    earned = personal.filter(kind=EntryKind.EARN, amount__gt=0)
    agg = earned.aggregate(h=Sum("amount"), n=Count("account", distinct=True))
    spent = personal.filter(kind=EntryKind.SPEND, amount__lt=0).aggregate(h=Sum("amount"))["h"]
    donated = personal.filter(kind=EntryKind.DONATE, amount__lt=0).aggregate(h=Sum("amount"))["h"]
    grants = entries.filter(account__kind=AccountKind.POOL, kind=EntryKind.POOL_GRANT, amount__lt=0)
    granted = grants.aggregate(h=Sum("amount"), n=Count("beneficiary", distinct=True))
    return Section(
        "timebank",
        _("时间银行"),
        [
            Figure(
                "earned",
                _("志愿服务存入"),
                agg["h"] or ZERO,
                _("小时"),
                url=_url("timebank:report"),
            ),
            Figure("volunteers", _("存入时长的志愿者"), agg["n"], _("人")),
            Figure("spent", _("兑换使用"), -(spent or ZERO), _("小时")),
            Figure("donated", _("捐入互助池"), -(donated or ZERO), _("小时")),
            Figure("pool_granted", _("互助池资助困难老人"), -(granted["h"] or ZERO), _("小时")),
            Figure("pool_elders", _("获资助老人"), granted["n"], _("人")),
        ],
        note=_("时间银行只记服务时长，不折算为钱"),
    )


# ---------------------------------------------------------------- facilities


def facilities_section(region: Region, w: Window) -> Section:
    running = facilities_operating(region, w.as_of)
    by_type = {
        row["type"]: row
        for row in running.values("type").annotate(
            n=Count("id"), beds=Sum("beds"), nursing=Sum("nursing_beds"), residents=Sum("residents")
        )
    }
    rows = [
        [
            str(label),
            by_type[value]["n"],
            by_type[value]["beds"] or 0,
            by_type[value]["nursing"] or 0,
            by_type[value]["residents"] or 0,
        ]
        for value, label in FacilityType.choices
        if value in by_type
    ]
    beds = sum(r[2] for r in rows)
    nursing = sum(r[3] for r in rows)
    opened = Facility.objects.filter(path_q(region.path, "region_path")).filter(
        w.on_dates("opened_on")
    )
    per_thousand = beds_per_thousand(region, w.as_of)
    return Section(
        "facilities",
        _("养老设施"),
        [
            Figure(
                "operating",
                _("运营中的设施"),
                sum(r[1] for r in rows),
                _("个"),
                _("期末"),
                _url("facilities:list", region=region.code),
            ),
            Figure("opened", _("本期投入运营"), opened.count(), _("个")),
            Figure("beds", _("床位"), beds, _("张")),
            Figure("nursing_beds", _("护理型床位"), nursing, _("张")),
            Figure("nursing_share", _("护理型床位占比"), ratio(nursing, beds), "%"),
            Figure(
                "beds_per_thousand",
                _("每千名老年人床位"),
                per_thousand.value if per_thousand else None,
                _("张"),
                per_thousand.note if per_thousand else _("区划未填户籍60岁以上人口"),
            ),
        ],
        [
            Table(
                "types",
                _("按设施类型"),
                [_("类型"), _("个数"), _("床位"), _("护理型床位"), _("入住/服务老人（当前）")],
                rows,
            )
        ],
    )


# ---------------------------------------------------------------- Party building


def party_section(region: Region, w: Window) -> Section:
    orgs = PartyOrganization.objects.filter(path_q(region.path, "region_path"), active=True)
    held = Activity.objects.filter(path_q(region.path, "region_path")).filter(w.on_dates("held_on"))
    by_kind = dict(
        held.filter(kind__in=PARTY_KINDS)
        .values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    coverage_rows = []
    for row in party_selectors.coverage_rows(region, w.as_of):
        if not row.total:
            continue
        coverage_rows.append(
            [row.label, row.total, row.covered, row.percent if row.covered is not None else "—"]
        )
    return Section(
        "party",
        _("党建引领"),
        [
            Figure(
                "organizations", _("党组织"), orgs.count(), _("个"), url=_url("party:organizations")
            ),
            Figure(
                "themed",
                _("“党建引领·情暖夕阳”主题活动"),
                by_kind.get(ActivityKind.THEMED, 0),
                _("次"),
            ),
            Figure(
                "meetings",
                _("“三会一课”"),
                sum(
                    by_kind.get(k, 0)
                    for k in (
                        ActivityKind.MEMBERS_MEETING,
                        ActivityKind.COMMITTEE_MEETING,
                        ActivityKind.GROUP_MEETING,
                        ActivityKind.PARTY_LECTURE,
                    )
                ),
                _("次"),
            ),
            Figure(
                "half_days", _("选派人员到机构半天"), by_kind.get(ActivityKind.HALF_DAY, 0), _("次")
            ),
        ],
        [
            Table(
                "coverage",
                _("养老机构党的组织和工作覆盖（期末）"),
                [_("类别"), _("机构数"), _("已覆盖"), _("覆盖率")],
                coverage_rows,
                _("“—”：本地没有这一类的覆盖目标"),
            ),
            Table(
                "activities",
                _("本期党建活动"),
                [_("类型"), _("次数")],
                [[str(ActivityKind(k).label), by_kind.get(k, 0)] for k in PARTY_KINDS],
            ),
        ],
    )


# ---------------------------------------------------------------- money


def funding_section(region: Region, w: Window) -> Section:
    lines = GrantLine.objects.filter(path_q(region.path, "region_path")).filter(
        w.on_dates("on_date")
    )
    grants = lines.filter(line_kind=LineKind.GRANT)
    by_level = {
        row["payer_level"]: row
        for row in grants.values("payer_level").annotate(n=Count("id"), amount=Sum("amount"))
    }
    disbursed = lines.filter(
        Q(line_kind=LineKind.STATUS) | Q(line_kind=LineKind.GRANT), status=GrantStatus.DISBURSED
    ).aggregate(a=Sum("amount"))["a"]
    spending = lines.filter(line_kind=LineKind.SPENDING).aggregate(a=Sum("amount"))["a"]
    gifts = DonationLine.objects.filter(path_q(region.path, "region_path")).filter(
        w.on_dates("on_date")
    )
    given = gifts.filter(line_kind=DonationLineKind.DONATION).aggregate(
        a=Sum("amount"), n=Count("id")
    )
    spent = gifts.filter(line_kind=DonationLineKind.SPENDING).aggregate(a=Sum("amount"))["a"]
    return Section(
        "funding",
        _("资金与捐赠"),
        [
            Figure(
                "grants",
                _("本期登记奖补"),
                sum((r["amount"] for r in by_level.values()), ZERO),
                _("元"),
                url=_url("funding:grants"),
            ),
            Figure("disbursed", _("本期拨付"), disbursed or ZERO, _("元")),
            Figure("grant_spending", _("奖补资金支出"), spending or ZERO, _("元")),
            Figure(
                "donations",
                _("本期收到捐赠"),
                given["a"] or ZERO,
                _("元"),
                url=_url("community:donation_list"),
            ),
            Figure("donation_count", _("捐赠笔数"), given["n"], _("笔")),
            Figure("donation_spending", _("捐赠支出"), spent or ZERO, _("元")),
        ],
        [
            Table(
                "grants_by_level",
                _("本期登记奖补按出资层级"),
                [_("层级"), _("笔数"), _("金额（元）")],
                [
                    [str(label), by_level[value]["n"], by_level[value]["amount"]]
                    for value, label in PayerLevel.choices
                    if value in by_level
                ],
            )
        ],
    )


# ---------------------------------------------------------------- community life


def community_section(region: Region, w: Window) -> Section:
    held = Activity.objects.filter(
        path_q(region.path, "region_path"), kind__in=COMMUNITY_KINDS
    ).filter(w.on_dates("held_on"))
    signups = Signup.objects.filter(activity__in=held, cancelled=False)
    by_kind = dict(held.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    return Section(
        "community",
        _("社区活动"),
        [
            Figure(
                "activities",
                _("本期社区活动"),
                held.count(),
                _("场"),
                url=_url("community:activity_list"),
            ),
            Figure("signups", _("报名"), signups.count(), _("人次")),
            Figure("attended", _("到场"), signups.filter(attended=True).count(), _("人次")),
            Figure(
                "elders_attended",
                _("参加活动的老人"),
                signups.filter(attended=True).values("elder_id").distinct().count(),
                _("人"),
            ),
        ],
        [
            Table(
                "kinds",
                _("按活动类型"),
                [_("类型"), _("场次")],
                [[str(ActivityKind(k).label), by_kind.get(k, 0)] for k in COMMUNITY_KINDS],
            )
        ],
    )


# ---------------------------------------------------------------- targets and problems


def targets_of(region: Region, as_of: dt.date) -> list[indicators.TargetStatus]:
    return [
        indicators.evaluate(res, region, as_of)
        for res in policy_selectors.targets_for(region, as_of)
    ]


def _plain(value: Any, ratio_unit: bool) -> str:
    number = Decimal(str(value))
    if ratio_unit:
        return show(number, "%")
    return f"{number.normalize():f}"


def target_rows(targets: list[indicators.TargetStatus]) -> list[list[Any]]:
    rows = []
    for t in targets:
        p = t.resolution.params
        m = t.measurement
        is_ratio = p.get("unit") == "ratio"
        decisive = t.resolution.decisive
        rows.append(
            [
                t.resolution.title,
                f"{p['comparator']} {_plain(p['threshold'], is_ratio)}",
                p["deadline"],
                _plain(m.value, is_ratio) if m is not None else "—",
                str(indicators.STATUS_LABELS[t.status]),
                decisive.source or (_("本地默认值") if decisive.local_default else ""),
            ]
        )
    return rows


def problems_of(
    report_region: Region, w: Window, targets, sections: dict[str, Section]
) -> list[Problem]:
    out: list[Problem] = []
    for t in targets:
        if t.status not in ("behind", "overdue"):
            continue
        m = t.measurement
        out.append(
            Problem(
                "target",
                "danger" if t.status == "overdue" else "warning",
                _("目标未达标：%(t)s（%(s)s）")
                % {"t": t.resolution.title, "s": indicators.STATUS_LABELS[t.status]},
                None,
                m.url if m else "",
                t.resolution.decisive.source,
            )
        )
    visits = sections["visits"]
    due = figure_of(visits, "weekly_due").value
    done = figure_of(visits, "weekly_visited").value
    if due and due > done:
        out.append(
            Problem(
                "visits",
                "warning",
                _("每周巡访应访未访 %(n)s 人次（完成率 %(r)s）")
                % {"n": due - done, "r": show(ratio(done, due), "%")},
                due - done,
                _url("visits:compliance", region=report_region.code),
            )
        )
    for row in table_of(visits, "monthly").rows:
        month, title, members, visited = row[0], row[1], row[2], row[3]
        if members > visited:
            out.append(
                Problem(
                    "visits",
                    "warning",
                    _("%(m)s：%(t)s，%(n)s 人未按期探访")
                    % {"m": month, "t": title, "n": members - visited},
                    members - visited,
                    _url("visits:list", region=report_region.code),
                )
            )
    overdue_now = next((f for f in visits.figures if f.key == "overdue_now"), None)
    if overdue_now is not None and overdue_now.value:
        out.append(
            Problem(
                "visits",
                "danger",
                _("当前逾期未访 %(n)s 人") % {"n": overdue_now.value},
                overdue_now.value,
                overdue_now.url,
            )
        )
    alerts = sections["alerts"]
    open_at = figure_of(alerts, "open_at_end").value
    unacked = figure_of(alerts, "unacknowledged_at_end").value
    if open_at:
        out.append(
            Problem(
                "alerts",
                "danger" if unacked else "warning",
                _("期末仍有 %(n)s 条告警未解除，其中 %(u)s 条未确认")
                % {"n": open_at, "u": unacked},
                open_at,
                _url("alerts:list"),
            )
        )
    overdue = figure_of(sections["services"], "follow_ups_overdue").value
    if overdue:
        out.append(
            Problem(
                "follow_ups",
                "warning",
                _("期末有 %(n)s 件跟进事项逾期未办结") % {"n": overdue},
                overdue,
                _url("visits:follow_ups"),
            )
        )
    return out


# ---------------------------------------------------------------- per child region


def _child_code(path: str, base: str) -> str | None:
    if path == base or not path.startswith(base + "."):
        return None
    return path[len(base) + 1 :].split(".", 1)[0]


def _per_child(values, base: str) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for path, n in values:
        code = _child_code(path, base)
        if code is not None:
            out[code] += n
    return out


def children_table(region: Region, w: Window) -> Table | None:
    children = list(Region.objects.filter(parent=region, valid_to__isnull=True).order_by("code"))
    if not children:
        return None
    base = region.path

    def grouped(qs) -> dict[str, int]:
        return _per_child(
            qs.values_list("region_path").annotate(n=Count("pk")).values_list("region_path", "n"),
            base,
        )

    elders = grouped(elders_at(region, w))
    visits = grouped(Visit.objects.filter(path_q(base, "region_path")).filter(w.at("visited_at")))
    weekly = weekly_compliance([c.path for c in children], w)
    alerts = grouped(open_alerts_at(region, w))
    orders = grouped(Order.objects.filter(path_q(base, "region_path")).filter(w.at("finished_at")))
    follow_ups = grouped(overdue_follow_ups_at(region, w))
    rows = []
    for child in children:
        code = child.code
        due, done = weekly.get(child.path, [0, 0])
        row = [
            child.name,
            elders.get(code, 0),
            visits.get(code, 0),
            due,
            done,
            show(ratio(done, due), "%"),
            alerts.get(code, 0),
            orders.get(code, 0),
            follow_ups.get(code, 0),
            code,
        ]
        if any(row[1:5]) or any(row[6:9]):
            rows.append(row)
    return Table(
        "children",
        _("下级区划"),
        [
            _("区划"),
            _("在册老人"),
            _("探访次数"),
            _("每周巡访应访"),
            _("已访"),
            _("完成率"),
            _("期末未解除告警"),
            _("完成工单"),
            _("逾期跟进事项"),
            _("区划代码"),
        ],
        rows,
        _("只列有记录的下级区划"),
    )


# ---------------------------------------------------------------- the report


def compute(region: Region, period: ReportPeriod, *, today: dt.date | None = None) -> Report:
    """The report of ``region`` (already checked to be in the caller's scope)."""
    today = today or timezone.localdate()
    if period.start > today:
        raise ValidationFailed(
            _("报告期尚未开始"), fields={"period": [_("%(p)s 尚未开始") % {"p": period.label}]}
        )
    w = window(period, today)
    sections = [
        elders_section(region, w),
        visits_section(region, w, period, today),
        alerts_section(region, w),
        services_section(region, w),
        timebank_section(region, w),
        facilities_section(region, w),
        party_section(region, w),
        funding_section(region, w),
        community_section(region, w),
    ]
    targets = targets_of(region, w.as_of)
    problems = problems_of(region, w, targets, {s.key: s for s in sections})
    return Report(
        region=region,
        period=period,
        as_of=w.as_of,
        complete=period.is_complete(today),
        computed_at=timezone.now(),
        sections=sections,
        children=children_table(region, w),
        targets=targets,
        problems=problems,
    )


def report_for(
    user, region_code: str, period: ReportPeriod, *, today: dt.date | None = None
) -> Report:
    """The report of a region in the user's scope (else 404, audited)."""
    region = get_in_scope(Region.objects.all(), user, field="", code=region_code)
    return compute(region, period, today=today)


def target_columns() -> list[str]:
    """The columns of the targets table (page, .xlsx, API)."""
    return [_("目标"), _("要求"), _("期限"), _("期末值"), _("状态"), _("依据")]
