"""Writes of funding: every line of the grants ledger goes through here, in a transaction,
audited. Nothing is updated: a status change or a spending is a new line."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from yanglao.accounts.roles import Role
from yanglao.core import audit
from yanglao.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from yanglao.facilities.models import Facility

from . import chain
from .models import FundingSource, GrantLine, GrantStatus, LineKind, PayerLevel

FUNDING_WRITERS = frozenset({Role.CITY_ADMIN, Role.COUNTY_ADMIN})
STATUS_ORDER = [GrantStatus.ESTIMATED, GrantStatus.APPROVED, GrantStatus.DISBURSED]
# Spending categories: the four allowed uses of the Changzhi rule and the two it forbids
# (the labels and which are allowed come from the rule ``urban_project.spending``).
USES = ["infrastructure", "fit_out", "repair_renovation", "equipment", "rent", "running_costs"]


def _check_writer(actor) -> None:
    if actor is not None and getattr(actor, "role", None) not in FUNDING_WRITERS:
        raise Forbidden()


def _amount(value, errors: dict, field: str = "amount") -> Decimal | None:
    try:
        amount = Decimal(str(value))
    except Exception:
        errors[field] = [_("应为金额（元）")]
        return None
    if not amount.is_finite() or amount <= 0:
        errors[field] = [_("金额应大于 0")]
        return None
    if amount != amount.quantize(Decimal("0.01")):
        errors[field] = [_("金额最多两位小数")]
        return None
    return amount


def _year(value: int, errors: dict) -> None:
    if not 2000 <= int(value) <= 2100:
        errors["year"] = [_("年度应在 2000 至 2100 之间")]


def grant_record(
    *,
    actor,
    facility: Facility,
    year: int,
    payer_level: str,
    kind: str,
    amount,
    on_date: dt.date,
    rule_id: str = "",
    status: str = GrantStatus.ESTIMATED,
    memo: str = "",
) -> GrantLine:
    """登记一项奖补：opens a grant with its first status."""
    _check_writer(actor)
    errors: dict[str, list[str]] = {}
    value = _amount(amount, errors)
    _year(year, errors)
    if payer_level not in PayerLevel.values:
        errors["payer_level"] = [_("支付层级应为 province、city 或 county")]
    if status not in GrantStatus.values:
        errors["status"] = [_("状态应为 estimated、approved 或 disbursed")]
    if not kind.strip():
        errors["kind"] = [_("必填")]
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        line = chain.append(
            actor=actor,
            line_kind=LineKind.GRANT,
            grant=uuid.uuid4(),
            facility=facility,
            region_path=facility.region_path,
            year=year,
            payer_level=payer_level,
            kind=kind.strip()[:32],
            rule_id=rule_id.strip()[:120],
            status=status,
            amount=value,
            on_date=on_date,
            memo=memo[:200],
        )
        audit.record(
            actor=actor,
            action="funding.grant_record",
            obj=facility,
            detail={"grant": str(line.grant), "amount": f"{value:.2f}", "seq": line.seq},
        )
    return line


def _opening(grant: uuid.UUID) -> GrantLine:
    first = GrantLine.objects.filter(grant=grant, line_kind=LineKind.GRANT).first()
    if first is None:
        raise NotFound()
    return first


def grant_status(
    *,
    actor,
    grant: uuid.UUID,
    status: str,
    on_date: dt.date,
    amount=None,
    memo: str = "",
) -> GrantLine:
    """A status change (approved, disbursed), with the amount approved or paid."""
    _check_writer(actor)
    opening = _opening(grant)
    errors: dict[str, list[str]] = {}
    if status not in GrantStatus.values:
        errors["status"] = [_("状态应为 estimated、approved 或 disbursed")]
    value = _amount(amount, errors) if amount not in (None, "") else None
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        chain.locked_head()  # serialize: the current status is read under the lock
        last = (
            GrantLine.objects.filter(grant=grant, line_kind__in=[LineKind.GRANT, LineKind.STATUS])
            .order_by("-seq")
            .first()
        )
        if STATUS_ORDER.index(status) <= STATUS_ORDER.index(last.status):
            raise Conflict(
                _("状态只能向前推进：当前为“%(s)s”") % {"s": GrantStatus(last.status).label},
                fields={"status": [_("状态只能向前推进")]},
            )
        line = chain.append(
            actor=actor,
            line_kind=LineKind.STATUS,
            grant=grant,
            facility_id=opening.facility_id,
            region_path=opening.region_path,
            year=opening.year,
            payer_level=opening.payer_level,
            kind=opening.kind,
            rule_id=opening.rule_id,
            status=status,
            amount=value if value is not None else last.amount,
            on_date=on_date,
            memo=memo[:200],
        )
        audit.record(
            actor=actor,
            action="funding.grant_status",
            obj=opening.facility,
            detail={"grant": str(grant), "status": status, "seq": line.seq},
        )
    return line


def grant_spend(
    *, actor, grant: uuid.UUID, amount, use: str, on_date: dt.date, memo: str = ""
) -> GrantLine:
    """Spending recorded against a grant; a use outside the rule's allowed uses is kept
    and flagged by the selector, never refused (the ledger records what happened)."""
    _check_writer(actor)
    opening = _opening(grant)
    errors: dict[str, list[str]] = {}
    value = _amount(amount, errors)
    if use not in USES:
        errors["use"] = [_("用途应为：%(u)s") % {"u": "、".join(USES)}]
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        line = chain.append(
            actor=actor,
            line_kind=LineKind.SPENDING,
            grant=grant,
            facility_id=opening.facility_id,
            region_path=opening.region_path,
            year=opening.year,
            payer_level=opening.payer_level,
            kind=opening.kind,
            rule_id=opening.rule_id,
            amount=value,
            use=use,
            on_date=on_date,
            memo=memo[:200],
        )
        audit.record(
            actor=actor,
            action="funding.grant_spend",
            obj=opening.facility,
            detail={"grant": str(grant), "use": use, "amount": f"{value:.2f}", "seq": line.seq},
        )
    return line


def running_cost_record(
    *,
    actor,
    facility: Facility,
    year: int,
    source: str,
    amount,
    on_date: dt.date,
    memo: str = "",
) -> GrantLine:
    """One share of a facility's running costs for a year (government, collective,
    donations, elder, children)."""
    _check_writer(actor)
    errors: dict[str, list[str]] = {}
    value = _amount(amount, errors)
    _year(year, errors)
    if source not in FundingSource.values:
        errors["source"] = [_("来源应为：%(u)s") % {"u": "、".join(FundingSource.values)}]
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        line = chain.append(
            actor=actor,
            line_kind=LineKind.RUNNING_COST,
            facility=facility,
            region_path=facility.region_path,
            year=year,
            source=source,
            amount=value,
            on_date=on_date,
            memo=memo[:200],
        )
        audit.record(
            actor=actor,
            action="funding.running_cost_record",
            obj=facility,
            detail={"year": year, "source": source, "amount": f"{value:.2f}", "seq": line.seq},
        )
    return line
