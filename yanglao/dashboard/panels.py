"""The workbench: what needs the user's action today, per role.

Each capability registers panels here; a panel returns None when it has nothing to show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.accounts.models import ApiToken, User
from yanglao.accounts.roles import ACCOUNT_GUARDS, AUDIT_READERS, ELDER_WRITERS, Role
from yanglao.core.models import AuditEvent, Outcome
from yanglao.core.navigation import STAFF
from yanglao.core.scope import in_subtree, path_q, scoped
from yanglao.elders import selectors as elder_selectors
from yanglao.policy import indicators
from yanglao.policy import selectors as policy_selectors
from yanglao.regions import selectors as region_selectors
from yanglao.regions.models import Level


@dataclass
class Item:
    label: str
    value: int | str
    url: str = ""
    tone: str = ""  # "", "warning", "danger", "success"


@dataclass
class Panel:
    title: str
    items: list[Item] = field(default_factory=list)
    note: str = ""
    order: int = 50


PanelFunc = Callable[[User], Panel | None]
_PANELS: list[tuple[frozenset[str] | None, PanelFunc]] = []


def register(roles: frozenset[str] | None = None):
    def decorator(func: PanelFunc) -> PanelFunc:
        _PANELS.append((roles, func))
        return func

    return decorator


def panels_for(user: User) -> list[Panel]:
    out = [func(user) for roles, func in _PANELS if roles is None or user.role in roles]
    return sorted((p for p in out if p is not None), key=lambda p: p.order)


@register(ACCOUNT_GUARDS)
def accounts_panel(user: User) -> Panel | None:
    users = scoped(User.objects.all(), user)
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    locked = AccessAttempt.objects.filter(
        username__in=users.values("username"),
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
        attempt_time__gte=since,
    ).count()
    soon = timezone.now() + timedelta(days=14)
    expiring = ApiToken.objects.filter(
        user__in=users, revoked_at__isnull=True, expires_at__gt=timezone.now(), expires_at__lte=soon
    ).count()
    never = users.filter(is_active=True, last_login__isnull=True).count()
    url = reverse("accounts:users")
    return Panel(
        title=_("账号"),
        order=30,
        items=[
            Item(_("被锁定的账号"), locked, f"{url}?active=locked", "danger" if locked else ""),
            Item(_("14 天内到期的 API 令牌"), expiring, url, "warning" if expiring else ""),
            Item(_("从未登录的账号"), never, f"{url}?active=1", ""),
            Item(_("辖区账号总数"), users.filter(is_active=True).count(), f"{url}?active=1"),
        ],
    )


@register(AUDIT_READERS)
def security_panel(user: User) -> Panel | None:
    since = timezone.now() - timedelta(hours=24)
    events = AuditEvent.objects.filter(path_q(user.region.path, "region_path"), at__gte=since)
    url = reverse("accounts:audit")
    failed = events.filter(action="login.failed").count()
    denied = events.filter(outcome=Outcome.DENIED).count()
    return Panel(
        title=_("安全事件（24 小时）"),
        order=20,
        items=[
            Item(_("登录失败"), failed, f"{url}?action=login.failed", "warning" if failed else ""),
            Item(_("被拒绝的访问"), denied, f"{url}?outcome=denied", "danger" if denied else ""),
        ],
    )


@register(STAFF)
def targets_panel(user: User) -> Panel | None:
    today = timezone.localdate()
    region = user.region
    rows = [
        indicators.evaluate(r, region, today) for r in policy_selectors.targets_for(region, today)
    ]
    due = [r for r in rows if r.status != "met" and 0 <= r.days_left <= 180]
    overdue = [r for r in rows if r.status == "overdue"]
    unmeasured = [r for r in rows if r.status == "not_measured"]
    url = reverse("policy:targets")
    return Panel(
        title=_("目标任务"),
        order=40,
        items=[
            Item(_("180 天内到期未达标"), len(due), url, "warning" if due else ""),
            Item(
                _("逾期未达标"), len(overdue), f"{url}?status=overdue", "danger" if overdue else ""
            ),
            Item(_("尚未度量"), len(unmeasured), f"{url}?status=not_measured"),
            Item(_("适用目标总数"), len(rows), url),
        ],
    )


@register(None)
def region_panel(user: User) -> Panel | None:
    region = user.region
    counts = region_selectors.subtree_count(region)
    items = [
        Item(str(Level(level).label), n, reverse("regions:detail", args=[region.code]))
        for level, n in sorted(counts.items())
    ]
    if region.registered_60:
        items.append(Item(_("户籍60岁以上人口"), region.registered_60))
    if user.role == Role.VISITOR:
        items = items[:0]
    return Panel(
        title=_("本辖区：%(r)s") % {"r": region.name},
        order=90,
        items=items,
        note=_("工作范围：%(r)s 及其下级") % {"r": region.name},
    )


@register(ELDER_WRITERS)
def registry_panel(user: User) -> Panel | None:
    today = timezone.localdate()
    base = elder_selectors.elders_for(user, on=today)
    url = reverse("elders:list")
    missing = elder_selectors.elders_for(
        user, elder_selectors.ElderFilters(plan="missing"), on=today
    ).count()
    due = elder_selectors.elders_for(
        user, elder_selectors.ElderFilters(plan="due"), on=today
    ).count()
    assess = elder_selectors.elders_for(
        user, elder_selectors.ElderFilters(assess="due"), on=today
    ).count()
    transfers = sum(
        1
        for t in elder_selectors.transfers_for(user, status="pending")
        if in_subtree(
            (t.from_region if t.initiated_by_receiver else t.to_region).path, user.region.path
        )
    )
    warnings = base.exclude(id_warning="").count()
    return Panel(
        title=_("老年人档案"),
        order=10,
        items=[
            Item(
                _("高风险老人未制定一人一策"),
                missing,
                f"{url}?plan=missing",
                "danger" if missing else "",
            ),
            Item(_("一人一策 7 天内到期复核"), due, f"{url}?plan=due", "warning" if due else ""),
            Item(_("待评估或评估已过期"), assess, f"{url}?assess=due", "warning" if assess else ""),
            Item(
                _("待我确认的档案转移"),
                transfers,
                reverse("elders:transfers"),
                "warning" if transfers else "",
            ),
            Item(_("身份证号待核对"), warnings, f"{url}?idwarn=1"),
            Item(_("在册老人"), base.count(), url),
        ],
    )
