"""能力评估的写入: record one assessment (GB/T 42195-2022) for an elder.

Validated first (nothing is written when anything is wrong), then written in one
transaction with the elder's current level and an audit row. The numbers come from the
policy rules of the elder's region on the assessment date; the stored trace says which.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.accounts.roles import Role
from yanglao.core import audit
from yanglao.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from yanglao.core.scope import in_subtree
from yanglao.elders import risk
from yanglao.policy.engine import Resolution
from yanglao.policy.selectors import lookup

from . import assessment as calc
from .models import Assessment, AssessmentReason, Elder, ElderStatus

# Who may record an assessment. Facility operators assess their residents (the standard
# is used on admission), so they are here although they do not keep the registry.
ASSESSMENT_WRITERS = frozenset(
    {
        Role.CITY_ADMIN,
        Role.COUNTY_ADMIN,
        Role.TOWNSHIP_OFFICER,
        Role.VILLAGE_OFFICER,
        Role.FACILITY_OPERATOR,
    }
)

RULE_ITEMS = "assessment.items"
RULE_LEVELS = "assessment.ability_level"
RULE_ADJUSTMENT = "assessment.level_adjustment"
RULE_REASONS = "assessment.reasons"
RULE_INTERVAL = "assessment.routine_interval"

MAX_RISK_EVENTS = 999
ASSESSORS_MAX = Assessment._meta.get_field("assessors").max_length


@dataclass(frozen=True)
class Rules:
    """The assessment rules in force for one region on one day."""

    items: Resolution
    levels: Resolution
    adjustment: Resolution
    reasons: Resolution | None

    @property
    def catalogue(self) -> calc.Catalogue:
        return calc.catalogue(self.items.params)

    @property
    def level_labels(self) -> dict[str, str]:
        return calc.level_labels(self.levels.params)

    @property
    def reason_codes(self) -> list[str]:
        allowed = list(self.reasons.get("reasons", [])) if self.reasons else []
        return [r for r in AssessmentReason.values if not allowed or r in allowed]


def rules_for(region, on: dt.date) -> Rules | None:
    """The rules that score an assessment in ``region`` on ``on`` (None before the
    standard applies there)."""
    items = lookup(RULE_ITEMS, region, on)
    levels = lookup(RULE_LEVELS, region, on)
    adjustment = lookup(RULE_ADJUSTMENT, region, on)
    if items is None or levels is None or adjustment is None:
        return None
    return Rules(
        items=items, levels=levels, adjustment=adjustment, reasons=lookup(RULE_REASONS, region, on)
    )


def interval_months(region, on: dt.date) -> int:
    res = lookup(RULE_INTERVAL, region, on)
    return int(res.get("interval_months", 12)) if res else 12


@dataclass(frozen=True)
class DueStatus:
    due: bool
    next_due: dt.date | None
    interval_months: int


def due_status(elder: Elder, on: dt.date | None = None) -> DueStatus:
    """Whether the elder is due for a routine (re-)assessment on ``on``."""
    on = on or timezone.localdate()
    months = interval_months(elder.region, on)
    return DueStatus(
        due=calc.is_due(elder.last_assessed_on, on, months),
        next_due=calc.next_due(elder.last_assessed_on, months),
        interval_months=months,
    )


def _check_access(actor, elder: Elder) -> None:
    region = getattr(actor, "region", None)
    if actor is None or not getattr(actor, "is_authenticated", False) or region is None:
        raise Forbidden()
    if not in_subtree(elder.region_path or elder.region.path, region.path):
        raise NotFound()
    if actor.role not in ASSESSMENT_WRITERS:
        raise Forbidden(_("您的角色无权录入能力评估"))


def _clean_assessors(assessors: Any) -> tuple[str, str | None]:
    if isinstance(assessors, (list, tuple)):
        names = [str(a).strip() for a in assessors if str(a).strip()]
        text = "、".join(names)
    else:
        text = str(assessors or "").strip()
    if not text:
        return text, _("请填写评估员")
    if len(text) > ASSESSORS_MAX:
        return text, _("评估员最多 %(n)s 个字") % {"n": ASSESSORS_MAX}
    return text, None


def _rule_lines(rules: Rules) -> list[str]:
    lines = []
    for res in (rules.items, rules.levels, rules.adjustment):
        rule = res.decisive
        basis = "本地默认值" if rule.local_default else rule.source
        lines.append(f"依据 {res.rule_id}（区划 {rule.region_code}）：{basis}")
    return lines


def assessment_record(
    *,
    actor,
    elder: Elder,
    assessed_on: dt.date,
    reason: str,
    assessors: str | list[str],
    scores: dict[str, int],
    coma: bool = False,
    dementia_or_psychiatric: bool = False,
    risk_events_30d: int = 0,
    request=None,
) -> Assessment:
    """Record one assessment: item scores → total → base level → adjusted level.

    Raises NotFound (elder outside the actor's region), Forbidden (role), Conflict (the
    file is not active) or ValidationFailed with every bad field (``scores.<item>``,
    ``reason``, ``assessed_on``, ``assessors``, ``risk_events_30d``); nothing is written
    then. The elder's level and last assessment date follow the latest assessment by
    date, so entering an older paper form later keeps the history and changes nothing.
    """
    _check_access(actor, elder)
    if elder.status != ElderStatus.ACTIVE:
        raise Conflict(_("档案已迁出或已故，不能再录入评估"), code="elder_inactive")

    fields: dict[str, list[str]] = {}
    today = timezone.localdate()
    rules = None
    if not isinstance(assessed_on, dt.date) or isinstance(assessed_on, dt.datetime):
        fields["assessed_on"] = [_("日期格式应为 YYYY-MM-DD")]
    elif assessed_on > today:
        fields["assessed_on"] = [_("评估日期不能晚于今天")]
    else:
        rules = rules_for(elder.region, assessed_on)
        if rules is None:
            fields["assessed_on"] = [
                _("该日期没有适用的能力评估标准（GB/T 42195-2022 自 2022-12-30 起实施）")
            ]

    if rules is not None:
        if reason not in rules.reason_codes:
            fields["reason"] = [_("评估类型应为首次、常规、即时评估或复评")]
    elif reason not in AssessmentReason.values:
        fields["reason"] = [_("评估类型应为首次、常规、即时评估或复评")]

    assessors_text, assessors_error = _clean_assessors(assessors)
    if assessors_error:
        fields["assessors"] = [assessors_error]

    if isinstance(risk_events_30d, bool) or not isinstance(risk_events_30d, int):
        fields["risk_events_30d"] = [_("应为整数")]
    elif risk_events_30d < 0:
        fields["risk_events_30d"] = [_("不能小于 0")]
    elif risk_events_30d > MAX_RISK_EVENTS:
        fields["risk_events_30d"] = [_("不能大于 %(v)s") % {"v": MAX_RISK_EVENTS}]

    total = None
    if not isinstance(scores, dict):
        fields["scores"] = [_("应为 JSON 对象：评估项目代码 → 得分")]
    elif rules is not None:
        catalogue = rules.catalogue
        try:
            total = calc.score(scores, catalogue)
        except calc.ScoreError as error:
            for code, messages in error.errors.items():
                fields[f"scores.{code}"] = messages
        consciousness = catalogue.get("consciousness")
        if coma and consciousness is not None and scores.get("consciousness") not in (None, 0):
            fields.setdefault("scores.consciousness", []).append(_("昏迷者“意识水平”应评 0 分"))
            total = None

    if fields:
        raise ValidationFailed(fields=fields)
    assert rules is not None and total is not None

    labels = rules.level_labels
    base = calc.base_level(total, rules.levels.params)
    level, adjustments = calc.apply_adjustments(
        base,
        bool(coma),
        bool(dementia_or_psychiatric),
        risk_events_30d,
        rules.adjustment.params,
        labels=labels,
    )
    catalogue = rules.catalogue
    subtotals = "，".join(
        f"{dim.label} {points}/{dim.max_score}"
        for dim, points in calc.dimension_totals(scores, catalogue)
    )
    trace = [
        f"总分 {total} 分（满分 {catalogue.total_max} 分；{subtotals}）",
        *adjustments,
        *_rule_lines(rules),
    ]

    with transaction.atomic():
        elder = Elder.objects.select_for_update().select_related("region").get(pk=elder.pk)
        previous_level = elder.ability_level
        record = Assessment.objects.create(
            elder=elder,
            assessed_on=assessed_on,
            reason=reason,
            assessors=assessors_text,
            scores={item.code: scores[item.code] for item in catalogue.items},
            total=total,
            base_level=base,
            coma=bool(coma),
            dementia_or_psychiatric=bool(dementia_or_psychiatric),
            risk_events_30d=risk_events_30d,
            level=level,
            trace=trace,
            created_by=actor,
        )
        latest = elder.assessments.order_by("-assessed_on", "-id").first()
        changed = []
        if latest is not None and latest.pk == record.pk:
            elder.ability_level = level
            elder.last_assessed_on = assessed_on
            changed += ["ability_level", "last_assessed_on"]
        if dementia_or_psychiatric and not elder.dementia:
            elder.dementia = True
            changed.append("dementia")
        if changed:
            elder.save(update_fields=[*changed, "updated_at"])
        audit.record(
            actor=actor,
            action="elder.assess",
            obj=elder,
            request=request,
            detail={
                "assessment_id": record.pk,
                "assessed_on": assessed_on.isoformat(),
                "reason": reason,
                "total": total,
                "base_level": base,
                "level": level,
                "previous_level": previous_level,
                "is_latest": "ability_level" in changed,
            },
        )
        # The level feeds the risk score; derived data, stored without its own audit row.
        risk.refresh_risk(elder)
    return record


def assessment_get(elder: Elder, assessment_id: int) -> Assessment:
    """One assessment of an elder the caller has already loaded in scope."""
    try:
        return elder.assessments.get(pk=assessment_id)
    except Assessment.DoesNotExist:
        raise NotFound() from None
