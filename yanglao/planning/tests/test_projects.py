"""Urban community care project applications: ranking with the pack's weights, ties,
a barred county refused with the reason, status transitions; the pages and the API."""

from __future__ import annotations

from decimal import Decimal

import pytest

from yanglao.core.errors import Conflict, Forbidden, ValidationFailed
from yanglao.planning import ranking, selectors, services
from yanglao.planning.models import ProjectStatus

FACTORS = [
    "site_layout",
    "function_plan",
    "operator",
    "matching_fund_commitment",
    "demonstration_effect",
]


@pytest.mark.parametrize(
    ("weights", "candidates", "order", "totals"),
    [
        # equal weights: the mean
        (
            (1, 1, 1, 1, 1),
            [(1, (50, 50, 50, 50, 50)), (2, (60, 60, 60, 60, 60))],
            [2, 1],
            ["300", "250"],
        ),
        # a weight changes the order
        (
            (0, 0, 0, 0, 1),
            [(1, (100, 100, 100, 100, 0)), (2, (0, 0, 0, 0, 10))],
            [2, 1],
            ["10", "0"],
        ),
        # a tie: the earlier application first
        (
            (1, 1, 1, 1, 1),
            [(2, (50, 50, 50, 50, 50)), (1, (50, 50, 50, 50, 50))],
            [1, 2],
            ["250", "250"],
        ),
    ],
)
def test_ranking_weighs_the_five_factors(weights, candidates, order, totals):
    w = {f: Decimal(x) for f, x in zip(FACTORS, weights, strict=True)}
    result = ranking.rank(
        [ranking.Candidate(i, dict(zip(FACTORS, s, strict=True))) for i, s in candidates], w
    )
    assert [r.id for r in result] == order
    assert [r.total for r in result] == [Decimal(t) for t in totals]
    assert len(result[0].reasons) == 5


def test_a_tie_goes_to_the_county_that_evaluated_well():
    w = {f: Decimal("0.2") for f in FACTORS}
    same = dict.fromkeys(FACTORS, 80)
    result = ranking.rank(
        [ranking.Candidate(1, same), ranking.Candidate(2, same, priority=True)], w
    )
    assert [r.id for r in result] == [2, 1] and result[0].tied_with == (1,)


@pytest.fixture
def city(make_user):
    return make_user("city_admin", "1404")


def _submit(actor, county="140403", name="项目", year=2026, **scores):
    return services.application_submit(
        actor=actor, county_code=county, year=year, name=name, floor_area_m2=800, scores=scores
    )


def test_the_ranking_uses_the_weights_of_the_pack(city):
    a = _submit(city, name="甲", site_layout=100)
    b = _submit(city, name="乙", operator=90)
    for app in (a, b):
        services.application_move(actor=city, application=app, to_status="county_passed")
    view = selectors.ranked(city, 2026)
    assert view.weights == dict.fromkeys(FACTORS, Decimal("0.2"))
    assert [a_.name for _r, a_ in view.rows] == ["甲", "乙"]
    assert view.rows[0][0].total == Decimal("20.00")
    assert "本地默认" in view.weights_source


def test_a_county_that_evaluated_badly_is_barred_next_year_with_the_reason(city):
    services.evaluation_record(actor=city, county_code="140405", year=2025, result="poor")
    with pytest.raises(Conflict) as info:
        _submit(city, county="140405", year=2026)
    assert info.value.code == "county_barred"
    assert "屯留区" in info.value.message and "2025" in info.value.message
    assert "长民发〔2020〕65号" in info.value.message
    # The year after is open again, and other counties are not touched.
    assert _submit(city, county="140405", year=2027).pk
    assert _submit(city, county="140403", year=2026).pk


def test_statuses_run_from_application_to_evaluation(city, make_user):
    county = make_user("county_admin", "140403")
    app = _submit(county)
    services.application_move(actor=county, application=app, to_status="county_passed")
    with pytest.raises(Forbidden):
        services.application_move(actor=county, application=app, to_status="approved")
    for status in ("approved", "building", "accepted", "operating"):
        services.application_move(actor=city, application=app, to_status=status)
    with pytest.raises(ValidationFailed):
        services.application_move(actor=city, application=app, to_status="evaluated")
    services.application_move(
        actor=city, application=app, to_status="evaluated", evaluation_passed=False
    )
    assert app.status == ProjectStatus.EVALUATED and app.evaluation_passed is False
    assert list(app.changes.values_list("to_status", flat=True)) == [
        "submitted",
        "county_passed",
        "approved",
        "building",
        "accepted",
        "operating",
        "evaluated",
    ]
    with pytest.raises(ValidationFailed):
        services.application_move(actor=city, application=app, to_status="building")


def test_a_score_outside_0_to_100_or_an_unknown_factor_is_refused(city):
    with pytest.raises(ValidationFailed) as info:
        _submit(city, site_layout=101, colour=5)
    assert set(info.value.fields) == {"scores.site_layout", "scores.colour"}


def test_the_api_ranks_and_refuses_a_barred_county(api, city):
    api.as_user(city)
    assert (
        api.post(
            "/api/v1/planning/evaluations", {"county": "140405", "year": 2025, "result": "poor"}
        ).status_code
        == 201
    )
    refused = api.post("/api/v1/planning/projects", {"county": "140405", "year": 2026, "name": "x"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "county_barred"
    made = api.post(
        "/api/v1/planning/projects",
        {"county": "140403", "year": 2026, "name": "英雄南路", "scores": {"site_layout": "90"}},
    )
    assert made.status_code == 201
    pk = made.json()["id"]
    moved = api.post(f"/api/v1/planning/projects/{pk}/status", {"status": "county_passed"})
    assert moved.status_code == 200
    body = api.get("/api/v1/planning/projects/ranking", data={"year": 2026}).json()
    assert body["items"][0]["project"]["id"] == pk and body["items"][0]["total"] == "18.00"


def test_the_pages_render(client, city, make_user):
    from yanglao.demo.planning import load_attachment_3

    county = make_user("county_admin", "141129")
    table = load_attachment_3(county)
    client.force_login(county)
    page = client.get(f"/planning/tables/{table.pk}/").content.decode()
    assert "合计核对：2 处不符" in page and "≠ 4" in page
    assert client.get(f"/planning/tables/{table.pk}/export/").status_code == 200
    assert client.get(f"/planning/tables/{table.pk}/import/").status_code == 200
    client.force_login(city)
    app = _submit(city, name="页面项目")
    assert "页面项目" in client.get("/planning/projects/?year=2026").content.decode()
    assert client.get(f"/planning/projects/{app.pk}/").status_code == 200
    assert client.get("/planning/projects/new/").status_code == 200
    assert client.get("/planning/evaluations/").status_code == 200
