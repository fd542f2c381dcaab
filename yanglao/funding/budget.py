"""Budget what-if (issue 7, item 7): for a region and a year, the cost to each paying
level of the planned tasks under the rules in force, and the effect of changing a rule
value without changing the rule.

The planned tasks are the planning app's: the construction task tables (facilities of a
type to build per township and year) and the urban community project applications (not
rejected) of the year. Each is priced with the estimator, per facility, times the count.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db.models import Q
from django.utils.translation import gettext as _

from yanglao.core.errors import ValidationFailed
from yanglao.core.scope import path_q, scoped
from yanglao.facilities.models import FacilityType
from yanglao.planning import tasks as planning_tasks
from yanglao.planning.models import ProjectApplication, ProjectStatus, TaskTable
from yanglao.regions.models import Region

from . import rules, selectors


@dataclass
class PlannedItem:
    label: str
    region: Region
    facility_type: str
    count: int
    floor_area_m2: Decimal | None = None

    @property
    def type_label(self) -> str:
        return str(FacilityType(self.facility_type).label)


@dataclass
class BudgetLine:
    item: PlannedItem
    base: dict[str, Decimal]
    what_if: dict[str, Decimal]
    parts: list[rules.Part] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # facts the rules need and we lack

    @property
    def base_total(self) -> Decimal:
        return sum(self.base.values(), Decimal("0.00"))

    @property
    def what_if_total(self) -> Decimal:
        return sum(self.what_if.values(), Decimal("0.00"))


@dataclass
class Budget:
    region: Region
    year: int
    on: dt.date
    overrides: dict[str, dict[str, str]]
    lines: list[BudgetLine]

    def totals(self, which: str) -> dict[str, Decimal]:
        out = {level: Decimal("0.00") for level in rules.LEVELS}
        for line in self.lines:
            for level, amount in getattr(line, which).items():
                out[level] = out.get(level, Decimal("0.00")) + amount
        return out

    @property
    def rows(self) -> list[dict]:
        base, what_if = self.totals("base"), self.totals("what_if")
        return [
            {
                "level": level,
                "base": base[level],
                "what_if": what_if[level],
                "delta": what_if[level] - base[level],
            }
            for level in rules.LEVELS
        ]


def planned_items(actor, region: Region, year: int) -> list[PlannedItem]:
    items: list[PlannedItem] = []
    tables = scoped(TaskTable.objects.select_related("region"), actor, path_lookup="region_path")
    tables = tables.filter(
        Q(path_q(region.path, "region_path")) | Q(region_path__in=_ancestors(region))
    ).filter(year_from__lte=year, year_to__gte=year)
    for table in tables:
        columns = [
            c for c in table.columns if c["kind"] == planning_tasks.TASK and c.get("year") == year
        ]
        for row in table.rows.select_related("township").filter(is_total=False):
            place = row.township or table.region
            if not (place.path == region.path or place.path.startswith(region.path + ".")):
                continue
            for col in columns:
                try:
                    count = int(row.values.get(col["key"]) or 0)
                except (TypeError, ValueError):
                    continue
                if count > 0 and col.get("type") in FacilityType.values:
                    items.append(
                        PlannedItem(
                            label=f"{table.title} · {row.label} · {col.get('label', '')}",
                            region=place,
                            facility_type=col["type"],
                            count=count,
                        )
                    )
    applications = scoped(
        ProjectApplication.objects.select_related("county", "community"),
        actor,
        path_lookup="region_path",
    ).filter(path_q(region.path, "region_path"), year=year)
    for app in applications.exclude(status=ProjectStatus.REJECTED).order_by("county_id", "id"):
        items.append(
            PlannedItem(
                label=app.name,
                region=app.community or app.county,
                facility_type=FacilityType.URBAN_COMMUNITY_PROJECT,
                count=1,
                floor_area_m2=app.floor_area_m2,
            )
        )
    return items


def _ancestors(region: Region) -> list[str]:
    parts = region.path.split(".")
    return [".".join(parts[:n]) for n in range(1, len(parts))]


def parse_overrides(raw: list[dict]) -> dict[str, dict[str, str]]:
    """``[{"rule_id", "param", "value"}]`` → ``{rule_id: {param: value}}``; a value must
    be a number (the amounts, rates, shares and caps the funding rules hold)."""
    out: dict[str, dict[str, str]] = {}
    for n, row in enumerate(raw):
        rule_id = (row.get("rule_id") or "").strip()
        param = (row.get("param") or "").strip()
        value = str(row.get("value") or "").strip()
        if not rule_id and not param and not value:
            continue
        if not rule_id.startswith(rules.PREFIXES):
            raise ValidationFailed(fields={f"overrides.{n}.rule_id": [_("不是奖补或补贴规则")]})
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or number < 0:
            raise ValidationFailed(fields={f"overrides.{n}.value": [_("应为不小于 0 的数字")]})
        if not param:
            raise ValidationFailed(fields={f"overrides.{n}.param": [_("必填")]})
        out.setdefault(rule_id, {})[param] = value
    return out


def _check_params(region: Region, on: dt.date, overrides: dict[str, dict[str, str]]) -> None:
    known = {r.rule_id: r for r in selectors.funding_rules(region, on)}
    for n, (rule_id, params) in enumerate(overrides.items()):
        if rule_id not in known:
            raise ValidationFailed(
                fields={f"overrides.{n}.rule_id": [_("该规则在此区划此年度不适用")]}
            )
        for param in params:
            if param not in known[rule_id].params:
                raise ValidationFailed(
                    fields={
                        f"overrides.{n}.param": [
                            _("规则没有参数 %(p)s；可改：%(all)s")
                            % {"p": param, "all": "、".join(sorted(known[rule_id].params))}
                        ]
                    }
                )


def budget(
    actor,
    *,
    region_code: str,
    year: int,
    provides_meals: bool | None = None,
    overrides: dict[str, dict[str, str]] | None = None,
) -> Budget:
    selectors.require_user(actor)
    region = selectors.region_in_scope(actor, region_code)
    on = dt.date(year, 12, 31)
    overrides = overrides or {}
    _check_params(region, on, overrides)
    lines: list[BudgetLine] = []
    cache: dict[tuple, tuple] = {}
    for item in planned_items(actor, region, year):
        key = (item.region.code, item.facility_type, item.floor_area_m2)
        if key not in cache:
            cache[key] = _price(item, on, provides_meals, overrides)
        base, what_if, parts, missing = cache[key]
        lines.append(
            BudgetLine(
                item=item,
                base={k: v * item.count for k, v in base.items()},
                what_if={k: v * item.count for k, v in what_if.items()},
                parts=parts,
                missing=missing,
            )
        )
    return Budget(region=region, year=year, on=on, overrides=overrides, lines=lines)


def _price(item: PlannedItem, on: dt.date, provides_meals, overrides) -> tuple:
    facts = {
        "facility_type": item.facility_type,
        "on_date": on,
        "floor_area_m2": item.floor_area_m2,
        "provides_meals": provides_meals,
    }
    try:
        base = selectors.estimate_in(item.region, **facts)
        what_if = selectors.estimate_in(item.region, overrides=overrides, **facts)
    except ValidationFailed as error:
        zero = {level: Decimal("0.00") for level in rules.LEVELS}
        return zero, zero, [], sorted(error.fields)
    return base.by_level(), what_if.by_level(), what_if.parts, []
