"""Alerts (助急): raise, notify, escalate, acknowledge, act, resolve. Every step is an
``AlertEvent``; every write by a person is audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.accounts.models import User
from yanglao.accounts.roles import Role
from yanglao.core import audit
from yanglao.core.errors import Conflict, Forbidden, ValidationFailed
from yanglao.core.scope import in_subtree
from yanglao.notify import services as notify
from yanglao.notify.models import Channel
from yanglao.policy.selectors import lookup
from yanglao.regions.models import Region

from .models import Alert, AlertEvent, AlertEventKind, AlertLevel, AlertSource, AlertStatus

ESCALATION_RULE = "alert.escalation"
DEFAULT_CHAIN = ["family", "visitor", "community", "township"]
STEP_LABELS = {
    "family": _("家属"),
    "visitor": _("结对探访员"),
    "community": _("村(社区)"),
    "township": _("乡镇(街道)"),
}
# Who may handle alerts of elders in their region (besides the elder's lead visitor).
ALERT_HANDLERS = frozenset(
    {
        Role.CITY_ADMIN,
        Role.COUNTY_ADMIN,
        Role.TOWNSHIP_OFFICER,
        Role.VILLAGE_OFFICER,
        Role.PARTY_OFFICER,
    }
)


@dataclass(frozen=True)
class Step:
    name: str
    minutes: int


def chain_for(elder, on: dt.date | None = None) -> list[Step]:
    region = Region.objects.get(pk=elder.region_id)
    resolution = lookup(ESCALATION_RULE, region, on)
    params = resolution.params if resolution is not None else {}
    order = params.get("order") or DEFAULT_CHAIN
    return [Step(name, int(params.get(f"{name}_ack_minutes", 60))) for name in order]


def step_label(name: str) -> str:
    return str(STEP_LABELS.get(name, name))


# ------------------------------------------------------------------ who is reached


def lead_visitor(elder, today: dt.date):
    from yanglao.visits.pairing import lead_visitor as lead

    return lead(elder, today)


def recipients(elder, step: str, today: dt.date) -> list[dict]:
    """Whom a step reaches: dicts with ``user`` or ``person``/``phone``."""
    if step == "family":
        contacts = (
            elder.contacts.select_related("person")
            .exclude(person__phone="")
            .order_by("-is_emergency", "id")[:2]
        )
        return [{"person": c.person, "phone": c.person.phone} for c in contacts]
    if step == "visitor":
        visitor = lead_visitor(elder, today)
        if visitor is None:
            return []
        if visitor.user_id:
            return [{"user": visitor.user}]
        if visitor.person.phone:
            return [{"person": visitor.person, "phone": visitor.person.phone}]
        return []
    if step in ("community", "township"):
        codes = elder.region_path.split(".")
        code = codes[-1] if step == "community" else (codes[-2] if len(codes) > 1 else "")
        role = Role.VILLAGE_OFFICER if step == "community" else Role.TOWNSHIP_OFFICER
        users = User.objects.filter(
            region_id=code, role=role, is_active=True, disabled_at__isnull=True
        )
        return [{"user": u} for u in users[:5]]
    return []


def _event(alert, kind, *, at, step_name="", actor=None, note="") -> AlertEvent:
    return AlertEvent.objects.create(
        alert=alert, at=at, kind=kind, step_name=step_name, actor=actor, note=note
    )


def _notify(alert: Alert, step: str, at: dt.datetime, today: dt.date) -> bool:
    """Tell a step's people. False when there is nobody to tell (the step is skipped)."""
    people = recipients(alert.elder, step, today)
    if not people:
        return False
    subject = f"【{alert.get_level_display()}】{alert.elder.person.name}：{alert.title}"
    body = _("%(subject)s。请在 %(deadline)s 前确认并处置。") % {
        "subject": subject,
        "deadline": timezone.localtime(alert.step_deadline).strftime("%m-%d %H:%M")
        if alert.step_deadline
        else "",
    }
    names = []
    for who in people:
        if "user" in who:
            notify.send(
                channel=Channel.APP,
                subject=subject,
                body=body,
                region_path=alert.region_path,
                to_user=who["user"],
                topic=f"alert:{alert.pk}",
            )
            names.append(who["user"].full_name or who["user"].username)
        else:
            notify.send(
                channel=Channel.SMS,
                subject=subject,
                body=body,
                region_path=alert.region_path,
                to_person=who.get("person"),
                to_phone=who["phone"],
                topic=f"alert:{alert.pk}",
            )
            names.append(who["person"].name if who.get("person") else who["phone"])
    _event(
        alert,
        AlertEventKind.NOTIFIED,
        at=at,
        step_name=step,
        note=_("已通知%(step)s：%(names)s") % {"step": step_label(step), "names": "、".join(names)},
    )
    return True


def _enter_step(alert: Alert, index: int, at: dt.datetime, today: dt.date) -> None:
    """Move the alert to step ``index`` (skipping steps with nobody to reach) and notify."""
    chain = alert.chain
    while index < len(chain):
        step = chain[index]
        alert.step = index
        alert.step_name = step["name"]
        alert.step_deadline = at + dt.timedelta(minutes=step["minutes"])
        alert.save(update_fields=["step", "step_name", "step_deadline"])
        if _notify(alert, step["name"], at, today):
            return
        _event(
            alert,
            AlertEventKind.NOTE,
            at=at,
            step_name=step["name"],
            note=_("%(step)s无人可联系，跳过") % {"step": step_label(step["name"])},
        )
        index += 1
    # Nobody anywhere on the chain: it stays at the last step, overdue at once.
    alert.step_deadline = at
    alert.save(update_fields=["step_deadline"])


def alert_raise(
    *,
    elder,
    source: str,
    level: str,
    title: str,
    detail: str = "",
    visit=None,
    device=None,
    dedupe_key: str | None = None,
    actor=None,
    now: dt.datetime | None = None,
    request=None,
) -> Alert:
    """Raise an alert for an elder and start the escalation chain. With ``dedupe_key``,
    raising the same condition again returns the first alert."""
    if source not in AlertSource.values:
        raise ValidationFailed(fields={"source": [_("未知的告警来源")]})
    if level not in AlertLevel.values:
        raise ValidationFailed(fields={"level": [_("级别只能是关注或紧急")]})
    title = (title or "").strip()
    if not title:
        raise ValidationFailed(fields={"title": [_("请填写告警摘要")]})
    if dedupe_key:
        existing = Alert.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    chain = [{"name": s.name, "minutes": s.minutes} for s in chain_for(elder, today)]
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                elder=elder,
                region_path=elder.region_path,
                source=source,
                level=level,
                title=title[:200],
                detail=detail,
                visit=visit,
                device=device,
                dedupe_key=dedupe_key,
                raised_at=now,
                chain=chain,
                step=0,
                step_name=chain[0]["name"] if chain else "",
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            _event(alert, AlertEventKind.RAISED, at=now, actor=_user(actor), note=detail[:500])
            if chain:
                _enter_step(alert, 0, now, today)
            if _user(actor) is not None:
                audit.record(
                    actor=actor,
                    action="alert.raise",
                    obj=alert,
                    region=elder.region,
                    detail={"source": source, "level": level},
                    request=request,
                )
    except IntegrityError:
        if dedupe_key:
            return Alert.objects.get(dedupe_key=dedupe_key)
        raise
    return alert


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def escalate_due(now: dt.datetime | None = None) -> int:
    """Move every unacknowledged alert whose step deadline has passed up the chain (as
    many steps as deadlines passed). Returns the number of steps taken."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    moved = 0
    due = Alert.objects.filter(status=AlertStatus.OPEN, step_deadline__lte=now).values_list(
        "pk", flat=True
    )
    for pk in list(due[:5000]):
        with transaction.atomic():
            alert = (
                Alert.objects.select_for_update()
                .select_related("elder__person")
                .filter(pk=pk, status=AlertStatus.OPEN)
                .first()
            )
            if alert is None:
                continue
            while (
                alert.status == AlertStatus.OPEN
                and alert.step_deadline is not None
                and alert.step_deadline <= now
                and alert.step + 1 < len(alert.chain)
            ):
                at = alert.step_deadline
                before = alert.step_name
                nxt = alert.chain[alert.step + 1]["name"]
                _event(
                    alert,
                    AlertEventKind.ESCALATED,
                    at=at,
                    step_name=nxt,
                    note=_("%(before)s未在时限内确认，上报%(after)s")
                    % {"before": step_label(before), "after": step_label(nxt)},
                )
                _enter_step(alert, alert.step + 1, at, today)
                moved += 1
    return moved


def is_overdue(alert: Alert, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        alert.status == AlertStatus.OPEN
        and alert.step_deadline is not None
        and alert.step_deadline <= now
    )


# ------------------------------------------------------------------ handling


def may_act_for(actor, elder) -> bool:
    """Officers in scope, and the elder's lead visitor, handle its alerts and check-ins."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if actor.role in ALERT_HANDLERS and in_subtree(elder.region_path, actor.region.path):
        return True
    if actor.role == Role.VISITOR:
        visitor = lead_visitor(elder, timezone.localdate())
        return visitor is not None and visitor.user_id == actor.pk
    return False


def can_handle(actor, alert: Alert) -> bool:
    return may_act_for(actor, alert.elder)


def _ensure(actor, alert: Alert) -> None:
    if not can_handle(actor, alert):
        raise Forbidden(_("您无权处理该告警"))


def _transition(actor, alert, *, status, kind, note, action, request, fields=()):
    _ensure(actor, alert)
    now = timezone.now()
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        if alert.status == AlertStatus.RESOLVED:
            raise Conflict(_("该告警已解除"))
        if status is not None:
            alert.status = status
        for name, value in fields:
            setattr(alert, name, value)
        alert.save()
        _event(alert, kind, at=now, step_name=alert.step_name, actor=actor, note=note)
        audit.record(
            actor=actor,
            action=action,
            obj=alert,
            region=alert.elder.region,
            detail={"note": note[:200]} if note else {},
            request=request,
        )
    return alert


def acknowledge(*, actor, alert: Alert, note: str = "", request=None) -> Alert:
    now = timezone.now()
    fields = [("acknowledged_at", now), ("acknowledged_by", actor)]
    status = AlertStatus.ACKNOWLEDGED if alert.status == AlertStatus.OPEN else None
    return _transition(
        actor,
        alert,
        status=status,
        kind=AlertEventKind.ACKNOWLEDGED,
        note=note,
        action="alert.acknowledge",
        request=request,
        fields=fields if alert.acknowledged_at is None else (),
    )


def start_action(*, actor, alert: Alert, note: str = "", request=None) -> Alert:
    fields = (
        [("acknowledged_at", timezone.now()), ("acknowledged_by", actor)]
        if alert.acknowledged_at is None
        else []
    )
    return _transition(
        actor,
        alert,
        status=AlertStatus.ACTING,
        kind=AlertEventKind.ACTING,
        note=note,
        action="alert.act",
        request=request,
        fields=fields,
    )


def resolve(*, actor, alert: Alert, note: str, request=None) -> Alert:
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(fields={"note": [_("请写明处置结果")]})
    now = timezone.now()
    fields = [("resolved_at", now), ("resolved_by", actor), ("resolution", note)]
    if alert.acknowledged_at is None:
        fields += [("acknowledged_at", now), ("acknowledged_by", actor)]
    return _transition(
        actor,
        alert,
        status=AlertStatus.RESOLVED,
        kind=AlertEventKind.RESOLVED,
        note=note,
        action="alert.resolve",
        request=request,
        fields=fields,
    )


def add_note(*, actor, alert: Alert, note: str, request=None) -> Alert:
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(fields={"note": [_("请填写备注内容")]})
    return _transition(
        actor,
        alert,
        status=None,
        kind=AlertEventKind.NOTE,
        note=note,
        action="alert.note",
        request=request,
    )
