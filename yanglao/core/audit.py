"""Audit helpers. Services call ``record`` inside their transaction."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import AccessKind, AccessLog, AuditEvent, Outcome


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def _actor_fields(actor) -> dict[str, Any]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {"actor": None, "actor_username": "", "actor_role": ""}
    return {"actor": actor, "actor_username": actor.username, "actor_role": actor.role}


def record(
    *,
    actor,
    action: str,
    obj: Any = None,
    region=None,
    outcome: str = Outcome.SUCCESS,
    detail: dict | None = None,
    request: HttpRequest | None = None,
    username: str | None = None,
) -> AuditEvent:
    """Write one audit row. ``region`` defaults to the object's region, else the actor's."""
    if region is None and obj is not None:
        region = getattr(obj, "region", None)
    if region is None and actor is not None and getattr(actor, "is_authenticated", False):
        region = actor.region
    fields = _actor_fields(actor)
    if username and not fields["actor_username"]:
        fields["actor_username"] = username[:150]
    return AuditEvent.objects.create(
        **fields,
        region_code=getattr(region, "code", "") or "",
        region_path=getattr(region, "path", "") or "",
        action=action,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(getattr(obj, "pk", "") or "") if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        outcome=outcome,
        detail=detail or {},
        ip=client_ip(request),
    )


def log_access(
    *,
    actor,
    kind: str,
    obj: Any = None,
    field: str = "",
    detail: dict | None = None,
    request: HttpRequest | None = None,
    region=None,
) -> AccessLog:
    if region is None:
        region = getattr(obj, "region", None) or getattr(actor, "region", None)
    return AccessLog.objects.create(
        actor=actor,
        actor_username=getattr(actor, "username", ""),
        region_path=getattr(region, "path", "") or "",
        kind=kind,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(getattr(obj, "pk", "")) if obj is not None else "",
        field=field,
        detail=detail or {},
        ip=client_ip(request),
    )


__all__ = ["AccessKind", "Outcome", "log_access", "record"]


# What an audit action means, for the pages (the code stays in the row and the export).
ACTION_LABELS = {
    "login": _("登录"),
    "logout": _("退出"),
    "login.failed": _("登录失败"),
    "login.locked": _("账号锁定"),
    "session.expired": _("会话超时"),
    "otp.enrol": _("启用双因素认证"),
    "otp.verify": _("双因素验证"),
    "access.forbidden": _("越权操作被拒绝"),
    "access.out_of_scope": _("访问辖区外记录被拒绝"),
    "user.create": _("创建账号"),
    "user.update": _("修改账号"),
    "user.enable": _("启用账号"),
    "user.disable": _("停用账号"),
    "user.reset_password": _("重置密码"),
    "user.change_password": _("修改密码"),
    "user.unlock": _("解除锁定"),
    "token.issue": _("签发令牌"),
    "token.revoke": _("吊销令牌"),
    "region.update": _("修改区划"),
    "region.abolish": _("撤销区划"),
    "region.import": _("导入区划"),
    "policy.override": _("设置本地规则"),
    "policy.deactivate": _("停用本地规则"),
    "elder.register": _("建档"),
    "elder.reactivate": _("恢复建档"),
    "elder.update": _("修改档案"),
    "elder.status": _("变更档案状态"),
    "elder.contact_add": _("添加联系人"),
    "elder.care_plan": _("保存一人一策"),
    "elder.assess": _("能力评估"),
    "elder.import": _("批量导入"),
    "elder.transfer_open": _("发起档案转移"),
    "elder.transfer_accept": _("接收档案转移"),
    "elder.transfer_reject": _("拒绝档案转移"),
    "elder.transfer_cancel": _("撤回档案转移"),
    "party.org_create": _("新建党组织"),
    "party.org_update": _("修改党组织"),
    "party.member_create": _("登记党员"),
    "party.member_update": _("修改党员信息"),
    "party.member_end": _("结束党员信息"),
    "party.dispatch_create": _("选派党建人员"),
    "party.dispatch_end": _("结束选派"),
    "party.activity_record": _("记录党建活动"),
    "supervision.inspection_plan": _("安排检查"),
    "supervision.inspection_update": _("修改检查计划"),
    "supervision.inspection_record": _("录入检查结果"),
    "supervision.inspection_cancel": _("取消检查"),
    "supervision.inspection_close": _("办结检查"),
    "supervision.finding_add": _("添加问题"),
    "supervision.finding_submit": _("报告整改"),
    "supervision.finding_reinspect": _("复查"),
    "supervision.finding_escalate": _("逾期整改上报"),
    "supervision.evaluation_create": _("运营方年度评估"),
    "supervision.evaluation_resolve": _("处理评估结果"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))
