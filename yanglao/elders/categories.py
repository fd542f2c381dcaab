"""Target groups (目标人群) computed from the elder record by policy rules.

Each target group is a policy rule whose id starts with ``elder.group.`` and whose
params hold ``code``, ``label`` (Chinese) and ``when``, a small condition expression in
plain TOML::

    [rule.params.when]
    any = [
      { all = [ { field = "rural", op = "eq", value = true },
                { field = "age", op = "gte", value = 80 } ] },
      { not = { field = "has_carer", op = "eq", value = true } },
    ]

A node is a combinator (``all = [...]``, ``any = [...]``, ``not = {...}``) or a leaf
(``field``, ``op``, ``value``). The fields and the ops each field allows are in
``FIELDS`` and ``OPS``. The same expression is

* evaluated in Python over a plain dict of facts (``evaluate``), with a trace of
  Chinese sentences naming each condition and the value seen, and
* compiled to a Django ``Q`` over ``Elder`` (``to_q``), so that a list page filters a
  million elders by group in SQL.

Both read age from the birth date on a given day: age is never stored.

Several rules may share one ``code``: an elder belongs to the group when any of them
matches (the Zhongyang list ends in 等, so a local rule may add to it). A more specific
region's row of the same rule id overrides ``when`` as a whole (the policy engine lays
parameters over one another; ``when`` is one parameter).

Null semantics, the same in Python and SQL: a missing value (no birth date, no
long-term-care grade) never satisfies ``eq``, ``in`` or a comparison; ``ne`` and
``not_in`` are the negations of ``eq`` and ``in``, so a missing value satisfies them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from yanglao.core.scope import in_subtree, path_q
from yanglao.policy import engine

from .models import AbilityLevel, ElderStatus, LivingSituation, Residence, Welfare

GROUP_PREFIX = "elder.group."
# An optional key of the facts: {group code: label}, used only to word the trace.
GROUP_LABELS = "group_labels"


class ExpressionError(ValueError):
    """A condition expression names an unknown field or op, or has a malformed node."""


# ---------------------------------------------------------------- the language


@dataclass(frozen=True)
class Field:
    name: str
    label: str  # Chinese, used in traces
    kind: str  # "bool", "choice", "int", "set"
    column: str | None  # the ORM lookup on Elder; None: not available in SQL
    choices: Mapping[str, str] = field(default_factory=dict)
    unit: str = ""


def _choices(enum, blank: str | None = None) -> dict[str, str]:
    out = {value: str(label) for value, label in enum.choices}
    if blank is not None:
        out[""] = blank
    return out


_SEX = {"M": "男", "F": "女", "": "未知"}

FIELDS: dict[str, Field] = {
    f.name: f
    for f in (
        Field("age", "年龄", "int", "person__birth_date", unit="岁"),
        Field("rural", "农村", "bool", "rural"),
        Field(
            "living_situation",
            "居住情况",
            "choice",
            "living_situation",
            _choices(LivingSituation),
        ),
        Field("left_behind", "留守", "bool", "left_behind"),
        Field("has_carer", "有人照料", "bool", "has_carer"),
        Field("no_children", "无子女", "bool", "no_children"),
        Field("children_outside_county", "子女不在本县", "bool", "children_outside_county"),
        Field("welfare", "救助类别", "choice", "welfare", _choices(Welfare)),
        Field("family_planning_special", "计生特殊家庭", "bool", "family_planning_special"),
        Field("widowed_childless", "孤寡", "bool", "widowed_childless"),
        Field("party_member", "党员", "bool", "party_member"),
        Field("dementia", "失智诊断", "bool", "dementia"),
        Field(
            "ability_level",
            "能力等级",
            "choice",
            "ability_level",
            _choices(AbilityLevel, blank="尚未评估"),
        ),
        Field("ltc_grade", "长护险失能等级", "int", "ltc_grade", unit="级"),
        Field("residence", "户籍/常住", "choice", "residence", _choices(Residence)),
        Field("status", "档案状态", "choice", "status", _choices(ElderStatus)),
        Field("sex", "性别", "choice", "person__sex", _SEX),
        # Risk rules only: the codes of the target groups the elder belongs to.
        Field("groups", "所属目标人群", "set", None),
        # Risk rules only: what visits and alerts found in the last 30 days.
        Field("alerts_30d", "近30天告警次数", "int", None, unit="次"),
        Field("findings_30d", "近30天探访发现关注或紧急情况的次数", "int", None, unit="次"),
        Field("urgent_findings_30d", "近30天探访发现紧急情况的次数", "int", None, unit="次"),
    )
}

OPS: dict[str, frozenset[str]] = {
    "bool": frozenset({"eq", "ne"}),
    "choice": frozenset({"eq", "ne", "in", "not_in"}),
    "int": frozenset({"eq", "ne", "gt", "gte", "lt", "lte", "in", "not_in"}),
    "set": frozenset({"contains", "not_contains"}),
}

OP_TEXT = {
    "eq": "为",
    "ne": "不为",
    "in": "属于",
    "not_in": "不属于",
    "gt": ">",
    "gte": "≥",
    "lt": "<",
    "lte": "≤",
    "contains": "包含",
    "not_contains": "不包含",
}

COMBINATORS = ("all", "any", "not")
LEAF_KEYS = frozenset({"field", "op", "value"})


def validate(expr: Any, *, sql: bool = True, where: str = "when") -> None:
    """Raise ``ExpressionError`` naming the place of the first problem.

    ``sql=True`` (target groups) also refuses fields that cannot be compiled to SQL.
    """
    if not isinstance(expr, Mapping):
        raise ExpressionError(f"{where}: a condition is a table, not {expr!r}")
    keys = set(expr)
    combinators = keys & set(COMBINATORS)
    if combinators:
        if len(keys) != 1:
            raise ExpressionError(
                f"{where}: a combinator node has exactly one key (all, any or not), "
                f"found {sorted(keys)}"
            )
        (name,) = combinators
        if name == "not":
            validate(expr["not"], sql=sql, where=f"{where}.not")
            return
        children = expr[name]
        if not isinstance(children, list):
            raise ExpressionError(f"{where}.{name}: expected a list of conditions")
        for index, child in enumerate(children):
            validate(child, sql=sql, where=f"{where}.{name}[{index}]")
        return
    if keys != LEAF_KEYS:
        raise ExpressionError(
            f"{where}: a condition is {{field, op, value}} or one of all/any/not, "
            f"found keys {sorted(keys)}"
        )
    name, op, value = expr["field"], expr["op"], expr["value"]
    spec = FIELDS.get(name)
    if spec is None:
        raise ExpressionError(f"{where}: unknown field {name!r}; known: {', '.join(FIELDS)}")
    if sql and spec.column is None:
        raise ExpressionError(f"{where}: field {name!r} cannot be used in a target-group rule")
    if op not in OPS[spec.kind]:
        raise ExpressionError(
            f"{where}: unknown op {op!r} for field {name!r}; "
            f"allowed: {', '.join(sorted(OPS[spec.kind]))}"
        )
    values = value if op in ("in", "not_in") else [value]
    if op in ("in", "not_in") and not isinstance(value, list):
        raise ExpressionError(f"{where}: op {op!r} needs a list value")
    for item in values:
        _check_value(spec, item, where)


def _check_value(spec: Field, value: Any, where: str) -> None:
    if spec.kind == "bool" and not isinstance(value, bool):
        raise ExpressionError(f"{where}: field {spec.name!r} takes true or false, not {value!r}")
    if spec.kind == "int" and (isinstance(value, bool) or not isinstance(value, int)):
        raise ExpressionError(f"{where}: field {spec.name!r} takes an integer, not {value!r}")
    if spec.kind == "choice" and value not in spec.choices:
        raise ExpressionError(
            f"{where}: {value!r} is not a value of {spec.name!r}; "
            f"known: {', '.join(repr(c) for c in spec.choices)}"
        )
    if spec.kind == "set" and not isinstance(value, str):
        raise ExpressionError(f"{where}: field {spec.name!r} takes a code string, not {value!r}")


def validate_group_params(params: Mapping[str, Any], where: str = "params") -> None:
    """The params of an ``elder.group.*`` rule: code, label and a SQL-compilable when."""
    for key in ("code", "label"):
        if not isinstance(params.get(key), str) or not params[key].strip():
            raise ExpressionError(f"{where}.{key}: a target group needs a non-empty {key}")
    if "when" not in params:
        raise ExpressionError(f"{where}.when: a target group needs a condition")
    validate(params["when"], sql=True, where=f"{where}.when")


# ---------------------------------------------------------------- facts and age


def age_on(birth_date: dt.date | None, on: dt.date) -> int | None:
    """Whole years on ``on``; someone born on 29 February turns a year older on 1 March
    in a common year."""
    if birth_date is None:
        return None
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def _latest_birth_for_age(on: dt.date, years: int) -> dt.date:
    """The latest birth date of someone who is at least ``years`` old on ``on``."""
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # on is 29 February, the target year is common
        return on.replace(year=on.year - years, day=28)


RECENT_DAYS = 30
RECENT_FACTS = ("alerts_30d", "findings_30d", "urgent_findings_30d")


def recent_facts(elder_ids, on: dt.date) -> dict[int, dict[str, int]]:
    """For each elder: alerts raised and visit findings (concern or urgent; urgent) in the
    30 days up to ``on``: three grouped queries for any number of elders."""
    from django.db.models import Count
    from django.utils import timezone

    from yanglao.alerts.models import Alert
    from yanglao.visits.models import Visit

    ids = list(elder_ids)
    since = timezone.make_aware(
        dt.datetime.combine(on - dt.timedelta(days=RECENT_DAYS), dt.time.min)
    )
    out: dict[int, dict[str, int]] = {pk: dict.fromkeys(RECENT_FACTS, 0) for pk in ids}
    for i in range(0, len(ids), 900):
        chunk = ids[i : i + 900]
        for pk, n in (
            Alert.objects.filter(elder_id__in=chunk, raised_at__gte=since)
            .values_list("elder_id")
            .annotate(n=Count("id"))
        ):
            out[pk]["alerts_30d"] = n
        visits = Visit.objects.filter(elder_id__in=chunk, visited_at__gte=since)
        for pk, n in visits.exclude(worst="fine").values_list("elder_id").annotate(n=Count("id")):
            out[pk]["findings_30d"] = n
        for pk, n in visits.filter(worst="urgent").values_list("elder_id").annotate(n=Count("id")):
            out[pk]["urgent_findings_30d"] = n
    return out


def facts_of(elder, on: dt.date, recent: dict[str, int] | None = None) -> dict[str, Any]:
    """The facts an expression reads, from an ``Elder`` (and its person) on ``on``, with
    the last 30 days of alerts and visit findings (``recent``: precomputed, else read)."""
    person = elder.person
    facts: dict[str, Any] = {"age": age_on(person.birth_date, on), "sex": person.sex or ""}
    for spec in FIELDS.values():
        if spec.column and "__" not in spec.column:
            facts[spec.name] = getattr(elder, spec.column)
    if recent is None:
        recent = (
            recent_facts([elder.pk], on)[elder.pk] if elder.pk else dict.fromkeys(RECENT_FACTS, 0)
        )
    facts.update(recent)
    return facts


# ---------------------------------------------------------------- evaluation with trace


def _show(spec: Field, value: Any) -> str:
    if value is None:
        return "未知（无出生日期）" if spec.name == "age" else "未填"
    if spec.kind == "bool":
        return "是" if value else "否"
    if spec.kind == "choice":
        return f"「{spec.choices.get(value, value)}」"
    if spec.kind == "set":
        return "「" + "、".join(value) + "」" if value else "（无）"
    return f"{value}{spec.unit}"


def _show_wanted(spec: Field, op: str, value: Any) -> str:
    if op in ("in", "not_in"):
        if spec.kind == "choice":
            return "「" + "、".join(spec.choices.get(v, v) for v in value) + "」"
        return "、".join(f"{v}{spec.unit}" for v in value)
    if op in ("contains", "not_contains"):
        return f"「{value}」"
    return _show(spec, value)


def _leaf(spec: Field, op: str, want: Any, seen: Any) -> bool:
    if op == "ne":
        return not _leaf(spec, "eq", want, seen)
    if op == "not_in":
        return not _leaf(spec, "in", want, seen)
    if op == "not_contains":
        return not _leaf(spec, "contains", want, seen)
    if op == "contains":
        return seen is not None and want in seen
    if seen is None:
        return False
    if op == "eq":
        return seen == want
    if op == "in":
        return seen in want
    if op == "gt":
        return seen > want
    if op == "gte":
        return seen >= want
    if op == "lt":
        return seen < want
    if op == "lte":
        return seen <= want
    raise ExpressionError(f"unknown op {op!r}")


def evaluate(
    expr: Mapping[str, Any],
    facts: Mapping[str, Any],
    trace: list[str] | None = None,
    depth: int = 0,
) -> bool:
    """Whether ``facts`` satisfy ``expr``. With a ``trace`` list, append one Chinese
    sentence per node (indented by depth) naming the condition and the value seen.
    Every node is evaluated (no short cut), so the trace shows every deciding fact."""
    pad = "　" * depth
    if "all" in expr or "any" in expr:
        name = "all" if "all" in expr else "any"
        children = expr[name]
        head = len(trace) if trace is not None else 0
        results = [evaluate(child, facts, trace, depth + 1) for child in children]
        hits = sum(results)
        ok = all(results) if name == "all" else any(results)
        if trace is not None:
            text = (
                f"同时满足以下 {len(children)} 项（满足 {hits} 项）"
                if name == "all"
                else f"满足以下任一项（满足 {hits} 项）"
            )
            trace.insert(head, f"{pad}{'✓' if ok else '✗'} {text}：")
        return ok
    if "not" in expr:
        head = len(trace) if trace is not None else 0
        ok = not evaluate(expr["not"], facts, trace, depth + 1)
        if trace is not None:
            trace.insert(head, f"{pad}{'✓' if ok else '✗'} 不满足以下条件：")
        return ok
    spec = FIELDS.get(expr.get("field"))
    if spec is None:
        raise ExpressionError(f"unknown field {expr.get('field')!r}")
    op, want = expr["op"], expr["value"]
    if op not in OPS[spec.kind]:
        raise ExpressionError(f"unknown op {op!r} for field {spec.name!r}")
    seen = facts.get(spec.name)
    ok = _leaf(spec, op, want, seen)
    if trace is not None:
        wanted, shown = want, seen
        if spec.kind == "set":  # show group labels, not codes, where the facts carry them
            labels = facts.get(GROUP_LABELS, {})
            wanted = labels.get(want, want)
            shown = [labels.get(code, code) for code in seen or []]
        trace.append(
            f"{pad}{'✓' if ok else '✗'} {spec.label}{OP_TEXT[op]}"
            f"{_show_wanted(spec, op, wanted)}：实际{_show(spec, shown)}"
        )
    return ok


# ---------------------------------------------------------------- compilation to SQL

_NOTHING = Q(pk__in=[])


def to_q(expr: Mapping[str, Any], on: dt.date) -> Q:
    """The same expression as a filter over ``Elder`` (age from the birth date on ``on``)."""
    if "all" in expr:
        q = Q()
        for child in expr["all"]:
            q &= to_q(child, on)
        return q
    if "any" in expr:
        children = expr["any"]
        if not children:
            return _NOTHING
        q = to_q(children[0], on)
        for child in children[1:]:
            q |= to_q(child, on)
        return q
    if "not" in expr:
        return ~to_q(expr["not"], on)
    spec = FIELDS.get(expr.get("field"))
    if spec is None:
        raise ExpressionError(f"unknown field {expr.get('field')!r}")
    if spec.column is None:
        raise ExpressionError(f"field {spec.name!r} cannot be used in SQL")
    op, value = expr["op"], expr["value"]
    if op not in OPS[spec.kind]:
        raise ExpressionError(f"unknown op {op!r} for field {spec.name!r}")
    if op == "ne":
        return ~to_q({"field": spec.name, "op": "eq", "value": value}, on)
    if op == "not_in":
        return ~to_q({"field": spec.name, "op": "in", "value": value}, on)
    if spec.name == "age":
        return _age_q(op, value, on)
    if op == "eq":
        return Q(**{spec.column: value})
    if op == "in":
        return Q(**{f"{spec.column}__in": list(value)})
    return Q(**{f"{spec.column}__{op}": value})


def _age_q(op: str, value: Any, on: dt.date) -> Q:
    column = FIELDS["age"].column

    def at_least(years: int) -> Q:
        return Q(**{f"{column}__lte": _latest_birth_for_age(on, years)})

    def below(years: int) -> Q:
        return Q(**{f"{column}__gt": _latest_birth_for_age(on, years)})

    if op == "gte":
        return at_least(value)
    if op == "gt":
        return at_least(value + 1)
    if op == "lt":
        return below(value)
    if op == "lte":
        return below(value + 1)
    if op == "eq":
        return at_least(value) & below(value + 1)
    if op == "in":
        if not value:
            return _NOTHING
        q = _age_q("eq", value[0], on)
        for item in value[1:]:
            q |= _age_q("eq", item, on)
        return q
    raise ExpressionError(f"unknown op {op!r} for field 'age'")


# ---------------------------------------------------------------- groups from the policy


@dataclass(frozen=True)
class GroupResult:
    code: str
    label: str
    matched: bool
    trace: list[str]
    rule_id: str
    source: str


def code_of(resolution: engine.Resolution) -> str:
    return resolution.get("code") or resolution.rule_id[len(GROUP_PREFIX) :]


def group_rule_data(region_codes: Iterable[str] | None = None) -> list[engine.RuleData]:
    """The active ``elder.group.*`` rule rows (of the regions ``region_codes``, or all)."""
    from yanglao.policy.models import PolicyRule
    from yanglao.policy.selectors import to_data

    qs = PolicyRule.objects.filter(is_active=True, rule_id__startswith=GROUP_PREFIX)
    if region_codes is not None:
        qs = qs.filter(region_id__in=list(region_codes))
    return [to_data(r, r.region.path) for r in qs.select_related("region")]


def applicable_groups(
    region_path: str, on: dt.date, rules: list[engine.RuleData] | None = None
) -> list[engine.Resolution]:
    """The target-group rules that apply to the region at ``region_path`` on ``on``.

    The same selection as ``yanglao.policy.selectors.ancestor_rules`` (active rows of the
    region and its ancestors), resolved by the engine; ``rules`` may be passed in when
    many regions are resolved at once."""
    if rules is None:
        rules = group_rule_data(region_path.split("."))
    rules = [
        r
        for r in rules
        if r.rule_id.startswith(GROUP_PREFIX)
        and engine.is_ancestor_or_self(r.region_path, region_path)
    ]
    return engine.resolve_all(rules, region_path, on)


def source_of(resolution: engine.Resolution) -> str:
    rule = resolution.decisive
    return rule.source or ("本地默认值" if rule.local_default else "")


def evaluate_groups(
    resolutions: Iterable[engine.Resolution], facts: Mapping[str, Any], *, with_trace: bool = True
) -> list[GroupResult]:
    out = []
    for res in resolutions:
        label = res.get("label") or res.title
        trace: list[str] | None = [] if with_trace else None
        try:
            matched = evaluate(res["when"], facts, trace)
        except (ExpressionError, KeyError, TypeError, AttributeError) as exc:
            # A broken rule must not break the elder's page: say so in the trace.
            matched = False
            trace = [f"规则条件有误，无法判定：{exc}"]
        if trace is not None:
            trace.append(f"结论：{'属于' if matched else '不属于'}「{label}」")
        out.append(
            GroupResult(
                code=code_of(res),
                label=label,
                matched=matched,
                trace=trace or [],
                rule_id=res.rule_id,
                source=source_of(res),
            )
        )
    return out


def groups_for(elder, on: dt.date) -> list[GroupResult]:
    """Every target group whose rule applies to the elder's region on ``on``, matched or
    not, with the trace of the decision."""
    return evaluate_groups(applicable_groups(elder.region_path, on), facts_of(elder, on))


def codes_for(elder, on: dt.date) -> set[str]:
    """The codes of the target groups the elder belongs to on ``on``."""
    return {g.code for g in groups_for(elder, on) if g.matched}


def group_q(code: str, region, on: dt.date) -> Q:
    """Elders in ``region``'s subtree who belong to the group ``code`` on ``on``.

    A rule applies below its region, and a more specific region may override it, so the
    subtree is cut into parts: each region that carries a row of a group rule (and the
    scope itself) covers its own subtree less the deeper ones, with the rule as resolved
    there. Rules above and below the scope both count (a city officer filtering by a
    county's group sees that county's members)."""
    from yanglao.policy.models import PolicyRule
    from yanglao.policy.selectors import to_data

    scope = region.path
    rows = (
        PolicyRule.objects.filter(is_active=True, rule_id__startswith=GROUP_PREFIX)
        .filter(Q(region_id__in=scope.split(".")) | path_q(scope, "region__path"))
        .select_related("region")
    )
    data = [to_data(r, r.region.path) for r in rows]
    q = _NOTHING
    for rule_id in sorted({d.rule_id for d in data}):
        rows_of_rule = [d for d in data if d.rule_id == rule_id]
        anchors = {scope} | {
            d.region_path for d in rows_of_rule if in_subtree(d.region_path, scope)
        }
        for anchor in sorted(anchors):
            res = engine.resolve(rule_id, rows_of_rule, anchor, on)
            if res is None or code_of(res) != code:
                continue
            part = path_q(anchor, "region_path")
            for deeper in anchors:
                if deeper != anchor and in_subtree(deeper, anchor):
                    part &= ~path_q(deeper, "region_path")
            q |= part & to_q(res["when"], on)
    return q
