"""Star ratings and grades (星级评定、等级评定): writes and scoped reads.

Rural happiness homes are rated 1–5 stars as entered. Care institutions are graded 1–5
under GB/T 37276 (``institution.grading``): the level follows from the section scores,
the highest level whose minimum total is reached and whose minimum share is reached in
every section; the trace of which level failed on what is stored with the rating.

The awards a rating brings (``facility.star_award.*``) come from the policy pack, and
are proposed only when their preconditions hold (Sanming: the village centre's name
form and the 万寿延 plaque, ``centre.naming_and_mark``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.accounts.roles import Role
from yanglao.core import audit
from yanglao.core.errors import Forbidden, ValidationFailed
from yanglao.core.scope import get_in_scope, in_subtree, path_q, scoped
from yanglao.policy import selectors as policy_selectors
from yanglao.policy.engine import Resolution
from yanglao.regions.models import Level, Region

from .models import (
    RESIDENTIAL_TYPES,
    Facility,
    FacilityType,
    RatingScheme,
    StarRating,
    VillageCentre,
)

GRADING_RULE = "institution.grading"
AWARD_PREFIX = "facility.star_award."
NAMING_RULE = "centre.naming_and_mark"

# Who records a rating (the civil-affairs bureaus rate), and who reads them.
RATERS = frozenset({Role.CITY_ADMIN, Role.COUNTY_ADMIN})
RATING_READERS = frozenset(
    {
        Role.CITY_ADMIN,
        Role.COUNTY_ADMIN,
        Role.TOWNSHIP_OFFICER,
        Role.VILLAGE_OFFICER,
        Role.PARTY_OFFICER,
        Role.FACILITY_OPERATOR,
    }
)
STAR_TYPES = frozenset({FacilityType.HAPPINESS_HOME})
PAYER_LABELS = {"city": "市级", "county": "县级", "township": "乡镇", "province": "省级"}


def may_rate(user) -> bool:
    return getattr(user, "role", None) in RATERS


# ------------------------------------------------------------------ grading (pure)


@dataclass(frozen=True)
class Section:
    code: str
    label: str
    points: Decimal


def grading_sections(params: dict[str, Any]) -> list[Section]:
    codes = list(params["sections"])
    labels = list(params.get("section_labels") or codes)
    return [
        Section(code, label, Decimal(str(points)))
        for code, label, points in zip(codes, labels, params["section_points"], strict=True)
    ]


def check_section_scores(
    raw: dict[str, Any] | None, params: dict[str, Any]
) -> tuple[dict[str, Decimal], dict[str, list[str]]]:
    """Every section present, a number from 0 to the section's maximum."""
    raw = raw if isinstance(raw, dict) else {}
    clean: dict[str, Decimal] = {}
    errors: dict[str, list[str]] = {}
    sections = grading_sections(params)
    for section in sections:
        key = f"section_scores.{section.code}"
        value = raw.get(section.code)
        if value in (None, ""):
            errors[key] = [_("请填写“%(s)s”得分") % {"s": section.label}]
            continue
        try:
            score = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            errors[key] = [_("“%(s)s”得分应为数字") % {"s": section.label}]
            continue
        if not score.is_finite() or score < 0:
            errors[key] = [_("“%(s)s”得分不能为负数") % {"s": section.label}]
        elif score > section.points:
            errors[key] = [
                _("“%(s)s”得分不能超过该部分满分 %(max)s 分")
                % {"s": section.label, "max": section.points}
            ]
        else:
            clean[section.code] = score.quantize(Decimal("0.01"))
    unknown = set(raw) - {s.code for s in sections}
    if unknown:
        errors["section_scores"] = [_("未知的评分部分：%(x)s") % {"x": "、".join(sorted(unknown))}]
    return clean, errors


@dataclass(frozen=True)
class GradeResult:
    level: int | None
    total: Decimal
    trace: dict[str, Any]


def grade_of(scores: dict[str, Decimal], params: dict[str, Any]) -> GradeResult:
    """The highest level whose minimum total and every section's minimum share are met.

    Pure: ``params`` are those of ``institution.grading``; scores are already checked."""
    sections = grading_sections(params)
    total = sum((scores[s.code] for s in sections), Decimal("0"))
    shares = {s.code: (scores[s.code] / s.points) for s in sections}
    levels = list(params["levels"])
    labels = list(params.get("level_labels") or [str(n) for n in levels])
    level_rows = []
    reached: int | None = None
    for level, label, min_total, min_share in zip(
        levels, labels, params["min_total"], params["min_section_share"], strict=True
    ):
        min_total_d = Decimal(str(min_total))
        min_share_d = Decimal(str(min_share))
        failures: list[dict[str, Any]] = []
        if total < min_total_d:
            failures.append({"kind": "total", "need": str(min_total_d), "got": str(total)})
        for s in sections:
            if shares[s.code] < min_share_d:
                failures.append(
                    {
                        "kind": "section",
                        "section": s.code,
                        "label": s.label,
                        "need": str(min_share_d),
                        "need_points": str((min_share_d * s.points).quantize(Decimal("0.01"))),
                        "got": str(scores[s.code]),
                        "got_share": str(shares[s.code].quantize(Decimal("0.0001"))),
                    }
                )
        ok = not failures
        if ok:
            reached = int(level)
        level_rows.append(
            {
                "level": int(level),
                "label": label,
                "min_total": str(min_total_d),
                "min_share": str(min_share_d),
                "reached": ok,
                "failures": failures,
            }
        )
    trace = {
        "sections": [
            {
                "code": s.code,
                "label": s.label,
                "points": str(s.points),
                "score": str(scores[s.code]),
                "share": str(shares[s.code].quantize(Decimal("0.0001"))),
            }
            for s in sections
        ],
        "total": str(total),
        "levels": level_rows,
        "level": reached,
    }
    return GradeResult(level=reached, total=total, trace=trace)


def _rule_trace(resolution: Resolution) -> dict[str, Any]:
    return {
        "rule_id": resolution.rule_id,
        "title": resolution.title,
        "source": resolution.decisive.source,
        "region": resolution.decisive.region_code,
    }


# ------------------------------------------------------------------ writes


def _parse_date(value, key: str, errors: dict[str, list[str]]) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors[key] = [_("日期格式应为 YYYY-MM-DD")]
        return None


def rating_record(
    *,
    actor,
    facility: Facility,
    rated_on,
    stars=None,
    section_scores: dict[str, Any] | None = None,
    assessor: str = "",
    valid_until=None,
    scheme: str | None = None,
    request=None,
    today: dt.date | None = None,
) -> StarRating:
    """Record one rating of a facility: stars for a happiness home, a GB/T 37276 grade
    from the section scores for an institution. Ratings are history: never edited."""
    if not may_rate(actor) or not in_subtree(facility.region_path, actor.region.path):
        raise Forbidden(_("您的角色不能为该设施评定星级或等级"))
    today = today or timezone.localdate()
    expected = (
        RatingScheme.STARS
        if facility.type in STAR_TYPES
        else RatingScheme.GRADE
        if facility.type in RESIDENTIAL_TYPES
        else None
    )
    errors: dict[str, list[str]] = {}
    if expected is None:
        raise ValidationFailed(
            _("该类型的设施不参加星级或等级评定"),
            fields={"facility": [_("只有农村幸福院评星级，养老机构评等级")]},
        )
    scheme = scheme or expected
    if scheme != expected:
        errors["scheme"] = [
            _("农村幸福院评星级（1–5星）")
            if expected == RatingScheme.STARS
            else _("养老机构按 GB/T 37276 评等级，请填写各部分得分")
        ]
    day = _parse_date(rated_on, "rated_on", errors)
    if day is None and "rated_on" not in errors:
        errors["rated_on"] = [_("请填写评定日期")]
    elif day is not None and day > today:
        errors["rated_on"] = [_("评定日期不能晚于今天")]
    until = _parse_date(valid_until, "valid_until", errors)
    if until is not None and day is not None and until < day:
        errors["valid_until"] = [_("有效期不能早于评定日期")]
    assessor = (assessor or "").strip()
    if len(assessor) > 100:
        errors["assessor"] = [_("最多 100 个字符")]
    level: int | None = None
    total: Decimal | None = None
    scores_json: dict[str, str] = {}
    trace: dict[str, Any] = {}
    if expected == RatingScheme.STARS:
        try:
            level = int(str(stars).strip())
        except (TypeError, ValueError):
            errors["stars"] = [_("请选择 1–5 星")]
        else:
            if not 1 <= level <= 5:
                errors["stars"] = [_("星级应为 1–5 星")]
        if section_scores:
            errors["section_scores"] = [_("农村幸福院按星级录入，不填分项得分")]
        trace = {"entered": True}
    elif day is not None:
        resolution = policy_selectors.lookup(GRADING_RULE, facility.region, day)
        if resolution is None:
            errors["rated_on"] = [_("该日期没有适用的养老机构等级评定规则（GB/T 37276）")]
        else:
            clean, score_errors = check_section_scores(section_scores, resolution.params)
            errors.update(score_errors)
            if not score_errors:
                result = grade_of(clean, resolution.params)
                level, total = result.level, result.total
                scores_json = {k: str(v) for k, v in clean.items()}
                trace = {**result.trace, "rule": _rule_trace(resolution)}
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        rating = StarRating.objects.create(
            facility=facility,
            region_path=facility.region_path,
            scheme=expected,
            rated_on=day,
            stars=level,
            section_scores=scores_json,
            total=total,
            assessor=assessor,
            valid_until=until,
            trace=trace,
            created_by=actor,
        )
        audit.record(
            actor=actor,
            action="facility.rating",
            obj=rating,
            region=facility.region,
            request=request,
            detail={
                "facility": facility.pk,
                "scheme": expected,
                "stars": level,
                "total": str(total) if total is not None else None,
            },
        )
    return rating


# ------------------------------------------------------------------ awards


@dataclass
class Precondition:
    rule_id: str
    title: str
    source: str
    met: bool
    missing: list[str] = field(default_factory=list)


@dataclass
class AwardProposal:
    rule_id: str
    title: str
    source: str
    amount: Decimal
    payer: str
    payer_label: str
    preconditions: list[Precondition]

    @property
    def proposed(self) -> bool:
        return all(p.met for p in self.preconditions)

    @property
    def missing(self) -> list[str]:
        return [m for p in self.preconditions for m in p.missing]


def centre_of(facility: Facility) -> VillageCentre | None:
    """The village centre running the facility: linked to it, else the village's centre."""
    centre = VillageCentre.objects.filter(facility=facility).first()
    if centre is None:
        centre = VillageCentre.objects.filter(village_id=facility.region_id).first()
    return centre


def naming_check(centre: VillageCentre | None, resolution: Resolution) -> tuple[bool, list[str]]:
    """The Sanming name form and plaque (pure over the centre and the rule)."""
    params = resolution.params
    missing: list[str] = []
    if centre is None:
        return False, [_("该幸福院没有登记的村级养老服务中心")]
    pattern = params.get("name_regex")
    if pattern and not re.search(pattern, centre.registered_name or ""):
        missing.append(
            _("中心名称“%(n)s”不符合“%(p)s”格式")
            % {"n": centre.registered_name, "p": params.get("name_pattern", pattern)}
        )
    if params.get("plaque_mark") and not centre.plaque_mark:
        missing.append(_("牌匾未镶嵌“%(m)s”标识") % {"m": params.get("mark", "万寿延")})
    return not missing, missing


def _precondition(rule_id: str, facility: Facility, on: dt.date) -> Precondition:
    resolution = policy_selectors.lookup(rule_id, facility.region, on)
    if resolution is None:  # the precondition does not apply here
        return Precondition(rule_id, rule_id, "", True)
    if rule_id == NAMING_RULE:
        met, missing = naming_check(centre_of(facility), resolution)
    else:  # a precondition this code does not know how to check is never assumed met
        met, missing = False, [_("无法自动核验前提条件 %(r)s，请人工核实") % {"r": rule_id}]
    return Precondition(rule_id, resolution.title, resolution.decisive.source, met, missing)


def award_rules(region: Region, on: dt.date) -> list[Resolution]:
    ids = (
        policy_selectors.ancestor_rules(region)
        .filter(rule_id__startswith=AWARD_PREFIX)
        .values_list("rule_id", flat=True)
        .distinct()
    )
    out = []
    for rule_id in sorted(set(ids)):
        resolution = policy_selectors.lookup(rule_id, region, on)
        if resolution is not None:
            out.append(resolution)
    return out


def award_proposals(rating: StarRating, on: dt.date | None = None) -> list[AwardProposal]:
    """The awards the pack gives for this rating, each with its preconditions checked."""
    facility = rating.facility
    on = on or rating.rated_on
    out = []
    for resolution in award_rules(facility.region, on):
        params = resolution.params
        if params.get("facility_type") and params["facility_type"] != facility.type:
            continue
        if params.get("star") is None or int(params["star"]) != rating.stars:
            continue
        if "amount" not in params:
            continue
        payer = str(params.get("payer", ""))
        out.append(
            AwardProposal(
                rule_id=resolution.rule_id,
                title=resolution.title,
                source=resolution.decisive.source,
                amount=Decimal(str(params["amount"])),
                payer=payer,
                payer_label=PAYER_LABELS.get(payer, payer),
                preconditions=[
                    _precondition(r, facility, on) for r in params.get("requires") or []
                ],
            )
        )
    return out


# ------------------------------------------------------------------ reads


def facilities_for(user) -> QuerySet[Facility]:
    return scoped(Facility.objects.all(), user, path_lookup="region_path")


def facility_get(user, pk: int) -> Facility:
    return get_in_scope(
        Facility.objects.select_related("region"), user, path_lookup="region_path", pk=pk
    )


def ratings_for(
    user,
    *,
    q: str = "",
    scheme: str = "",
    stars: int | None = None,
    region_code: str | None = None,
    facility_id: int | None = None,
) -> QuerySet[StarRating]:
    qs = scoped(
        StarRating.objects.select_related("facility", "facility__region"),
        user,
        path_lookup="region_path",
    )
    if region_code:
        region = Region.objects.filter(code=region_code).only("path").first()
        qs = qs.filter(path_q(region.path, "region_path")) if region else qs.none()
    if scheme:
        qs = qs.filter(scheme=scheme)
    if stars:
        qs = qs.filter(stars=stars)
    if facility_id:
        qs = qs.filter(facility_id=facility_id)
    if q:
        qs = qs.filter(facility__name__icontains=q.strip())
    return qs.order_by("-rated_on", "-id")


def rating_get(user, pk: int) -> StarRating:
    return get_in_scope(
        StarRating.objects.select_related("facility", "facility__region", "created_by"),
        user,
        path_lookup="region_path",
        pk=pk,
    )


def facility_ratings(user, facility: Facility) -> list[StarRating]:
    """The rating history of one facility (already fetched in scope)."""
    return list(ratings_for(user, facility_id=facility.pk))


def current_stars(
    region: Region, on: dt.date, *, facility_type: str = FacilityType.HAPPINESS_HOME
) -> dict[int, StarRating]:
    """The rating in force on ``on`` of each facility of the type under ``region``:
    the latest rated on or before that day and not expired."""
    qs = (
        StarRating.objects.filter(
            path_q(region.path, "region_path"),
            facility__type=facility_type,
            rated_on__lte=on,
        )
        .exclude(valid_until__lt=on)
        .order_by("facility_id", "-rated_on", "-id")
        .only("id", "facility_id", "region_path", "stars", "rated_on")
    )
    latest: dict[int, StarRating] = {}
    for rating in qs:
        latest.setdefault(rating.facility_id, rating)
    return latest


@dataclass
class CountyStars:
    county: Region
    five: int
    four: int
    five_target: Resolution | None
    four_target: Resolution | None

    @property
    def five_met(self) -> bool | None:
        if self.five_target is None:
            return None
        return self.five >= int(Decimal(str(self.five_target.params["threshold"])))

    @property
    def four_met(self) -> bool | None:
        if self.four_target is None:
            return None
        return self.four >= int(Decimal(str(self.four_target.params["threshold"])))


def target_for(indicator: str, region: Region, on: dt.date) -> Resolution | None:
    for resolution in policy_selectors.targets_for(region, on):
        if resolution.params.get("indicator") == indicator:
            return resolution
    return None


def counties_under(region: Region) -> list[Region]:
    if region.level == Level.COUNTY:
        return [region]
    if region.level > Level.COUNTY:
        county = Region.objects.filter(code=region.path.split(".")[3]).first()
        return [county] if county else []
    return list(
        Region.objects.filter(
            path_q(region.path, "path"), level=Level.COUNTY, valid_to=None
        ).order_by("code")
    )


def star_counts(
    user, on: dt.date | None = None, region_code: str | None = None
) -> list[CountyStars]:
    """Each county's count of five- and four-star happiness homes against its targets."""
    on = on or timezone.localdate()
    region = user.region
    if region_code:
        region = get_in_scope(Region.objects.all(), user, field="", code=region_code)
    counties = counties_under(region) if region.level >= Level.CITY else []
    if region.level > Level.COUNTY:  # below a county: its own area only
        counties = []
    latest = current_stars(region, on)
    counts: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for rating in latest.values():
        parts = rating.region_path.split(".")
        if len(parts) > 3 and rating.stars:
            counts[parts[3]][rating.stars] += 1
    rows = []
    for county in counties:
        rows.append(
            CountyStars(
                county=county,
                five=counts[county.code][5],
                four=counts[county.code][4],
                five_target=target_for("five_star_happiness_homes_per_county", county, on),
                four_target=target_for("four_star_happiness_homes_per_county", county, on),
            )
        )
    return [r for r in rows if r.five or r.four or r.five_target or r.four_target]


def county_star_count(county: Region, star: int, on: dt.date) -> int:
    return sum(1 for r in current_stars(county, on).values() if r.stars == star)
