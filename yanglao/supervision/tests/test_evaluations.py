"""The yearly operator evaluation: satisfaction from the elders' ratings, the pass mark and
section minimum of the policy, the flag for replacement with its evidence, and scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from yanglao.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from yanglao.elders import services as elder_services
from yanglao.people.idnumbers import make_id_number
from yanglao.policy import services as policy_services
from yanglao.services import services as order_services
from yanglao.services.models import Order, OrderStatus, ServiceItem
from yanglao.supervision import selectors, services

from .conftest import COUNTY, SIBLING, VILLAGE

YEAR = timezone.localdate().year - 1


@pytest.fixture
def provider(officer, operator, facility):
    made = order_services.provider_save(
        actor=officer,
        data={
            "name": "山西康乐养老服务有限公司",
            "kind": "company",
            "region": COUNTY,
            "areas": [COUNTY],
            "items": ["clean_home"],
            "work_days": "12345",
            "work_start": "08:00",
            "work_end": "18:00",
            "daily_capacity": 5,
        },
    )
    return made


@pytest.fixture
def rate(officer):
    """Rated orders of a provider in the year: rate(provider, [5, 4, 2, ...])."""
    elder = elder_services.elder_register(
        actor=officer,
        name="王桂英",
        id_number=make_id_number(COUNTY, dt.date(1940, 5, 1), 31),
        region_code=VILLAGE,
    )
    item = ServiceItem.objects.get(code="clean_home")
    counter = {"n": 0}

    def make(provider, ratings, year: int = YEAR):
        for value in ratings:
            counter["n"] += 1
            at = dt.datetime(year, 6, 1, 2, tzinfo=dt.UTC) + dt.timedelta(days=counter["n"])
            Order.objects.create(
                number=f"T{year}{counter['n']:06d}",
                elder=elder,
                region_path=elder.region_path,
                item=item,
                unit_price=Decimal("30"),
                amount=Decimal("30"),
                status=OrderStatus.RATED,
                channel="phone",
                scheduled_for=at,
                provider=provider,
                finished_at=at,
                rating=value,
                rating_comment="不准时" if value <= 2 else "",
                rated_at=at,
            )

    return make


def evaluate(actor, **extra):
    data = {
        "region_code": COUNTY,
        "year": YEAR,
        "operator_name": "山西康乐养老服务有限公司",
        "scores": {"service_quality": "30", "internal_management": "24"},
        "evaluators": "中阳县民政局",
        "evaluated_on": timezone.localdate().isoformat(),
    }
    data.update(extra)
    return services.evaluation_create(actor=actor, data=data)


def test_satisfaction_is_computed_from_the_ratings_with_the_evidence(
    officer, provider, rate, facility
):
    rate(provider, [5, 5, 5, 4, 4, 4, 4, 3, 2, 1])  # 7 of 10 satisfied
    rate(provider, [1, 1], year=YEAR - 1)  # another year: not counted
    evaluation = evaluate(officer)
    assert evaluation.scores["satisfaction"] == "21.0"  # 30 × 7/10
    assert evaluation.satisfaction_from_ratings
    ratings = evaluation.evidence["ratings"]
    assert ratings["rated"] == 10 and ratings["satisfied"] == 7 and ratings["low"] == 2
    assert ratings["providers"][0]["name"] == "山西康乐养老服务有限公司"
    assert len(ratings["low_ratings"]) == 2
    assert evaluation.total == Decimal("75.0") and evaluation.passed and not evaluation.flagged
    assert list(evaluation.facilities.all()) == [facility]
    assert list(evaluation.providers.all()) == [provider]
    assert evaluation.trace["scheme"]["rule_id"] == "operator_evaluation.scheme"


def test_a_failing_operator_is_flagged_with_the_reasons_and_the_inspection_evidence(
    officer, provider, rate, recorded
):
    with_findings = recorded(on=dt.date(YEAR, 9, 1))
    assert with_findings.findings.count() == 2
    rate(provider, [2, 2, 3, 3, 4, 5, 1, 2, 3, 4])  # 3 of 10 satisfied: 9 points
    evaluation = evaluate(officer)
    assert not evaluation.passed and evaluation.flagged
    assert evaluation.failed_sections == ["satisfaction"]
    assert any("服务对象满意度" in r for r in evaluation.evidence["reasons"])
    inspections = evaluation.evidence["inspections"]
    assert inspections["inspections"] == 1 and inspections["findings"] == 2
    assert inspections["unclosed"] == 2
    assert evaluation in selectors.flagged(officer)


def test_too_few_ratings_need_an_entered_satisfaction_with_its_evidence(officer, provider, rate):
    rate(provider, [5, 5])
    with pytest.raises(ValidationFailed) as error:
        evaluate(officer)
    assert {"scores.satisfaction", "satisfaction_note"} <= set(error.value.fields)
    evaluation = evaluate(
        officer,
        scores={"service_quality": "30", "internal_management": "24", "satisfaction": "26"},
        satisfaction_note="入住老人问卷32份，满意28份",
    )
    assert not evaluation.satisfaction_from_ratings and evaluation.scores["satisfaction"] == "26.0"


def test_the_pass_mark_comes_from_the_policy(officer, provider, rate):
    policy_services.rule_override(
        actor=officer,
        rule_id="operator_evaluation.scheme",
        region_code=COUNTY,
        params={"pass_mark": "80"},
        valid_from=dt.date(2020, 1, 1),
        local_default=True,
        note="县里提高合格线",
    )
    rate(provider, [5] * 10)
    evaluation = evaluate(officer)  # 30 + 24 + 30 = 84
    assert evaluation.pass_mark == Decimal("80") and evaluation.passed
    other = evaluate(
        officer,
        year=YEAR - 1,
        scores={"service_quality": "30", "internal_management": "20", "satisfaction": "25"},
        satisfaction_note="问卷",
    )
    assert other.total == Decimal("75.0") and not other.passed and other.flagged


def test_an_operator_is_evaluated_once_a_year(officer, provider, rate):
    rate(provider, [5] * 10)
    evaluate(officer)
    with pytest.raises(Conflict) as error:
        evaluate(officer)
    assert error.value.code == "already_evaluated"


def test_scores_and_choices_are_checked(officer, provider, facility):
    with pytest.raises(ValidationFailed) as error:
        evaluate(
            officer,
            year=timezone.localdate().year + 1,
            operator_name="",
            evaluators="",
        )
    assert {"year", "operator_name", "evaluators"} <= set(error.value.fields)
    with pytest.raises(ValidationFailed) as error:
        evaluate(officer, operator_name="无此公司")
    assert "operator_name" in error.value.fields
    with pytest.raises(ValidationFailed) as error:
        evaluate(officer, scores={"service_quality": "41", "internal_management": "x"})
    assert {"scores.service_quality", "scores.internal_management"} <= set(error.value.fields)


def test_a_flag_is_resolved_once(officer, provider, rate):
    rate(provider, [1] * 10)
    evaluation = evaluate(officer)
    assert evaluation.flagged
    services.evaluation_resolve(
        actor=officer, evaluation=evaluation, resolution="replaced", note="2026年3月更换运营方"
    )
    assert evaluation not in selectors.flagged(officer)
    with pytest.raises(Conflict):
        services.evaluation_resolve(
            actor=officer, evaluation=evaluation, resolution="retained", note="x"
        )


def test_only_the_bureaus_evaluate_and_a_sibling_sees_nothing(
    officer, operator, provider, rate, make_user
):
    rate(provider, [5] * 10)
    with pytest.raises(Forbidden):
        evaluate(make_user("township_officer", "141129101"))
    evaluation = evaluate(officer)
    sibling = make_user("county_admin", SIBLING)
    with pytest.raises(NotFound):
        selectors.evaluation_get(sibling, evaluation.pk)
    assert not selectors.evaluations(sibling).exists()
    with pytest.raises(ValidationFailed):
        evaluate(sibling)  # 中阳县 is not in 柳林县's scope
    # The operator reads its own evaluation.
    assert selectors.evaluation_get(operator, evaluation.pk) == evaluation


def test_the_evaluation_pages_render(client, officer, provider, rate):
    rate(provider, [1] * 10)
    evaluation = evaluate(officer)
    client.force_login(officer)
    for url, text in (
        ("/supervision/evaluations/", "运营方年度评估"),
        ("/supervision/evaluations/flagged/", "山西康乐养老服务有限公司"),
        (f"/supervision/evaluations/{evaluation.pk}/", "建议调整运营方"),
        ("/supervision/evaluations/new/", "山西康乐养老服务有限公司"),
        (
            f"/supervision/evaluations/new/?operator_name=山西康乐养老服务有限公司&year={YEAR - 1}",
            "满意度证据",
        ),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert text in response.content.decode(), url


def test_the_evaluation_form_saves(client, officer, provider, rate, facility):
    rate(provider, [5] * 10)
    client.force_login(officer)
    response = client.post(
        "/supervision/evaluations/new/",
        {
            "region_code": COUNTY,
            "year": str(YEAR),
            "operator_name": "山西康乐养老服务有限公司",
            "facility_ids": [str(facility.pk)],
            "provider_ids": [str(provider.pk)],
            "score__service_quality": "35",
            "score__internal_management": "26",
            "evaluated_on": timezone.localdate().isoformat(),
            "evaluators": "中阳县民政局",
        },
    )
    assert response.status_code == 302
    evaluation = selectors.evaluations(officer).get()
    assert evaluation.total == Decimal("91.0") and evaluation.passed


def test_the_form_recomputes_the_evidence_for_the_providers_ticked(
    client, officer, provider, rate, facility
):
    rate(provider, [5] * 6 + [1] * 4)
    client.force_login(officer)
    base = {
        "region_code": COUNTY,
        "year": str(YEAR),
        "operator_name": "山西康乐养老服务有限公司",
        "facility_ids": [str(facility.pk)],
    }
    page = client.get(
        f"/supervision/evaluations/new/?operator_name=山西康乐养老服务有限公司&year={YEAR}"
    ).content.decode()
    assert "自动匹配" in page and "按评价计算满意度得分：18.0 分" in page
    none = client.post("/supervision/evaluations/new/", {**base, "action": "recalc"})
    assert none.status_code == 200
    assert "0 条评价" in none.content.decode()
    assert not selectors.evaluations(officer).exists()  # recomputing saves nothing
