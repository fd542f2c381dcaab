"""The navigation: each entry shows only to the roles that may use it."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from yanglao.accounts.roles import (
    ACCOUNT_GUARDS,
    AUDIT_READERS,
    ELDER_READERS,
    VISIT_OFFICERS,
    Role,
)

STAFF = frozenset(Role.values) - {Role.VISITOR}


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    roles: frozenset[str] | None  # None: every signed-in user
    icon: str = ""
    prefix: str = ""

    def url(self) -> str:
        return reverse(self.url_name)


NAV: list[NavItem] = [
    NavItem(_("工作台"), "dashboard:workbench", None, "home", "/workbench"),
    NavItem(
        _("区域概览"),
        "insights:home",
        frozenset(
            {Role.CITY_ADMIN, Role.COUNTY_ADMIN, Role.TOWNSHIP_OFFICER, Role.VILLAGE_OFFICER}
        ),
        "chart",
        "/insights",
    ),
    NavItem(_("我的探访"), "visits:my_week", frozenset({Role.VISITOR}), "walk", "/visits/my"),
    NavItem(_("老年人档案"), "elders:list", ELDER_READERS, "users", "/elders"),
    NavItem(_("探访"), "visits:overdue", VISIT_OFFICERS, "clock", "/visits"),
    NavItem(_("居家服务"), "services:orders", VISIT_OFFICERS, "heart", "/services"),
    NavItem(
        _("养老设施"),
        "facilities:list",
        VISIT_OFFICERS | {Role.FACILITY_OPERATOR},
        "building",
        "/facilities",
    ),
    NavItem(
        _("我的服务单"),
        "services:my_orders",
        frozenset({Role.VISITOR, Role.FACILITY_OPERATOR}),
        "tool",
        "/services/mine",
    ),
    NavItem(
        _("助餐"),
        "services:meal_points",
        VISIT_OFFICERS | {Role.FACILITY_OPERATOR},
        "bowl",
        "/services/meals",
    ),
    NavItem(_("时间银行"), "timebank:home", VISIT_OFFICERS | {Role.VISITOR}, "clock", "/timebank"),
    NavItem(
        _("社区活动"), "community:activity_list", VISIT_OFFICERS, "star", "/community/activities"
    ),
    NavItem(_("志愿服务队"), "community:team_list", VISIT_OFFICERS, "users", "/community/teams"),
    NavItem(
        _("捐赠与公示"),
        "community:donation_list",
        frozenset(
            {Role.CITY_ADMIN, Role.COUNTY_ADMIN, Role.TOWNSHIP_OFFICER, Role.VILLAGE_OFFICER}
        ),
        "gift",
        "/community/donations",
    ),
    NavItem(
        _("宣传资料"), "community:material_list", VISIT_OFFICERS, "book", "/community/materials"
    ),
    NavItem(_("告警"), "alerts:list", VISIT_OFFICERS | {Role.VISITOR}, "alert", "/alerts"),
    NavItem(_("党建"), "party:organizations", VISIT_OFFICERS, "flag", "/party"),
    NavItem(
        _("规划任务"),
        "planning:tables",
        frozenset({Role.CITY_ADMIN, Role.COUNTY_ADMIN, Role.TOWNSHIP_OFFICER}),
        "list",
        "/planning",
    ),
    NavItem(
        _("资金"),
        "funding:estimate",
        frozenset({Role.CITY_ADMIN, Role.COUNTY_ADMIN}),
        "coin",
        "/funding",
    ),
    NavItem(
        _("督查"),
        "supervision:inspections",
        VISIT_OFFICERS | {Role.FACILITY_OPERATOR},
        "search",
        "/supervision",
    ),
    NavItem(
        _("系统对接"),
        "interop:batches",
        VISIT_OFFICERS | {Role.FACILITY_OPERATOR},
        "plug",
        "/interop",
    ),
    NavItem(_("每日签到"), "alerts:checkins", frozenset({Role.VISITOR}), "sun", "/alerts/checkins"),
    NavItem(
        _("跟进事项"), "visits:follow_ups", frozenset({Role.VISITOR}), "check", "/visits/follow-ups"
    ),
    NavItem(_("消息"), "notify:inbox", None, "mail", "/messages"),
    NavItem(_("区划"), "regions:tree", STAFF, "map", "/regions"),
    NavItem(_("政策规则"), "policy:rules", STAFF, "book", "/policy/rules"),
    NavItem(_("目标任务"), "policy:targets", STAFF, "target", "/policy/targets"),
    NavItem(_("工作报告"), "reports:index", VISIT_OFFICERS, "report", "/reports"),
    NavItem(_("账号管理"), "accounts:users", ACCOUNT_GUARDS, "users", "/accounts/users"),
    NavItem(_("审计日志"), "accounts:audit", AUDIT_READERS, "shield", "/accounts/audit"),
    NavItem(_("访问日志"), "accounts:access_log", AUDIT_READERS, "eye", "/accounts/access-log"),
    NavItem(
        _("个人信息保护"),
        "privacy:requests",
        ELDER_READERS - {Role.PARTY_OFFICER, Role.FACILITY_OPERATOR} | AUDIT_READERS,
        "lock",
        "/privacy",
    ),
]


# When a role has many entries, these fold into one dropdown each (label, members).
GROUPS: list[tuple[str | Promise, frozenset[str]]] = [
    (_("居家服务"), frozenset({"services:orders", "services:meal_points", "timebank:home"})),
    (
        _("设施与党建"),
        frozenset(
            {
                "facilities:list",
                "party:organizations",
                "funding:estimate",
                "planning:tables",
                "supervision:inspections",
                "interop:batches",
            }
        ),
    ),
    (
        _("社区生活"),
        frozenset(
            {
                "community:activity_list",
                "community:team_list",
                "community:donation_list",
                "community:material_list",
            }
        ),
    ),
    (_("区划与政策"), frozenset({"regions:tree", "policy:rules", "policy:targets"})),
    (_("概览与报告"), frozenset({"insights:home", "reports:index"})),
    (
        _("账号与安全"),
        frozenset({"accounts:users", "accounts:audit", "accounts:access_log", "privacy:requests"}),
    ),
]
FOLD_ABOVE = 9


def nav_entries(user, path: str) -> list[dict]:
    """The navigation as the page shows it: entries, some folded into dropdowns when the
    role has more than ``FOLD_ABOVE`` of them (a row that fits a 1280-pixel screen)."""
    items = nav_for(user)

    def entry(item: NavItem) -> dict:
        return {
            "label": item.label,
            "url": item.url(),
            "active": bool(item.prefix) and path.startswith(item.prefix),
        }

    if len(items) <= FOLD_ABOVE:
        return [entry(i) for i in items]
    out: list[dict] = []
    placed: dict[int, dict] = {}
    for item in items:
        group = next((n for n, (_l, names) in enumerate(GROUPS) if item.url_name in names), None)
        members = [i for i in items if group is not None and i.url_name in GROUPS[group][1]]
        if group is None or len(members) < 2:
            out.append(entry(item))
            continue
        if group not in placed:
            placed[group] = {"label": GROUPS[group][0], "children": [], "active": False}
            out.append(placed[group])
        child = entry(item)
        placed[group]["children"].append(child)
        placed[group]["active"] |= child["active"]
    return out


def nav_for(user) -> list[NavItem]:
    if not getattr(user, "is_authenticated", False):
        return []
    return [item for item in NAV if item.roles is None or user.role in item.roles]


def can_use(user, url_name: str) -> bool:
    return any(item.url_name == url_name for item in nav_for(user))
