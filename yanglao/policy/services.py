"""Writes of policy: an administrator's local rule or override, with its source, audited."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yanglao.accounts.roles import POLICY_EDITORS
from yanglao.core import audit
from yanglao.core.errors import Forbidden, NotFound, ValidationFailed
from yanglao.core.scope import in_subtree
from yanglao.regions.models import Region

from . import validators
from .models import PolicyRule


def _coerce(value: Any, like: Any, field: str) -> Any:
    """Keep the parameter's type as the shipped pack has it."""
    if isinstance(like, bool):
        if str(value).lower() in {"true", "1", "是", "yes"}:
            return True
        if str(value).lower() in {"false", "0", "否", "no"}:
            return False
        raise ValidationFailed(fields={field: [_("应为 是/否")]})
    if isinstance(like, int):
        try:
            return int(str(value).strip())
        except ValueError:
            raise ValidationFailed(fields={field: [_("应为整数")]}) from None
    if isinstance(like, float) or (isinstance(like, str) and _is_decimal(like)):
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValidationFailed(fields={field: [_("应为数字")]}) from None
        if not number.is_finite():
            raise ValidationFailed(fields={field: [_("应为数字")]})
        return str(number) if isinstance(like, str) else float(number)
    if isinstance(like, dict):
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise ValidationFailed(fields={field: [_("应为 JSON 对象")]}) from None
        if not isinstance(value, dict):
            raise ValidationFailed(fields={field: [_("应为 JSON 对象")]})
        return value
    if isinstance(like, list):
        if isinstance(value, list):
            return value
        return [v.strip() for v in str(value).split(",") if v.strip()]
    text = str(value).strip()
    if not text:
        raise ValidationFailed(fields={field: [_("不能为空")]})
    return text


def _is_decimal(text: str) -> bool:
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return True


@transaction.atomic
def rule_override(
    *,
    actor,
    rule_id: str,
    region_code: str,
    params: dict[str, Any],
    valid_from: dt.date | None,
    valid_to: dt.date | None = None,
    source_doc: str = "",
    source_number: str = "",
    source_clause: str = "",
    local_default: bool = False,
    note: str = "",
    request=None,
) -> PolicyRule:
    """Add a local rule for a region (overriding what it inherits from above)."""
    if actor.role not in POLICY_EDITORS:
        raise Forbidden()
    region = Region.objects.filter(code=region_code).first()
    if region is None or not in_subtree(region.path, actor.region.path):
        raise ValidationFailed(fields={"region": [_("只能为本人管辖的区划设置本地规则")]})
    base = (
        PolicyRule.objects.filter(rule_id=rule_id, pack__isnull=False)
        .order_by("-valid_from")
        .first()
    )
    if base is None:
        raise NotFound(_("规则 %(id)s 不存在") % {"id": rule_id})
    errors: dict[str, list[str]] = {}
    if not params:
        errors["params"] = [_("至少要修改一个参数")]
    unknown = [k for k in params if k not in base.params]
    if unknown:
        errors["params"] = [_("未知参数：%(k)s") % {"k": "、".join(unknown)}]
    if not local_default and not source_doc.strip():
        errors["source_doc"] = [_("请填写依据的文件名称，或勾选“本地默认值”并说明理由")]
    if local_default and not note.strip():
        errors["note"] = [_("本地默认值须说明理由")]
    if valid_from and valid_to and valid_to < valid_from:
        errors["valid_to"] = [_("失效日期不能早于生效日期")]
    if errors:
        raise ValidationFailed(fields=errors)
    clean = {k: _coerce(v, base.params[k], f"params.{k}") for k, v in params.items()}
    try:
        validators.check(rule_id, {**base.params, **clean})
    except ValueError as exc:
        raise ValidationFailed(fields={"params": [str(exc)]}) from None
    rule = PolicyRule.objects.create(
        rule_id=rule_id,
        title=base.title,
        kind=base.kind,
        region=region,
        valid_from=valid_from,
        valid_to=valid_to,
        params=clean,
        source_doc=source_doc.strip()[:300],
        source_number=source_number.strip()[:100],
        source_clause=source_clause.strip()[:200],
        local_default=local_default,
        note=note.strip(),
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action="policy.override",
        obj=rule,
        region=region,
        request=request,
        detail={
            "rule_id": rule_id,
            "params": clean,
            "valid_from": valid_from.isoformat() if valid_from else None,
        },
    )
    return rule


@transaction.atomic
def rule_deactivate(*, actor, rule: PolicyRule, request=None) -> PolicyRule:
    """Withdraw a local rule an administrator added (shipped pack rules stay)."""
    if actor.role not in POLICY_EDITORS:
        raise Forbidden()
    if rule.pack_id is not None:
        raise Forbidden(_("随系统发布的政策规则不能停用，请添加本地规则覆盖"))
    if not in_subtree(rule.region.path, actor.region.path):
        raise NotFound()
    if rule.is_active:
        rule.is_active = False
        rule.save(update_fields=["is_active"])
        audit.record(
            actor=actor,
            action="policy.deactivate",
            obj=rule,
            region=rule.region,
            request=request,
            detail={"rule_id": rule.rule_id},
        )
    return rule
