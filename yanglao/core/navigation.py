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
    NavItem(_("告警"), "alerts:list", VISIT_OFFICERS | {Role.VISITOR}, "alert", "/alerts"),
    NavItem(_("党建"), "party:organizations", VISIT_OFFICERS, "flag", "/party"),
    NavItem(_("每日签到"), "alerts:checkins", frozenset({Role.VISITOR}), "sun", "/alerts/checkins"),
    NavItem(
        _("跟进事项"), "visits:follow_ups", frozenset({Role.VISITOR}), "check", "/visits/follow-ups"
    ),
    NavItem(_("消息"), "notify:inbox", None, "mail", "/messages"),
    NavItem(_("区划"), "regions:tree", STAFF, "map", "/regions"),
    NavItem(_("政策规则"), "policy:rules", STAFF, "book", "/policy/rules"),
    NavItem(_("目标任务"), "policy:targets", STAFF, "target", "/policy/targets"),
    NavItem(_("账号管理"), "accounts:users", ACCOUNT_GUARDS, "users", "/accounts/users"),
    NavItem(_("审计日志"), "accounts:audit", AUDIT_READERS, "shield", "/accounts/audit"),
    NavItem(_("访问日志"), "accounts:access_log", AUDIT_READERS, "eye", "/accounts/access-log"),
]


def nav_for(user) -> list[NavItem]:
    if not getattr(user, "is_authenticated", False):
        return []
    return [item for item in NAV if item.roles is None or user.role in item.roles]


def can_use(user, url_name: str) -> bool:
    return any(item.url_name == url_name for item in nav_for(user))
