"""Ability assessment (GB/T 42195-2022): item scores, levels, adjustments, history,
the due flag, and the service, API and pages that record it."""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest

from yanglao.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from yanglao.core.models import AuditEvent
from yanglao.elders import assessment as calc
from yanglao.elders import assessment_services as svc
from yanglao.elders.models import Assessment, Elder, ElderStatus
from yanglao.people.models import Person
from yanglao.policy.loader import PACK_DIR
from yanglao.regions.models import Region

VILLAGE = "141129101201"  # a village of 金罗镇, 中阳县
OTHER_COUNTY_VILLAGE = "141125100201"
ON = dt.date(2026, 3, 2)

# --- helpers ----------------------------------------------------------------------------


def pack_params(rule_id: str) -> dict:
    """The national pack's parameters, read straight from the TOML (no database)."""
    data = tomllib.loads((PACK_DIR / "national.toml").read_text(encoding="utf-8"))
    return next(r["params"] for r in data["rule"] if r["id"] == rule_id)


CATALOGUE = calc.catalogue(pack_params("assessment.items"))
LEVEL_PARAMS = pack_params("assessment.ability_level")
ADJUST_PARAMS = pack_params("assessment.level_adjustment")


def full_scores() -> dict[str, int]:
    return {item.code: item.max_score for item in CATALOGUE.items}


def scores_for(total: int) -> dict[str, int]:
    """A valid set of item scores adding up to ``total``."""
    scores = full_scores()
    missing = CATALOGUE.total_max - total
    for item in CATALOGUE.items:
        take = min(missing, scores[item.code])
        scores[item.code] -= take
        missing -= take
    assert missing == 0 and sum(scores.values()) == total
    return scores


def make_elder(region_code: str = VILLAGE, name: str = "张桂兰", **extra) -> Elder:
    region = Region.objects.get(code=region_code)
    person = Person.objects.create(name=name, region=region)
    return Elder.objects.create(person=person, region=region, region_path=region.path, **extra)


def record(actor, elder, *, on=ON, total=90, **extra) -> Assessment:
    kwargs = {
        "actor": actor,
        "elder": elder,
        "assessed_on": on,
        "reason": "routine",
        "assessors": "王芳、李强",
        "scores": scores_for(total),
        **extra,
    }
    return svc.assessment_record(**kwargs)


@pytest.fixture
def officer(make_user):
    return make_user("village_officer", VILLAGE)


@pytest.fixture
def elder(db):
    return make_elder()


# --- the catalogue: 26 items, 90 points --------------------------------------------------


def test_the_catalogue_has_26_items_in_four_dimensions_adding_up_to_90():
    assert len(CATALOGUE.items) == 26 and CATALOGUE.total_max == 90
    shape = [(d.code, len(d.items), d.max_score) for d in CATALOGUE.dimensions]
    assert shape == [
        ("self_care", 8, 32),
        ("basic_mobility", 4, 15),
        ("mental_state", 9, 28),
        ("perception_social", 5, 15),
    ]
    assert CATALOGUE.get("stairs").allowed == (0, 1, 2, 3)
    assert CATALOGUE.get("aggression").allowed == (0, 1)


def test_a_catalogue_whose_maxima_do_not_add_up_is_refused():
    params = pack_params("assessment.items")
    broken = {**params, "items": [{**params["items"][0], "max": 10}, *params["items"][1:]]}
    with pytest.raises(calc.CatalogueError):
        calc.catalogue(broken)


# --- levels --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "level"),
    [
        (90, "intact"),
        (89, "mild"),
        (66, "mild"),
        (65, "moderate"),
        (46, "moderate"),
        (45, "severe"),
        (30, "severe"),
        (29, "complete_loss"),
        (0, "complete_loss"),
    ],
)
def test_every_level_boundary(total, level):
    assert calc.score(scores_for(total), CATALOGUE) == total
    assert calc.base_level(total, LEVEL_PARAMS) == level


def test_a_total_outside_the_scale_is_an_error():
    with pytest.raises(ValueError):
        calc.base_level(91, LEVEL_PARAMS)


# --- adjustments -----------------------------------------------------------------------------


def adjust(base, coma=False, dementia=False, events=0, params=None):
    return calc.apply_adjustments(base, coma, dementia, events, params or ADJUST_PARAMS)


def test_without_adjustments_the_base_level_stands():
    level, trace = adjust("mild", events=1)
    assert level == "mild"
    assert trace[0] == "初步等级：能力轻度受损" and trace[-1] == "最终等级：能力轻度受损"


def test_a_dementia_or_psychiatric_diagnosis_raises_one_level():
    level, trace = adjust("mild", dementia=True)
    assert level == "moderate"
    assert any("失智" in line and "提高1级" in line for line in trace)


def test_two_risk_events_in_30_days_raise_one_level_and_one_does_not():
    assert adjust("intact", events=2)[0] == "mild"
    assert adjust("intact", events=5)[0] == "mild"
    assert adjust("intact", events=1)[0] == "intact"
    _level, trace = adjust("intact", events=2)
    assert any("近30天照护风险事件2次" in line for line in trace)


def test_the_two_raises_add_up():
    level, trace = adjust("mild", dementia=True, events=3)
    assert level == "severe"
    assert sum("提高1级" in line for line in trace) == 2


def test_the_raises_stop_at_complete_loss():
    level, trace = adjust("severe", dementia=True, events=2)
    assert level == "complete_loss"
    assert any("不再提高" in line for line in trace)
    assert adjust("complete_loss", dementia=True)[0] == "complete_loss"


def test_coma_goes_straight_to_complete_loss():
    level, trace = adjust("intact", coma=True, dementia=True, events=2)
    assert level == "complete_loss"
    assert "昏迷：直接评定为能力完全丧失" in trace
    assert any("已按昏迷定级" in line for line in trace)


def test_a_region_may_make_the_raises_not_add_up():
    level, trace = adjust(
        "mild", dementia=True, events=2, params={**ADJUST_PARAMS, "cumulative": False}
    )
    assert level == "moderate"
    assert any("不累加" in line for line in trace)


# --- bad item scores -------------------------------------------------------------------------


def test_an_unknown_a_missing_and_an_out_of_range_item_are_all_reported():
    scores = full_scores()
    del scores["memory"]
    scores["eating"] = 5
    scores["stairs"] = 4
    scores["flying"] = 1
    with pytest.raises(calc.ScoreError) as info:
        calc.score(scores, CATALOGUE)
    errors = info.value.errors
    assert set(errors) == {"memory", "eating", "stairs", "flying"}
    assert "缺少“记忆”的得分" in errors["memory"]
    assert "“进食”得分应在 0–4 分之间" in errors["eating"]
    assert "“上下楼梯”得分应在 0–3 分之间" in errors["stairs"]
    assert "不是本标准的评估项目" in errors["flying"]


@pytest.mark.parametrize("value", ["3", 2.5, True, None, -1])
def test_a_score_must_be_a_whole_number_in_range(value):
    scores = {**full_scores(), "eating": value}
    with pytest.raises(calc.ScoreError) as info:
        calc.score(scores, CATALOGUE)
    assert list(info.value.errors) == ["eating"]


def test_an_item_with_a_restricted_set_of_scores_refuses_the_others():
    params = pack_params("assessment.items")
    items = [{**i, "allowed": [0, 2, 4]} if i["code"] == "eating" else i for i in params["items"]]
    catalogue = calc.catalogue({**params, "items": items})
    with pytest.raises(calc.ScoreError) as info:
        calc.score({**full_scores(), "eating": 3}, catalogue)
    assert info.value.errors["eating"] == ["“进食”的得分只能是 0、2、4 分"]


# --- due for re-assessment -----------------------------------------------------------------


def test_is_due_at_the_interval_boundary():
    last = dt.date(2025, 3, 15)
    assert not calc.is_due(last, dt.date(2026, 3, 14), 12)
    assert calc.is_due(last, dt.date(2026, 3, 15), 12)
    assert calc.is_due(last, dt.date(2026, 9, 1), 12)
    assert calc.is_due(None, dt.date(2026, 3, 1), 12)
    # A month without the day: due on its last day.
    assert calc.next_due(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)
    assert calc.next_due(dt.date(2025, 8, 31), 6) == dt.date(2026, 2, 28)


def test_the_due_flag_follows_the_policy_interval(elder, officer):
    record(officer, elder, on=dt.date(2025, 3, 2))
    elder.refresh_from_db()
    assert not svc.due_status(elder, dt.date(2026, 3, 1)).due
    status = svc.due_status(elder, dt.date(2026, 3, 2))
    assert status.due and status.next_due == dt.date(2026, 3, 2) and status.interval_months == 12


# --- the service -------------------------------------------------------------------------------


def test_recording_an_assessment_sets_the_level_and_is_audited(elder, officer):
    a = record(officer, elder, total=58, dementia_or_psychiatric=True)
    assert (a.total, a.base_level, a.level) == (58, "moderate", "severe")
    assert len(a.scores) == 26 and sum(a.scores.values()) == 58
    assert a.trace[0].startswith("总分 58 分（满分 90 分；")
    assert any(line.startswith("依据 assessment.items") for line in a.trace)
    elder.refresh_from_db()
    assert elder.ability_level == "severe" and elder.last_assessed_on == ON
    assert elder.dementia is True
    event = AuditEvent.objects.get(action="elder.assess", object_id=str(elder.pk))
    assert event.detail["level"] == "severe" and event.detail["assessment_id"] == a.pk
    assert event.detail["previous_level"] == ""


def test_bad_items_are_refused_with_every_field_and_nothing_is_written(elder, officer):
    scores = full_scores()
    del scores["memory"]
    scores["eating"] = 7
    scores["unknown_item"] = 1
    with pytest.raises(ValidationFailed) as info:
        svc.assessment_record(
            actor=officer,
            elder=elder,
            assessed_on=ON,
            reason="someday",
            assessors="",
            scores=scores,
            risk_events_30d=-1,
        )
    assert set(info.value.fields) == {
        "scores.memory",
        "scores.eating",
        "scores.unknown_item",
        "reason",
        "assessors",
        "risk_events_30d",
    }
    assert info.value.status == 422
    assert not Assessment.objects.filter(elder=elder).exists()
    assert not AuditEvent.objects.filter(action="elder.assess").exists()
    elder.refresh_from_db()
    assert elder.ability_level == "" and elder.last_assessed_on is None


def test_dates_in_the_future_or_before_the_standard_are_refused(elder, officer):
    with pytest.raises(ValidationFailed) as info:
        record(officer, elder, on=dt.date.today() + dt.timedelta(days=1))
    assert "assessed_on" in info.value.fields
    with pytest.raises(ValidationFailed) as info:
        record(officer, elder, on=dt.date(2022, 12, 29))
    assert "GB/T 42195-2022" in info.value.fields["assessed_on"][0]


def test_coma_needs_consciousness_scored_zero(elder, officer):
    with pytest.raises(ValidationFailed) as info:
        record(officer, elder, total=50, coma=True)
    assert "scores.consciousness" in info.value.fields
    scores = {**scores_for(50), "consciousness": 0}
    a = svc.assessment_record(
        actor=officer,
        elder=elder,
        assessed_on=ON,
        reason="immediate",
        assessors="王芳",
        scores=scores,
        coma=True,
    )
    assert a.total == 48 and a.base_level == "moderate" and a.level == "complete_loss"
    assert "昏迷：直接评定为能力完全丧失（完全失能）" in a.trace


def test_the_history_is_kept_and_the_elder_follows_the_latest_by_date(elder, officer):
    newer = record(officer, elder, on=dt.date(2026, 2, 1), total=70)
    older = record(officer, elder, on=dt.date(2025, 6, 1), total=40, reason="first")
    elder.refresh_from_db()
    assert elder.ability_level == "mild" and elder.last_assessed_on == dt.date(2026, 2, 1)
    assert list(elder.assessments.all()) == [newer, older]
    detail = AuditEvent.objects.get(action="elder.assess", detail__assessment_id=older.pk).detail
    assert detail["is_latest"] is False
    # A second assessment on the same day, entered later, is the current one.
    again = record(officer, elder, on=dt.date(2026, 2, 1), total=20, reason="reassessment")
    elder.refresh_from_db()
    assert elder.ability_level == "complete_loss"
    assert elder.assessments.first() == again and elder.assessments.count() == 3


def test_roles_and_scope(make_user, elder):
    for role, region in [("visitor", VILLAGE), ("party_officer", "141129")]:
        with pytest.raises(Forbidden):
            record(make_user(role, region), elder)
    with pytest.raises(NotFound):
        record(make_user("county_admin", "141125"), elder)
    for role, region in [
        ("city_admin", "1411"),
        ("county_admin", "141129"),
        ("township_officer", "141129101"),
        ("facility_operator", "141129101"),
    ]:
        record(make_user(role, region), elder)
    assert elder.assessments.count() == 4


def test_a_file_that_moved_away_cannot_be_assessed(officer):
    gone = make_elder(status=ElderStatus.MOVED)
    with pytest.raises(Conflict):
        record(officer, gone)


# --- the API ---------------------------------------------------------------------------------


def test_the_api_records_and_lists_assessments(api, officer, elder):
    url = f"/api/v1/elders/{elder.pk}/assessments"
    body = {
        "assessed_on": "2026-03-02",
        "reason": "routine",
        "assessors": "王芳、李强",
        "scores": scores_for(81),
        "dementia_or_psychiatric": True,
    }
    created = api.as_user(officer).post(url, body, HTTP_IDEMPOTENCY_KEY="k-1")
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["total"], data["base_level"], data["level"]) == (81, "mild", "moderate")
    assert data["scores"] == body["scores"] and len(data["trace"]) >= 4
    replay = api.post(url, body, HTTP_IDEMPOTENCY_KEY="k-1")
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
    assert elder.assessments.count() == 1

    listed = api.get(url + "?page_size=1")
    assert listed.status_code == 200
    assert listed.json()["count"] == 1 and listed.json()["items"][0]["id"] == data["id"]


def test_the_api_answers_bad_items_with_422_and_writes_nothing(api, officer, elder):
    scores = full_scores()
    scores["stairs"] = 4
    del scores["vision"]
    response = api.as_user(officer).post(
        f"/api/v1/elders/{elder.pk}/assessments",
        {"assessed_on": "2026-03-02", "reason": "first", "assessors": "王芳", "scores": scores},
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert error["fields"]["scores.stairs"] == ["“上下楼梯”得分应在 0–3 分之间"]
    assert error["fields"]["scores.vision"] == ["缺少“视力”的得分"]
    assert not elder.assessments.exists()


def test_the_api_hides_other_regions_and_refuses_other_roles(api, make_user, elder):
    url = f"/api/v1/elders/{elder.pk}/assessments"
    body = {
        "assessed_on": "2026-03-02",
        "reason": "first",
        "assessors": "王芳",
        "scores": full_scores(),
    }
    outsider = make_user("county_admin", "141125")
    assert api.as_user(outsider).get(url).status_code == 404
    assert api.post(url, body).status_code == 404
    visitor = make_user("visitor", VILLAGE)
    assert api.as_user(visitor).post(url, body).status_code == 403
    assert api.get(url).status_code == 403


# --- the pages ---------------------------------------------------------------------------------


def form_data(scores: dict[str, int], **extra) -> dict:
    data = {
        "assessed_on": "2026-03-02",
        "reason": "routine",
        "assessors": "王芳、李强",
        "risk_events_30d": "0",
        **{f"score_{k}": str(v) for k, v in scores.items()},
    }
    data.update(extra)
    return data


def test_the_form_shows_the_26_items_by_dimension(client, officer, elder):
    client.force_login(officer)
    response = client.get(f"/elders/{elder.pk}/assessments/new/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("data-item=") == 26
    for label in (
        "自理能力",
        "基础运动能力",
        "精神状态",
        "感知觉与社会参与",
        "上下楼梯",
        "社会交往能力",
    ):
        assert label in html
    assert (
        'value="3">3 分' in html
        and 'value="4">4 分' not in html.split('data-item="stairs"')[1].split("</select>")[0]
    )
    assert "尚未评估" in html


def test_posting_the_form_records_and_shows_the_assessment(client, officer, elder):
    client.force_login(officer)
    response = client.post(
        f"/elders/{elder.pk}/assessments/new/",
        form_data(scores_for(44), risk_events_30d="2"),
    )
    a = elder.assessments.get()
    assert response.status_code == 302 and response["Location"].endswith(
        f"/elders/{elder.pk}/assessments/{a.pk}/"
    )
    assert (a.base_level, a.level) == ("severe", "complete_loss")
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "44" in html and "能力重度受损" in html and "能力完全丧失" in html
    assert "近30天照护风险事件2次" in html and 'data-testid="history"' in html


def test_a_bad_form_shows_chinese_errors_next_to_the_fields(client, officer, elder):
    client.force_login(officer)
    scores = full_scores()
    del scores["memory"]
    response = client.post(
        f"/elders/{elder.pk}/assessments/new/",
        form_data(scores, assessors="", assessed_on="2026-13-40"),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-field-error="score_memory">请选择“记忆”的得分' in html
    assert 'data-field-error="assessors"' in html
    assert 'data-field-error="assessed_on">日期格式应为 YYYY-MM-DD' in html
    assert not elder.assessments.exists()


def test_the_service_errors_land_on_the_form(client, officer, elder):
    client.force_login(officer)
    response = client.post(
        f"/elders/{elder.pk}/assessments/new/",
        form_data(scores_for(40), coma="on"),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-field-error="score_consciousness">昏迷者“意识水平”应评 0 分' in html
    assert not elder.assessments.exists()


def test_the_pages_keep_to_roles_and_scope(client, make_user, officer, elder):
    a = record(officer, elder)
    client.force_login(make_user("visitor", VILLAGE))
    assert client.get(f"/elders/{elder.pk}/assessments/new/").status_code == 403
    client.force_login(make_user("party_officer", "141129"))
    assert client.get(f"/elders/{elder.pk}/assessments/{a.pk}/").status_code == 200
    client.force_login(make_user("county_admin", "141125"))
    assert client.get(f"/elders/{elder.pk}/assessments/{a.pk}/").status_code == 404
    other = make_elder(name="李四")
    client.force_login(officer)
    assert client.get(f"/elders/{other.pk}/assessments/{a.pk}/").status_code == 404
