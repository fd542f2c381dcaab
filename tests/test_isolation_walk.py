"""Region isolation, everywhere: every page pattern and API operation, for every role.

The world (tests/isolation_world.py) has one of everything in 中阳县 (A, where the
walkers work), in its sibling 柳林县 (B), at the level of the parent city 吕梁市 (P), and
in 潞州区 of another city (C), each record marked. Users of every role in 中阳县 walk
every page and every API operation (tests/isolation_walk.py) filled with their own
records, with B's and with P's, and must never get back a marker of B, P or C: not in a
page, a list, a search, an export, a dashboard, a report or an ID lookup. Users of every
role at the city level walk again, against C. Roles without the permission to see full
ID numbers and phones get none, anywhere; roles with it get them only with a logged full
view; and neither the log output nor the audit and access-log rows hold any.

A new page or operation is walked the day it is added; one with a placeholder the tables
below cannot fill fails ``test_every_pattern_and_operation_can_be_filled``.
"""

from __future__ import annotations

import logging

import pytest

from tests.isolation_walk import (
    REGION_NAMES,
    SEARCH_NAMES,
    Problem,
    Walker,
    api_operations,
    full_values,
    literal,
    obj,
    page_patterns,
    region,
    request,
    variants,
    village,
)
from tests.isolation_world import Place, build_world


def _service_item(place: Place):
    from yanglao.services.models import ServiceItem

    return ServiceItem.objects.get(code="clean_home").pk


_service_item.__name__ = "literal service item"

# How to fill a page placeholder, by its name (most say what they hold) ...
PAGE_KWARGS = {
    "code": region,
    "county": region,
    "region_code": region,
    "village_code": village,
    "elder_id": obj("elder"),
    "job_id": obj("import_job"),
    "transfer_id": obj("transfer"),
    "assessment_id": obj("assessment"),
    "plan_id": obj("checkin_plan"),
    "order_id": obj("order"),
    "txn": obj("time_bank", "txn"),
    "grant": obj("grant", ""),
    "donation": obj("donation", ""),
    "rule_id": obj("policy_rule", "rule_id"),
    # capability links (signed tokens): no region to fill, a forged one must fail
    "token": literal("forged-token"),
    "which": literal("start"),
    "action": literal("disable"),
    "period": literal("2026-01"),
}
# ... and ``pk`` (or a name that does not say) by the URL's name.
PAGE_BY_NAME = {
    "accounts:user_detail": {"pk": obj("user")},
    "accounts:user_edit": {"pk": obj("user")},
    "accounts:user_action": {"pk": obj("user")},
    "accounts:token_revoke": {"pk": obj("api_token")},
    "policy:rule_deactivate": {"pk": obj("policy_rule")},
    "elders:detail": {"pk": obj("elder")},
    "elders:edit": {"pk": obj("elder")},
    "elders:status": {"pk": obj("elder")},
    "elders:reveal": {"pk": obj("elder")},
    "elders:care_plan": {"pk": obj("elder")},
    "elders:transfer_offer": {"pk": obj("elder")},
    "elders:assessment_new": {"pk": obj("elder")},
    "elders:assessment_detail": {"pk": obj("elder")},
    "visits:detail": {"pk": obj("visit")},
    "visits:photo": {"pk": obj("visit")},
    "visits:follow_up_close": {"pk": obj("follow_up")},
    "visits:visitor": {"pk": obj("visitor")},
    "alerts:detail": {"pk": obj("alert")},
    "alerts:device": {"pk": obj("device")},
    "services:order": {"pk": obj("order")},
    "services:order_photo": {"pk": obj("order")},
    "services:provider": {"pk": obj("provider")},
    "services:provider_edit": {"pk": obj("provider")},
    "services:item_edit": {"pk": _service_item},
    "services:meal_point": {"pk": obj("meal_point")},
    "services:meal_point_edit": {"pk": obj("meal_point")},
    "services:meal_day": {"pk": obj("meal_point")},
    "services:meal_statement": {"pk": obj("meal_point")},
    "services:appointment_cancel": {"pk": obj("appointment")},
    "services:appointment_attended": {"pk": obj("appointment")},
    "facilities:detail": {"pk": obj("facility")},
    "facilities:edit": {"pk": obj("facility")},
    "facilities:rating_detail": {"pk": obj("rating")},
    "facilities:rating_history": {"pk": obj("facility")},
    "facilities:rating_new": {"pk": obj("facility")},
    "facilities:centre_detail": {"pk": obj("centre")},
    "facilities:centre_edit": {"pk": obj("centre")},
    "timebank:account": {"pk": obj("tb_account")},
    "party:organization": {"pk": obj("party_org")},
    "party:organization_edit": {"pk": obj("party_org")},
    "party:member_edit": {"pk": obj("party_member")},
    "party:member_end": {"pk": obj("party_member")},
    "party:dispatch_end": {"pk": obj("dispatch")},
    "party:requirements": {"pk": obj("facility")},
    "planning:table_detail": {"pk": obj("table")},
    "planning:table_export": {"pk": obj("table")},
    "planning:table_import": {"pk": obj("table")},
    "planning:table_rejected": {"pk": obj("table")},
    "planning:project_detail": {"pk": obj("project")},
    "community:team_detail": {"pk": obj("team")},
    "community:team_edit": {"pk": obj("team")},
    "community:team_member_add": {"pk": obj("team")},
    "community:team_service_new": {"pk": obj("team")},
    "community:team_service_confirm": {"pk": obj("team_service")},
    "community:material_detail": {"pk": obj("material")},
    "community:material_edit": {"pk": obj("material")},
    "community:material_print": {"pk": obj("material")},
    "community:material_publish": {"pk": obj("material")},
    "community:activity": {"pk": obj("activity")},
    "supervision:inspection": {"pk": obj("inspection")},
    "supervision:inspection_edit": {"pk": obj("inspection")},
    "supervision:inspection_record": {"pk": obj("inspection")},
    "supervision:finding_new": {"pk": obj("inspection")},
    "supervision:finding": {"pk": obj("finding")},
    "supervision:evaluation": {"pk": obj("operator_evaluation")},
    "supervision:photo": {"pk": obj("supervision_photo")},
    "interop:batch": {"pk": obj("feed_batch")},
    "interop:residents": {"pk": obj("facility")},
    "interop:feed": {"pk": obj("facility")},
    "interop:elder_fhir": {"pk": obj("elder")},
    "privacy:request_detail": {"pk": obj("data_request")},
    "privacy:request_file": {"pk": obj("data_request")},
    "privacy:elder_basis": {"pk": obj("elder")},
    "privacy:consent_withdraw": {"pk": obj("consent")},
}
# Patterns never requested, with the reason.
# Pages that list what users typed (the audit and access logs show the walk's own
# searches back): the walk's search strings are not scanned there.
LOG_PAGES = {"accounts:audit", "accounts:access_log"}
# Pages (by name) and operations that show a full phone to a role without
# SENSITIVE_VIEWERS, with the reason.
CARD = "the 明白卡 prints the paired visitor's phone for the elder to call (logged as printed)"
FULL_VALUES_ALLOWED = {
    "accounts:user_edit": "an account manager edits a staff member's phone and must see it",
    "reports:card": CARD,
    "reports:village_cards": CARD,
    "GET /api/v1/reports/cards/{elder_id}": CARD,
}
PAGE_SKIP = {
    "accounts:logout": "ends the walker's own session",
    "set_language": "sets a cookie; no data",
}

# API path parameters by name, and query parameters the walk sets.
API_PARAMS = {
    "account_id": obj("tb_account"),
    "activity_id": obj("activity"),
    "alert_id": obj("alert"),
    "appointment_id": obj("appointment"),
    "centre_id": obj("centre"),
    "code": region,
    "county": region,
    "dispatch_id": obj("dispatch"),
    "donation_id": obj("donation", ""),
    "elder_id": obj("elder"),
    "facility_id": obj("facility"),
    "grant_id": obj("grant", ""),
    "hospital_code": lambda place: f"SI-{place.code}-01",
    "material_id": obj("material"),
    "member_id": obj("party_member"),
    "order_id": obj("order"),
    "org_id": obj("party_org"),
    "pairing_id": obj("pairing"),
    "point_id": obj("meal_point"),
    "project_id": obj("project"),
    "provider_id": obj("provider"),
    "rating_id": obj("rating"),
    "record_id": obj("meal_record"),
    "rule_id": obj("policy_rule", "rule_id"),
    "service_id": obj("team_service"),
    "table_id": obj("table"),
    "team_id": obj("team"),
    "token": literal("forged-token"),
    "transfer_id": obj("transfer"),
    "txn": obj("time_bank", "txn"),
    "user_id": obj("user"),
    "village_code": village,
    "region_code": region,
    "period": literal("2026-01"),
    "inspection_id": obj("inspection"),
    "finding_id": obj("finding"),
    "evaluation_id": obj("operator_evaluation"),
    "batch_id": obj("feed_batch"),
    "kind": literal("elders"),
    "consent_id": obj("consent"),
    "request_id": obj("data_request"),
    # query parameters
    "metric": literal("visits.rate"),
    "region": region,
    "village": village,
    "organization_id": obj("party_org"),
    "year": literal(2025),
    "tier_sizes": literal("1,1"),
    "hospital": lambda place: f"SI-{place.code}-01",
    "department": literal("internal"),
    "day": lambda place: (
        place.objects["appointment"].starts_at.date().isoformat()
        if place.objects.get("appointment")
        else None
    ),
}
# Optional query parameters that name a record or a region: asked with another place's.
API_PROBES = (
    "region",
    "village",
    "facility_id",
    "elder_id",
    "point_id",
    "order_id",
    "material_id",
    "organization_id",
)
API_PROBES_FILL = {
    **{name: API_PARAMS[name] for name in ("region", "village", "organization_id")},
    "facility_id": obj("facility"),
    "elder_id": obj("elder"),
    "point_id": obj("meal_point"),
    "order_id": obj("order"),
    "material_id": obj("material"),
}


def _page_fillers(pattern) -> dict:
    by_name = PAGE_BY_NAME.get(pattern.name, {})
    return {k: by_name.get(k) or PAGE_KWARGS.get(k) for k in pattern.kwargs}


def _fill(fillers: dict, place: Place) -> dict | None:
    values = {}
    for name, filler in fillers.items():
        if filler is None:  # reported by test_every_pattern_and_operation_can_be_filled
            return None
        value = filler(place)
        if value is None:
            return None
        values[name] = value
    return values


def test_every_pattern_and_operation_can_be_filled():
    unfilled = []
    for pattern in page_patterns():
        if pattern.name in PAGE_SKIP:
            continue
        missing = [k for k, f in _page_fillers(pattern).items() if f is None]
        if missing:
            unfilled.append(f"page {pattern.name} ({pattern.route}): {missing}")
    for op in api_operations():
        missing = [
            name
            for name, where, required in op.params
            if (where == "path" or required) and name not in API_PARAMS
        ]
        if missing:
            unfilled.append(f"api {op.label}: {missing}")
    assert not unfilled, (
        "tell tests/test_isolation_walk.py how to fill these (PAGE_BY_NAME, PAGE_KWARGS "
        "or API_PARAMS; a new record kind goes into tests/isolation_world.py):\n"
        + "\n".join(unfilled)
    )


# ---------------------------------------------------------------- walking


def walk_pages(
    walker: Walker, own: Place, foreign: list[Place], searches, codes, *, posts: bool = True
) -> None:
    """``codes``: region codes of other places to set region filters to (a village's code
    for village filters is taken from ``foreign[0]``); ``posts``: also POST to the URLs
    filled with another place's records."""
    for pattern in page_patterns():
        if pattern.name in PAGE_SKIP:
            continue
        echo = tuple(searches) if pattern.name in LOG_PAGES else ()
        allow = pattern.name in FULL_VALUES_ALLOWED
        fillers = _page_fillers(pattern)
        values = _fill(fillers, own)
        if values is None:
            continue
        status, text = request(walker, "GET", pattern.url(values), echo=echo, allow_full=allow)
        if status == 200 and text is not None:
            for params in variants(text, searches, codes, [foreign[0].village]):
                request(walker, "GET", pattern.url(values), params, echo=echo, allow_full=allow)
        if not fillers or all(f.__name__.startswith("literal") for f in fillers.values()):
            continue
        if status in (302, 403):  # the role may not use the page at all
            continue
        for place in foreign:
            theirs = _fill(fillers, place)
            if theirs is None:
                continue
            url = pattern.url(theirs)
            if status != 405:  # a POST-only view: only the POST says anything
                request(walker, "GET", url)
            if posts:
                request(walker, "POST", url, check_writes=True)


def walk_api(walker: Walker, own: Place, foreign: list[Place], searches) -> None:
    for op in api_operations():
        if op.method != "GET":
            continue
        fillers = {
            name: API_PARAMS.get(name)
            for name, where, required in op.params
            if where == "path" or required
        }
        names = {name for name, _w, _r in op.params}
        allow = op.label in FULL_VALUES_ALLOWED
        asked: set[str] = set()
        own_status = None
        for place in [own, *foreign]:
            values = _fill(fillers, place)
            if values is None:
                continue
            path_values = {k: v for k, v in values.items() if k in op.path_params()}
            query = {k: v for k, v in values.items() if k not in path_values}
            url = op.url(path_values)
            if f"{url}?{query}" in asked:  # nothing of the place in it: asked already
                continue
            asked.add(f"{url}?{query}")
            if own_status == 403:  # the role may not use the operation at all
                break
            status, _text = request(walker, "GET", url, query, allow_full=allow)
            if place is not own:
                continue
            own_status = status
            if status != 200:
                continue
            for name in SEARCH_NAMES:
                if name in names:
                    for value in searches:
                        request(walker, "GET", url, {**query, name: value}, allow_full=allow)
            for name in API_PROBES:
                if name in names and name not in query:
                    value = API_PROBES_FILL[name](foreign[0])
                    if value is not None:
                        request(walker, "GET", url, {**query, name: value}, allow_full=allow)


def _report(problems: list[Problem], requests: int) -> str:
    lines = [str(p) for p in problems[:80]]
    more = f"\n… and {len(problems) - 80} more" if len(problems) > 80 else ""
    return f"{len(problems)} problems in {requests} requests:\n" + "\n".join(lines) + more


def _searches(places: list[Place]) -> list[str]:
    out = []
    for place in places:
        elder = place.objects.get("elder")
        if elder is not None:
            out += [elder.person.name, place.id_numbers[0], elder.person.phone]
    return out


def _walkers(make_user, client_class, where: str, world, forbidden: list[Place]):
    from yanglao.accounts.roles import SENSITIVE_VIEWERS, Role

    a = world["A"]
    for role in Role.values:
        if where == "141129" and role == Role.VISITOR:
            user = a.objects["visitor_user"]  # the volunteer of A's pairing
        else:
            user = make_user(role, where, username=f"walk_{role}_{where}")
        if role == Role.FACILITY_OPERATOR:
            a.objects["facility"].operators.add(user)
            a.objects["provider"].users.add(user)
        client = client_class()
        client.force_login(user)
        yield Walker(
            label=f"{role}@{where}",
            user=user,
            client=client,
            forbidden=forbidden,
            sees_full_values=role in SENSITIVE_VIEWERS,
        )


def _scan_logs_and_trails(caplog, problems: list[Problem]) -> None:
    from yanglao.core.models import AccessLog, AuditEvent

    for record in caplog.records:
        found = full_values(record.getMessage())
        if found:
            problems.append(Problem("log", record.name, record.levelname, found[:3]))
    for row in AuditEvent.objects.values("action", "object_repr", "detail"):
        found = full_values(f"{row['object_repr']} {row['detail']}")
        if found:
            problems.append(Problem("audit row", row["action"], "", found[:3]))
    for row in AccessLog.objects.values("kind", "field", "detail"):
        found = full_values(str(row["detail"]))
        if found:
            problems.append(Problem("access-log row", row["kind"], row["field"], found[:3]))


@pytest.mark.slow
def test_county_users_reach_nothing_of_a_sibling_county_or_the_city(
    make_user, client, caplog, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    caplog.set_level(logging.INFO)
    world = build_world(make_user)
    a, b, c, p = (world[k] for k in "ABCP")
    problems: list[Problem] = []
    requests = 0
    for walker in _walkers(make_user, type(client), "141129", world, [b, c, p]):
        walk_pages(walker, a, [b, p], _searches([b]), [b.code, p.code])
        walk_api(walker, a, [b, p], _searches([b]))
        problems += walker.problems
        requests += walker.requests
    _scan_logs_and_trails(caplog, problems)
    assert not problems, _report(problems, requests)


@pytest.mark.slow
def test_city_users_reach_nothing_of_another_city(make_user, client, caplog, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    caplog.set_level(logging.INFO)
    world = build_world(make_user)
    a, c = world["A"], world["C"]
    problems: list[Problem] = []
    requests = 0
    # The same code as the county walk, another scope: one search, one region filter, no
    # POSTs (the county walk sends those), to keep the time down.
    search = _searches([c])[:1]
    for walker in _walkers(make_user, type(client), "1411", world, [c]):
        walk_pages(walker, a, [c], search, [c.code], posts=False)
        walk_api(walker, a, [c], search)
        problems += walker.problems
        requests += walker.requests
    _scan_logs_and_trails(caplog, problems)
    assert not problems, _report(problems, requests)


@pytest.mark.parametrize("role", ["county_admin", "township_officer", "village_officer"])
def test_the_id_lookup_tells_only_the_region(make_user, client, role):
    """The receiving side asks for a file by the elder's ID number (page and API). The
    answer names the region that holds the file; the transfer lists of both sides name
    the elder (the other side must know whom it decides on) and nothing else of the file
    (no phone, address, contacts, plan) until it is accepted; the registry search by that
    number finds nothing."""
    world = build_world(make_user, keys=("A", "B"))
    a, b = world["A"], world["B"]
    region = {"township_officer": a.township, "village_officer": a.village}.get(role, a.code)
    user = make_user(role, region)
    client.force_login(user)
    walker = Walker(label=role, user=user, client=client, forbidden=[b], sees_full_values=True)
    number, name = b.id_numbers[0], b.objects["elder"].person.name
    form = {"id_number": number, "to_region": a.village, "note": "迁入"}
    request(walker, "POST", "/elders/transfers/", form, echo=(name,))
    body = {"id_number": number, "to_region": a.village}
    status, text = request(
        walker, "POST", "/api/v1/elders/transfers", json_body=body, echo=(number, name)
    )
    assert status in (201, 409), text
    for url, params in (
        ("/elders/transfers/", {}),
        ("/elders/transfers/", {"export": "xlsx"}),
        ("/api/v1/elders/transfers", {}),
    ):
        request(walker, "GET", url, params, echo=(number, name))
    for url in ("/elders/", "/api/v1/elders"):
        request(walker, "GET", url, {"q": number})
    assert not walker.problems, walker.problems


def test_the_walk_sees_a_leak(make_user, client):
    """The scan is not blind: a page of B's own records, read by B's officer, holds B's
    markers (so the same page read from A would be reported)."""
    world = build_world(make_user, keys=("B",))
    b = world["B"]
    walker = Walker(label="b", user=b.officer, client=client, forbidden=[b], sees_full_values=True)
    client.force_login(b.officer)
    request(walker, "GET", f"/elders/{b.objects['elder'].pk}/")
    request(walker, "GET", "/elders/", {"export": "xlsx"})
    request(walker, "GET", f"/api/v1/elders/{b.objects['elder'].pk}")
    leaks = [p for p in walker.problems if p.what.startswith("leak")]
    assert len(leaks) == 3, walker.problems
    assert REGION_NAMES and SEARCH_NAMES  # the names the variants use are defined


def _case_request(case, ctx, b: Place) -> tuple[dict, dict | None]:
    """Path values and body of a scope case (tests/test_api_scope.py), aimed at B."""
    path = {k: v(ctx) if callable(v) else v for k, v in case.path.items()}
    body = case.body
    if body is not None:
        body = {k: v(ctx) if callable(v) else v for k, v in body.items()}
        if body.get("elder_id") == 0:
            body["elder_id"] = b.objects["elder"].pk
        if body.get("plan_id") == 0:
            body["plan_id"] = b.objects["checkin_plan"].pk
        if body.get("visitor_id") == 0:
            body["visitor_id"] = b.objects["visitor"].pk
            body["elder_ids"] = [b.objects["elder"].pk]
    return path, body


@pytest.mark.slow
def test_api_writes_into_a_sibling_county_are_refused_for_every_role(make_user, client):
    """Every write operation of the API, sent by every role of 中阳县 at 柳林县's records
    (the bodies of tests/test_api_scope.py CASES), is refused and writes nothing."""
    from tests.test_api_scope import CASES

    world = build_world(make_user)
    b, c, p = world["B"], world["C"], world["P"]
    ctx = {  # what the scope cases' builders expect (a village officer at county level)
        "sibling_user": make_user("village_officer", b.code, username="iso_b_cases"),
        "sibling_elder": b.objects["elder"],
        "sibling_transfer": b.objects["transfer"],
        "sibling_alert": b.objects["alert"],
        "sibling_pairing": b.objects["pairing"],
        "sibling_device": b.objects["device"],
    }
    # B's own records where the builders would make the same again (a slot, a village
    # centre): taken as they are.
    for key in (
        "provider",
        "order",
        "meal_point",
        "meal_record",
        "appointment",
        "time_bank",
        "facility",
        "rating",
        "centre",
        "party_org",
        "party_member",
        "party_activity",
        "team",
        "team_service",
        "table",
        "project",
        "activity",
        "grant",
        "inspection",
        "finding",
        "consent",
    ):
        ctx[f"sibling_{key}"] = b.objects[key]
    ctx["sibling_party_facility"] = b.objects["facility"]
    ctx["sibling_evaluation_row"] = b.objects["operator_evaluation"]
    ctx["sibling_request"] = b.objects["data_request"]
    ctx["sibling_feed_batch"] = b.objects["feed_batch"]
    ctx["sibling_party_dispatch"] = b.objects["dispatch"]
    writes = {key: case for key, case in CASES.items() if key[0] != "GET"}
    problems: list[Problem] = []
    requests = 0
    for walker in _walkers(make_user, type(client), "141129", world, [b, c, p]):
        for (method, template), case in sorted(writes.items()):
            if case.setup is not None:
                case.setup(ctx)
            path, body = _case_request(case, ctx, b)
            url = template
            for name, value in path.items():
                url = url.replace("{" + name + "}", str(value))
            echo = tuple(str(v) for v in (body or {}).values())
            status, _text = request(
                walker, method, url, echo=echo, json_body=body or {}, check_writes=True
            )
            if status < 400:
                walker.problems.append(
                    Problem(walker.label, "write accepted", f"{method} {url}", str(status))
                )
        problems += walker.problems
        requests += walker.requests
    assert not problems, _report(problems, requests)
