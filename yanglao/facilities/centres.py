"""Sanming village elder-care service centres (村级养老服务中心, 民非): writes and scoped
reads, the issues each centre has against the pack, and the coverage of administrative
villages per county.

Refused: what cannot be true (a bad unified social credit code, a village outside the
caller's scope). Flagged, not refused: what the pack asks for but a centre may not yet
have (start-up funds below the minimum, the name form, the 万寿延 plaque, the rules it
keeps) are gaps; the chairman not being the village Party secretary (the seed says
"一般") and a secretary-general who is not an old Party member are warnings.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as StdnumError

from yanglao.accounts.roles import Role
from yanglao.core import audit
from yanglao.core.errors import Conflict, Forbidden, ValidationFailed
from yanglao.core.scope import get_in_scope, in_subtree, path_q, scoped
from yanglao.policy import selectors as policy_selectors
from yanglao.policy.engine import Resolution
from yanglao.regions.models import Level, Region

from .models import Facility, FacilityStatus, FacilityType, VillageCentre

REGISTRATION_RULE = "centre.registration"
GOVERNANCE_RULE = "centre.governance"
NAMING_RULE = "centre.naming_and_mark"
COVERAGE_INDICATOR = "registered_centre_coverage"
HOME_SHARE_INDICATOR = "happiness_home_village_centre_registration_share"
MARK_INDICATOR = "registered_centre_mark_share"

CENTRE_WRITERS = frozenset(
    {Role.CITY_ADMIN, Role.COUNTY_ADMIN, Role.TOWNSHIP_OFFICER, Role.VILLAGE_OFFICER}
)
CENTRE_READERS = CENTRE_WRITERS | {Role.PARTY_OFFICER}
RULE_CODES = ["finance", "safety", "food", "hygiene"]  # the fallback when no rule applies
RULE_LABELS = {"finance": "财务", "safety": "安全", "food": "食品", "hygiene": "卫生"}


def may_write(user) -> bool:
    return getattr(user, "role", None) in CENTRE_WRITERS


def is_administrative_village(region: Region) -> bool:
    """建制村: a village-level region whose statistical code is a 村委会 (the last three
    digits 2xx–3xx), not a 居委会 (community, 0xx–1xx)."""
    return region.level == Level.VILLAGE and is_village_code(region.code)


def is_village_code(code: str) -> bool:
    return len(code) == 12 and code[9] in "23"


def administrative_villages(region: Region) -> QuerySet[Region]:
    qs = Region.objects.filter(path_q(region.path, "path"), level=Level.VILLAGE, valid_to=None)
    return qs.filter(code__regex=r"^[0-9]{9}[23][0-9]{2}$")


def registered_q(prefix: str = "") -> Q:
    return ~Q(**{f"{prefix}credit_code": ""}) & Q(**{f"{prefix}registered_on__isnull": False})


# ------------------------------------------------------------------ issues (pure over data)


@dataclass(frozen=True)
class Issue:
    code: str
    severity: str  # "gap" (the pack asks for it) or "warning" (generally expected)
    field: str
    message: str
    rule_id: str
    source: str


def _rules(region: Region, on: dt.date) -> dict[str, Resolution | None]:
    return {
        rule_id: policy_selectors.lookup(rule_id, region, on)
        for rule_id in (REGISTRATION_RULE, GOVERNANCE_RULE, NAMING_RULE)
    }


def required_rules(region: Region, on: dt.date) -> list[tuple[str, str]]:
    resolution = policy_selectors.lookup(GOVERNANCE_RULE, region, on)
    if resolution is None:
        return [(c, RULE_LABELS[c]) for c in RULE_CODES]
    codes = list(resolution.params.get("required_rules") or [])
    labels = list(resolution.params.get("required_rule_labels") or codes)
    if len(labels) != len(codes):
        labels = codes
    return list(zip(codes, labels, strict=True))


def issues_of(centre: VillageCentre, rules: dict[str, Resolution | None]) -> list[Issue]:
    """What the centre lacks against the rules that apply to its village."""
    out: list[Issue] = []
    reg = rules.get(REGISTRATION_RULE)
    if reg is not None:
        minimum = Decimal(str(reg.params.get("min_start_up_funds", "0")))
        if not centre.registered:
            out.append(
                Issue(
                    "not_registered",
                    "gap",
                    "credit_code",
                    _("尚未登记为民非（缺统一社会信用代码或登记日期）"),
                    reg.rule_id,
                    reg.decisive.source,
                )
            )
        funds = centre.start_up_funds
        if funds is None or funds < minimum:
            out.append(
                Issue(
                    "funds",
                    "gap",
                    "start_up_funds",
                    _("开办资金%(f)s，低于规定的 %(m)s 元")
                    % {
                        "f": _("未填写") if funds is None else f" {funds:.2f} 元",
                        "m": f"{minimum:,.0f}",
                    },
                    reg.rule_id,
                    reg.decisive.source,
                )
            )
    name_rule = rules.get(NAMING_RULE)
    if name_rule is not None:
        params = name_rule.params
        pattern = params.get("name_regex")
        if pattern and not re.search(pattern, centre.registered_name or ""):
            out.append(
                Issue(
                    "name",
                    "gap",
                    "registered_name",
                    _("名称应为“%(p)s”格式（星级奖补的前提条件）")
                    % {"p": params.get("name_pattern", pattern)},
                    name_rule.rule_id,
                    name_rule.decisive.source,
                )
            )
        if params.get("plaque_mark") and not centre.plaque_mark:
            out.append(
                Issue(
                    "mark",
                    "gap",
                    "plaque_mark",
                    _("牌匾未镶嵌“%(m)s”标识（星级奖补的前提条件）")
                    % {"m": params.get("mark", "万寿延")},
                    name_rule.rule_id,
                    name_rule.decisive.source,
                )
            )
    gov = rules.get(GOVERNANCE_RULE)
    if gov is not None:
        params = gov.params
        if params.get("chairman") == "village_party_secretary" and not (
            centre.chairman_is_party_secretary
        ):
            out.append(
                Issue(
                    "chairman",
                    "warning" if params.get("chairman_enforcement", "flag") == "flag" else "gap",
                    "chairman_is_party_secretary",
                    _("理事长一般由村党组织书记兼任，本中心不是"),
                    gov.rule_id,
                    gov.decisive.source,
                )
            )
        if params.get("secretary_general") == "old_party_member" and not (
            centre.secretary_general_old_member
        ):
            out.append(
                Issue(
                    "secretary_general",
                    "warning",
                    "secretary_general_old_member",
                    _("秘书长应由老党员担任"),
                    gov.rule_id,
                    gov.decisive.source,
                )
            )
        if not (centre.supervisors or "").strip():
            out.append(
                Issue(
                    "supervisors",
                    "warning",
                    "supervisors",
                    _("未设监事（可邀请乡贤、社会工作者担任）"),
                    gov.rule_id,
                    gov.decisive.source,
                )
            )
        required = list(params.get("required_rules") or [])
        labels = dict(zip(required, params.get("required_rule_labels") or required, strict=False))
        missing = [labels.get(c, c) for c in required if c not in (centre.rules_kept or [])]
        if missing:
            out.append(
                Issue(
                    "rules",
                    "gap",
                    "rules_kept",
                    _("尚未建立制度：%(x)s") % {"x": "、".join(missing)},
                    gov.rule_id,
                    gov.decisive.source,
                )
            )
    return out


def centre_issues(centre: VillageCentre, on: dt.date | None = None) -> list[Issue]:
    return issues_of(centre, _rules(centre.village, on or timezone.localdate()))


# ------------------------------------------------------------------ writes


def check_credit_code(value: str) -> tuple[str, str | None]:
    """(compact code, error message or None)."""
    code = (value or "").strip().upper().replace(" ", "").replace("-", "")
    if not code:
        return "", None
    try:
        return uscc.validate(code), None
    except StdnumError as exc:
        if isinstance(exc, uscc.InvalidChecksum):
            return code, _("统一社会信用代码校验位不正确，请核对")
        if isinstance(exc, uscc.InvalidLength):
            return code, _("统一社会信用代码应为 18 位")
        return code, _("统一社会信用代码格式不正确")


FIELDS = (
    "registered_name",
    "credit_code",
    "registered_on",
    "start_up_funds",
    "plaque_mark",
    "chairman_name",
    "chairman_is_party_secretary",
    "secretary_general_name",
    "secretary_general_old_member",
    "supervisors",
    "rules_kept",
    "converted_from_association",
    "facility_id",
)


def _clean(
    actor, village: Region, data: dict[str, Any], today: dt.date
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    name = str(data.get("registered_name") or "").strip()
    if not name:
        errors["registered_name"] = [_("请填写中心名称")]
    elif len(name) > 100:
        errors["registered_name"] = [_("最多 100 个字符")]
    out["registered_name"] = name
    code, message = check_credit_code(str(data.get("credit_code") or ""))
    if message:
        errors["credit_code"] = [message]
    out["credit_code"] = code
    registered_on = data.get("registered_on")
    if registered_on in (None, ""):
        registered_on = None
    elif not isinstance(registered_on, dt.date):
        try:
            registered_on = dt.date.fromisoformat(str(registered_on))
        except ValueError:
            errors["registered_on"] = [_("日期格式应为 YYYY-MM-DD")]
            registered_on = None
    if registered_on is not None and registered_on > today:
        errors["registered_on"] = [_("登记日期不能晚于今天")]
    if code and registered_on is None and "registered_on" not in errors:
        errors["registered_on"] = [_("已有统一社会信用代码，请填写登记日期")]
    if registered_on is not None and not code and "credit_code" not in errors:
        errors["credit_code"] = [_("已登记的中心请填写统一社会信用代码")]
    out["registered_on"] = registered_on
    funds = data.get("start_up_funds")
    if funds in (None, ""):
        out["start_up_funds"] = None
    else:
        try:
            value = Decimal(str(funds).replace(",", "").strip())
        except (InvalidOperation, ValueError):
            errors["start_up_funds"] = [_("开办资金应为金额（元）")]
            value = None
        if value is not None and (not value.is_finite() or value < 0):
            errors["start_up_funds"] = [_("开办资金不能为负数")]
        elif value is not None and value >= Decimal("1e10"):
            errors["start_up_funds"] = [_("开办资金过大，请核对")]
        out["start_up_funds"] = (
            value.quantize(Decimal("0.01")) if "start_up_funds" not in errors else None
        )
    for key in (
        "plaque_mark",
        "chairman_is_party_secretary",
        "secretary_general_old_member",
        "converted_from_association",
    ):
        out[key] = bool(data.get(key))
    for key, limit in (("chairman_name", 50), ("secretary_general_name", 50), ("supervisors", 200)):
        text = str(data.get(key) or "").strip()
        if len(text) > limit:
            errors[key] = [_("最多 %(n)s 个字符") % {"n": limit}]
        out[key] = text
    known = [c for c, _label in required_rules(village, today)]
    kept = data.get("rules_kept") or []
    if isinstance(kept, str):
        kept = [k for k in kept.split(",") if k]
    unknown = [k for k in kept if k not in known]
    if unknown:
        errors["rules_kept"] = [_("未知的制度：%(x)s") % {"x": "、".join(unknown)}]
    out["rules_kept"] = [k for k in known if k in kept]
    facility_id = data.get("facility_id")
    out["facility"] = None
    if facility_id not in (None, ""):
        facility = (
            scoped(Facility.objects.all(), actor, path_lookup="region_path")
            .filter(pk=facility_id)
            .first()
        )
        if facility is None:
            errors["facility_id"] = [_("所选幸福院不存在或不在您的管辖范围内")]
        elif not in_subtree(facility.region_path, village.path):
            errors["facility_id"] = [_("所选幸福院不在该村")]
        else:
            out["facility"] = facility
    return out, errors


def _village_for(actor, village_code: str) -> Region:
    village = Region.objects.filter(code=(village_code or "").strip()).first()
    if village is None or not in_subtree(village.path, actor.region.path):
        raise ValidationFailed(fields={"village": [_("该村不存在或不在您的管辖范围内")]})
    if not is_administrative_village(village) or village.valid_to is not None:
        raise ValidationFailed(fields={"village": [_("请选择一个建制村（不是社区）")]})
    return village


def centre_save(
    *,
    actor,
    data: dict[str, Any],
    centre: VillageCentre | None = None,
    village_code: str | None = None,
    request=None,
    today: dt.date | None = None,
) -> VillageCentre:
    """Create (``village_code``) or update (``centre``) a village centre. Gaps and
    warnings do not refuse the save; read them with ``centre_issues``."""
    if not may_write(actor):
        raise Forbidden(_("您的角色不能登记村级养老服务中心"))
    today = today or timezone.localdate()
    if centre is None:
        village = _village_for(actor, village_code or "")
    else:
        if not in_subtree(centre.region_path, actor.region.path):
            raise Forbidden()
        village = centre.village
    clean, errors = _clean(actor, village, data, today)
    if errors:
        raise ValidationFailed(fields=errors)
    if centre is None and VillageCentre.objects.filter(village=village).exists():
        raise Conflict(
            _("该村已有养老服务中心"), fields={"village": [_("一个建制村只登记一个中心")]}
        )
    if (
        clean["credit_code"]
        and VillageCentre.objects.filter(credit_code=clean["credit_code"])
        .exclude(pk=getattr(centre, "pk", None))
        .exists()
    ):
        raise Conflict(fields={"credit_code": [_("该统一社会信用代码已被另一个中心使用")]})
    try:
        with transaction.atomic():
            if centre is None:
                centre = VillageCentre.objects.create(
                    village=village, region_path=village.path, created_by=actor, **clean
                )
                action = "centre.create"
                changed = sorted(clean)
            else:
                changed = [
                    k
                    for k, v in clean.items()
                    if getattr(centre, k if k != "facility" else "facility") != v
                ]
                for key, value in clean.items():
                    setattr(centre, key, value)
                centre.save()
                action = "centre.update"
            audit.record(
                actor=actor,
                action=action,
                obj=centre,
                region=village,
                request=request,
                detail={"changed": changed},
            )
    except IntegrityError:
        raise Conflict(
            _("该村已有养老服务中心"), fields={"village": [_("一个建制村只登记一个中心")]}
        ) from None
    return centre


# ------------------------------------------------------------------ reads


def centres_for(
    user,
    *,
    q: str = "",
    region_code: str | None = None,
    registered: bool | None = None,
    mark: bool | None = None,
    issue: str = "",
    on: dt.date | None = None,
) -> QuerySet[VillageCentre]:
    """Centres in scope. ``issue``: chairman, secretary_general, name, funds, mark, any."""
    qs = scoped(
        VillageCentre.objects.select_related("village", "facility"),
        user,
        path_lookup="region_path",
    )
    if region_code:
        region = Region.objects.filter(code=region_code).only("path").first()
        qs = qs.filter(path_q(region.path, "region_path")) if region else qs.none()
    if registered is True:
        qs = qs.filter(registered_q())
    elif registered is False:
        qs = qs.exclude(registered_q())
    if mark is not None:
        qs = qs.filter(plaque_mark=mark)
    if issue:
        qs = qs.filter(_issue_q(user, issue, on or timezone.localdate()))
    if q:
        qs = qs.filter(
            Q(registered_name__icontains=q) | Q(village__name__icontains=q) | Q(credit_code=q)
        )
    return qs.order_by("region_path")


def _issue_q(user, issue: str, on: dt.date) -> Q:
    region = user.region
    reg = policy_selectors.lookup(REGISTRATION_RULE, region, on)
    naming = policy_selectors.lookup(NAMING_RULE, region, on)
    parts = {
        "chairman": Q(chairman_is_party_secretary=False),
        "secretary_general": Q(secretary_general_old_member=False),
        "mark": Q(plaque_mark=False),
        "unregistered": ~registered_q(),
    }
    if reg is not None:
        minimum = Decimal(str(reg.params.get("min_start_up_funds", "0")))
        parts["funds"] = Q(start_up_funds__isnull=True) | Q(start_up_funds__lt=minimum)
    if naming is not None and naming.params.get("name_regex"):
        parts["name"] = ~Q(registered_name__regex=naming.params["name_regex"])
    if issue == "any":
        combined = Q(pk__in=[])
        for part in parts.values():
            combined |= part
        return combined
    return parts.get(issue, Q())


def centre_get(user, pk: int) -> VillageCentre:
    return get_in_scope(
        VillageCentre.objects.select_related("village", "facility"),
        user,
        path_lookup="region_path",
        pk=pk,
    )


def village_homes(user, village: Region) -> QuerySet[Facility]:
    return scoped(Facility.objects.all(), user, path_lookup="region_path").filter(
        path_q(village.path, "region_path"), type=FacilityType.HAPPINESS_HOME
    )


@dataclass
class Coverage:
    region: Region
    villages: int
    registered: int
    home_villages: int
    home_villages_registered: int
    registered_with_mark: int
    target: Resolution | None
    home_target: Resolution | None
    mark_target: Resolution | None

    @staticmethod
    def _share(n: int, d: int) -> Decimal | None:
        return (Decimal(n) / Decimal(d)).quantize(Decimal("0.0001")) if d else None

    @property
    def share(self) -> Decimal | None:
        return self._share(self.registered, self.villages)

    @property
    def home_share(self) -> Decimal | None:
        return self._share(self.home_villages_registered, self.home_villages)

    @property
    def mark_share(self) -> Decimal | None:
        return self._share(self.registered_with_mark, self.registered)

    @staticmethod
    def _met(value: Decimal | None, target: Resolution | None) -> bool | None:
        if target is None or value is None:
            return None
        return value >= Decimal(str(target.params["threshold"]))

    @property
    def met(self) -> bool | None:
        return self._met(self.share, self.target)

    @property
    def home_met(self) -> bool | None:
        return self._met(self.home_share, self.home_target)

    @property
    def mark_met(self) -> bool | None:
        return self._met(self.mark_share, self.mark_target)


def _target(indicator: str, region: Region, on: dt.date) -> Resolution | None:
    for resolution in policy_selectors.targets_for(region, on):
        if resolution.params.get("indicator") == indicator:
            return resolution
    return None


def coverage_of(region: Region, on: dt.date) -> Coverage:
    """Administrative villages under ``region`` with a centre registered by ``on``."""
    villages = set(administrative_villages(region).values_list("code", flat=True))
    centres = VillageCentre.objects.filter(path_q(region.path, "region_path")).values_list(
        "village_id", "credit_code", "registered_on", "plaque_mark"
    )
    registered: set[str] = set()
    marked = 0
    for village_id, code, registered_on, mark in centres:
        if code and registered_on and registered_on <= on and village_id in villages:
            registered.add(village_id)
            marked += 1 if mark else 0
    homes = set(
        Facility.objects.filter(
            path_q(region.path, "region_path"), type=FacilityType.HAPPINESS_HOME
        )
        .exclude(status__in=[FacilityStatus.CLOSED, FacilityStatus.PLANNED])
        .values_list("region_id", flat=True)
    )
    home_villages = homes & villages
    return Coverage(
        region=region,
        villages=len(villages),
        registered=len(registered),
        home_villages=len(home_villages),
        home_villages_registered=len(home_villages & registered),
        registered_with_mark=marked,
        target=_target(COVERAGE_INDICATOR, region, on),
        home_target=_target(HOME_SHARE_INDICATOR, region, on),
        mark_target=_target(MARK_INDICATOR, region, on),
    )


def coverage(user, *, region_code: str | None = None, on: dt.date | None = None) -> list[Coverage]:
    """One row per county under the region in scope (the region itself when at or below
    a county)."""
    on = on or timezone.localdate()
    region = user.region
    if region_code:
        region = get_in_scope(Region.objects.all(), user, field="", code=region_code)
    if region.level >= Level.COUNTY:
        return [coverage_of(region, on)]
    counties = Region.objects.filter(
        path_q(region.path, "path"), level=Level.COUNTY, valid_to=None
    ).order_by("code")
    rows = [coverage_of(c, on) for c in counties]
    return [r for r in rows if r.villages]
