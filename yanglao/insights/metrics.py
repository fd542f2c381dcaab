"""What the dashboard shows: each figure's label, how its value is made from the stored
integers, and the list page that holds the records behind it (with the filters that
select exactly those records)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from yanglao.accounts.roles import ELDER_READERS, VISIT_OFFICERS, Role
from yanglao.core.navigation import STAFF
from yanglao.elders.models import AbilityLevel, RiskLevel
from yanglao.facilities.selectors import READERS as FACILITY_READERS
from yanglao.funding.models import GrantStatus
from yanglao.funding.selectors import FUNDING_USERS
from yanglao.party.selectors import PARTY_USERS
from yanglao.services.services import OFFICERS as SERVICE_OFFICERS
from yanglao.timebank.services import TIMEBANK_READERS

from .compute import AGE_BANDS, WINDOW_DAYS, Window

# A link: (url name, query parameters, extra args) for a region code and the window.
Link = Callable[[str, Window], tuple[str, dict, list] | None]


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    unit: str = ""
    # count: the stored integer; money: fen shown as yuan; hours: hundredths;
    # percent: num / den; mean: num / den / scale; per_thousand: num * 1000 / den.
    kind: str = "count"
    num: str = ""
    den: str = ""
    scale: int = 1
    link: Link | None = None
    tone: str = ""  # "danger" / "warning" when a non-zero value needs attention
    headline: bool = False  # on the big screen

    def raw(self, figures: dict) -> float | None:
        """The number the trend plots (None: nothing to divide by)."""
        if self.kind in ("count",):
            return float(figures.get(self.key, 0))
        if self.kind == "money":
            return figures.get(self.key, 0) / 100
        if self.kind == "hours":
            return figures.get(self.key, 0) / 100
        den = figures.get(self.den, 0)
        if not den:
            return None
        num = figures.get(self.num, 0)
        if self.kind == "percent":
            return num * 100 / den
        if self.kind == "per_thousand":
            return num * 1000 / den
        return num / den / self.scale  # mean

    def display(self, figures: dict) -> str:
        value = self.raw(figures)
        if value is None:
            return "—"
        if self.kind == "count":
            return f"{int(value):,}"
        if self.kind in ("money", "hours"):
            return f"{_round(value, 2):,}"
        if self.kind == "percent":
            return f"{_round(value, 1)}%"
        return f"{_round(value, 2 if self.kind == 'per_thousand' else 1):,}"


def _round(value: float, places: int) -> Decimal:
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    note: str = ""


# ---------------------------------------------------------------- links


def _to(name: str, **params) -> Link:
    def link(code: str, w: Window):
        return (
            name,
            {"region": code, **{k: v(w) if callable(v) else v for k, v in params.items()}},
            [],
        )

    return link


def _region_page(code: str, w: Window):
    return "regions:detail", {}, [code]


def _since(w: Window) -> str:
    return w.since.isoformat()


def _day(w: Window) -> str:
    return w.day.isoformat()


def _week(w: Window) -> str:
    return w.week.isoformat()


def _month(w: Window) -> str:
    return w.month.strftime("%Y-%m")


ELDERS = "elders:list"


def elder_figures(groups: dict[str, str]) -> list[Figure]:
    out = [
        Figure("elders.total", _("在册老人"), _("人"), link=_to(ELDERS), headline=True),
    ]
    risk_tone = {"high": "danger", "medium": "warning"}
    for value, label in reversed(RiskLevel.choices):
        out.append(
            Figure(
                f"elders.risk.{value}",
                _("%(r)s风险") % {"r": label},
                _("人"),
                link=_to(ELDERS, risk=value),
                tone=risk_tone.get(value, ""),
                headline=value == "high",
            )
        )
    band_labels = {
        "under_70": _("70岁以下"),
        "70_79": _("70–79岁"),
        "80_89": _("80–89岁"),
        "90_plus": _("90岁及以上"),
    }
    for key, low, high in AGE_BANDS:
        params = {}
        if low is not None:
            params["age_min"] = low
        if high is not None:
            params["age_max"] = high
        out.append(
            Figure(f"elders.age.{key}", band_labels[key], _("人"), link=_to(ELDERS, **params))
        )
    for value, label in AbilityLevel.choices:
        out.append(
            Figure(f"elders.ability.{value}", label, _("人"), link=_to(ELDERS, ability=value))
        )
    out.append(
        Figure("elders.ability.none", _("尚未评估"), _("人"), link=_to(ELDERS, ability="none"))
    )
    for code, label in groups.items():
        out.append(Figure(f"elders.group.{code}", label, _("人"), link=_to(ELDERS, group=code)))
    return out


def sections(groups: dict[str, str]) -> list[Section]:
    """Every figure of the dashboard, in its section. ``groups``: target-group code -> label."""
    window = _("近%(n)s天") % {"n": WINDOW_DAYS}
    return [
        Section(
            "elders", _("老年人"), elder_figures(groups), _("按人群类别、年龄段、能力等级和风险")
        ),
        Section(
            "visits",
            _("本周探访"),
            [
                Figure(
                    "visits.due",
                    _("本周应访（每周探访对象）"),
                    _("人"),
                    link=_to("visits:compliance", week=_week),
                ),
                Figure(
                    "visits.visited",
                    _("本周已完成探访"),
                    _("人"),
                    link=_to("visits:compliance", week=_week),
                ),
                Figure(
                    "visits.rate",
                    _("本周探访完成率"),
                    kind="percent",
                    num="visits.visited",
                    den="visits.due",
                    link=_to("visits:compliance", week=_week),
                    headline=True,
                ),
                Figure(
                    "visits.overdue",
                    _("逾期未访老人"),
                    _("人"),
                    link=_to("visits:overdue"),
                    tone="danger",
                    headline=True,
                ),
                Figure(
                    "visits.week", _("本周探访记录"), _("次"), link=_to("visits:list", week=_week)
                ),
                Figure(
                    "followups.open", _("待处理跟进事项"), _("件"), link=_to("visits:follow_ups")
                ),
                Figure(
                    "followups.overdue",
                    _("超期跟进事项"),
                    _("件"),
                    link=_to("visits:follow_ups", overdue="1"),
                    tone="warning",
                ),
            ],
        ),
        Section(
            "alerts",
            _("告警"),
            [
                Figure(
                    "alerts.open",
                    _("未解除告警"),
                    _("条"),
                    link=_to("alerts:list", status="unresolved"),
                    tone="warning",
                    headline=True,
                ),
                Figure(
                    "alerts.open_urgent",
                    _("其中紧急"),
                    _("条"),
                    link=_to("alerts:list", status="unresolved", level="urgent"),
                    tone="danger",
                ),
                Figure(
                    "alerts.unacked",
                    _("待确认"),
                    _("条"),
                    link=_to("alerts:list", status="open"),
                    tone="danger",
                ),
                Figure(
                    "alerts.raised",
                    _("%(w)s产生告警") % {"w": window},
                    _("条"),
                    link=_to("alerts:list", status="", since=_since),
                ),
                Figure(
                    "alerts.ack_minutes",
                    _("%(w)s平均确认用时") % {"w": window},
                    _("分钟"),
                    kind="mean",
                    num="alerts.ack_seconds",
                    den="alerts.acked",
                    scale=60,
                    link=_to("alerts:list", status="", since=_since),
                    headline=True,
                ),
                Figure(
                    "alerts.escalated",
                    _("%(w)s逐级上报（首个责任方未及时确认）") % {"w": window},
                    _("条"),
                    link=_to("alerts:list", status="", since=_since),
                ),
            ],
        ),
        Section(
            "services",
            _("居家服务"),
            [
                Figure(
                    "orders.open",
                    _("进行中的服务工单"),
                    _("单"),
                    link=_to("services:orders", status="open"),
                ),
                Figure(
                    "orders.window",
                    _("%(w)s服务工单（按服务日期）") % {"w": window},
                    _("单"),
                    link=_to("services:orders", **{"from": _since, "to": _day}),
                    headline=True,
                ),
                Figure(
                    "orders.rated",
                    _("%(w)s已评价") % {"w": window},
                    _("单"),
                    link=_to("services:orders", status="rated", **{"from": _since, "to": _day}),
                ),
                Figure(
                    "orders.satisfaction",
                    _("%(w)s平均满意度") % {"w": window},
                    _("分"),
                    kind="mean",
                    num="orders.rating_sum",
                    den="orders.rated",
                    link=_to("services:orders", status="rated", **{"from": _since, "to": _day}),
                    headline=True,
                ),
                Figure(
                    "orders.unrated",
                    _("%(w)s已完成待评价") % {"w": window},
                    _("单"),
                    link=_to("services:orders", status="done", **{"from": _since, "to": _day}),
                ),
                Figure(
                    "followups.satisfaction",
                    _("待办服务回访"),
                    _("件"),
                    link=_to("visits:follow_ups", kind="satisfaction"),
                    tone="warning",
                ),
            ],
        ),
        Section(
            "timebank",
            _("时间银行"),
            [
                Figure(
                    "timebank.earned",
                    _("本月记入服务时长"),
                    _("小时"),
                    kind="hours",
                    link=_to("timebank:report", month=_month),
                    headline=True,
                ),
                Figure(
                    "timebank.volunteers",
                    _("本月服务的志愿者"),
                    _("人"),
                    link=_to("timebank:report", month=_month),
                ),
                Figure(
                    "timebank.balance",
                    _("志愿者账户结余"),
                    _("小时"),
                    kind="hours",
                    link=_to("timebank:accounts"),
                ),
            ],
            _("时间银行记的是服务时长，不是金额"),
        ),
        Section(
            "facilities",
            _("养老设施"),
            [
                Figure(
                    "facilities.count",
                    _("运营中的设施"),
                    _("个"),
                    link=_to("facilities:list", status="in_service"),
                ),
                Figure(
                    "facilities.beds",
                    _("养老床位"),
                    _("张"),
                    link=_to("facilities:list", status="in_service"),
                ),
                Figure(
                    "facilities.nursing_beds",
                    _("护理型床位"),
                    _("张"),
                    link=_to("facilities:list", status="in_service"),
                ),
                Figure(
                    "facilities.beds_per_thousand",
                    _("每千名老年人养老床位"),
                    _("张"),
                    kind="per_thousand",
                    num="facilities.beds",
                    den="population_60",
                    link=_to("facilities:list", status="in_service"),
                    headline=True,
                ),
                Figure(
                    "villages.coverage",
                    _("建有养老服务设施的行政村比例"),
                    kind="percent",
                    num="villages.covered",
                    den="villages.total",
                    link=_region_page,
                ),
                Figure("villages.covered", _("建有设施的行政村"), _("个"), link=_region_page),
                Figure("villages.total", _("行政村"), _("个"), link=_region_page),
                Figure(
                    "communities.coverage",
                    _("建有养老服务设施的城市社区比例"),
                    kind="percent",
                    num="communities.covered",
                    den="communities.total",
                    link=_region_page,
                ),
                Figure("communities.covered", _("建有设施的社区"), _("个"), link=_region_page),
                Figure("communities.total", _("城市社区"), _("个"), link=_region_page),
            ],
            _("每千人床位 = 运营中设施（含暂停）的床位 ÷ 户籍60岁以上人口 × 1000"),
        ),
        Section(
            "party",
            _("党建覆盖"),
            [
                Figure(
                    "party.institutions",
                    _("养老机构及居家养老服务中心（站）"),
                    _("个"),
                    link=_to("party:institutions"),
                ),
                Figure(
                    "party.reached",
                    _("党组织或党建工作覆盖"),
                    _("个"),
                    link=_to("party:institutions"),
                ),
                Figure(
                    "party.coverage",
                    _("党的组织和工作覆盖率"),
                    kind="percent",
                    num="party.reached",
                    den="party.institutions",
                    link=_to("party:institutions"),
                    headline=True,
                ),
                Figure(
                    "party.own_org",
                    _("单独建立党组织"),
                    _("个"),
                    link=_to("party:institutions"),
                ),
            ],
            _("覆盖：单独建立党组织、联合党组织或选派党建工作指导员"),
        ),
        Section(
            "money",
            _("奖补资金"),
            [
                *[
                    Figure(
                        f"money.{status}",
                        _("%(s)s金额") % {"s": label},
                        _("元"),
                        kind="money",
                        link=_to("funding:grants", status=status),
                        headline=status == GrantStatus.DISBURSED,
                    )
                    for status, label in GrantStatus.choices
                ],
                *[
                    Figure(
                        f"money.{status}.n",
                        _("%(s)s笔数") % {"s": label},
                        _("笔"),
                        link=_to("funding:grants", status=status),
                    )
                    for status, label in GrantStatus.choices
                ],
                Figure(
                    "money.spent",
                    _("已登记支出"),
                    _("元"),
                    kind="money",
                    link=_to("funding:grants"),
                ),
            ],
            _("按每笔奖补在台账上的当前状态汇总"),
        ),
    ]


# Who may open each list a figure links to (the list's own guard).
def link_roles() -> dict[str, frozenset[str]]:
    return {
        "elders:list": ELDER_READERS,
        "visits:compliance": VISIT_OFFICERS,
        "visits:overdue": VISIT_OFFICERS,
        "visits:list": VISIT_OFFICERS,
        "visits:follow_ups": VISIT_OFFICERS | {Role.VISITOR},
        "alerts:list": VISIT_OFFICERS | {Role.VISITOR},
        "services:orders": SERVICE_OFFICERS,
        "timebank:report": TIMEBANK_READERS,
        "timebank:accounts": TIMEBANK_READERS,
        "facilities:list": FACILITY_READERS,
        "regions:detail": STAFF,
        "party:institutions": PARTY_USERS,
        "funding:grants": FUNDING_USERS,
        "policy:targets": STAFF,
    }


def url_for(
    figure: Figure, code: str, w: Window, role: str, roles: dict, cache: dict | None = None
) -> str:
    """The list behind a figure, filtered to the region; "" when the role may not open it.
    ``cache`` keeps the reversed paths of one page (a city page links a few hundred)."""
    if figure.link is None:
        return ""
    name, params, args = figure.link(code, w)
    if role not in roles.get(name, frozenset()):
        return ""
    key = (name, *args)
    url = cache.get(key) if cache is not None else None
    if url is None:
        url = reverse(name, args=args)
        if cache is not None:
            cache[key] = url
    params = {k: v for k, v in params.items() if v is not None}
    return f"{url}?{urlencode(params)}" if params else url
