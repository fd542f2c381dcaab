"""Recording visits, what they find, pairing and compliance."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from yanglao.alerts.models import Alert
from yanglao.core.errors import Forbidden, ValidationFailed
from yanglao.visits import compliance, pairing, schedule, selectors, services
from yanglao.visits.models import Compliance, FollowUp, Visit

ITEMS = ("health", "mental_state", "safety", "hygiene", "living_environment")


def checks(**levels):
    out = {k: {"level": "fine"} for k in ITEMS}
    for k, v in levels.items():
        out[k] = {"level": v, "note": "腿脚肿痛，需就医"}
    return out


@pytest.fixture
def alone(elder_of):
    elder = elder_of(born=dt.date(1940, 1, 1), living_situation="alone")
    schedule.refresh_schedule()
    return elder


@pytest.mark.django_db
def test_a_concern_finding_creates_a_follow_up_for_the_visitor(alone, paired, visitor_user):
    paired(alone)
    visit = services.visit_record(
        actor=visitor_user,
        elder=alone,
        method="door",
        visited_at=timezone.now(),
        checks=checks(health="concern"),
    )
    assert visit.worst == "concern"
    follow_up = FollowUp.objects.get(visit=visit)
    assert follow_up.kind == "task" and follow_up.item == "health"
    assert follow_up.assignee == visitor_user
    assert follow_up.due_on == timezone.localdate() + dt.timedelta(days=3)
    assert not Alert.objects.exists()


@pytest.mark.django_db
def test_an_urgent_finding_raises_an_alert(alone, paired, visitor_user, county):
    paired(alone)
    visit = services.visit_record(
        actor=visitor_user,
        elder=alone,
        method="door",
        visited_at=timezone.now(),
        checks=checks(safety="urgent", hygiene="concern"),
    )
    alert = Alert.objects.get(visit=visit)
    assert alert.level == "urgent" and alert.source == "visit"
    kinds = dict(FollowUp.objects.filter(visit=visit).values_list("item", "kind"))
    assert kinds == {"safety": "alert", "hygiene": "service_request"}
    # the officer sees it in their scope
    from yanglao.alerts import selectors as alert_selectors

    assert alert in alert_selectors.alerts_for(county)


@pytest.mark.django_db
def test_the_same_form_sent_twice_is_recorded_once(alone, county):
    kwargs = dict(
        actor=county,
        elder=alone,
        method="phone",
        visited_at=timezone.now(),
        checks=checks(),
        client_key="0b8e6a0e-1c1a-4c55-9a6e-1d2f3a4b5c6d",
    )
    first = services.visit_record(**kwargs)
    again = services.visit_record(**kwargs)
    assert first.pk == again.pk and Visit.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"method": "carrier_pigeon"}, "method"),
        ({"checks": {**checks(), "health": {"level": "concern", "note": ""}}}, "checks.health"),
        ({"checks": {**checks(), "safety": {"level": "bad"}}}, "checks.safety"),
        ({"visited_at": timezone.now() + dt.timedelta(days=1)}, "visited_at"),
        ({"visited_at": timezone.now() - dt.timedelta(days=30)}, "visited_at"),
        ({"latitude": "north"}, "latitude"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(alone, county, change, field):
    kwargs = dict(
        actor=county, elder=alone, method="door", visited_at=timezone.now(), checks=checks()
    )
    kwargs.update(change)
    with pytest.raises(ValidationFailed) as info:
        services.visit_record(**kwargs)
    assert field in info.value.fields
    assert not Visit.objects.exists() and not FollowUp.objects.exists()


@pytest.mark.django_db
def test_a_photo_must_be_an_image(alone, county):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("x.jpg", b"MZ\x90\x00 not a picture", content_type="image/jpeg")
    with pytest.raises(ValidationFailed) as info:
        services.visit_record(
            actor=county,
            elder=alone,
            method="door",
            visited_at=timezone.now(),
            checks=checks(),
            photo=fake,
        )
    assert "photo" in info.value.fields


@pytest.mark.django_db
def test_a_visitor_records_only_for_their_elders(alone, visitor_user):
    with pytest.raises(Forbidden):
        services.visit_record(
            actor=visitor_user,
            elder=alone,
            method="door",
            visited_at=timezone.now(),
            checks=checks(),
        )


@pytest.mark.django_db
def test_a_disabled_account_leaves_its_elders_unpaired_at_once(alone, paired, visitor_user, county):
    paired(alone)
    assert not selectors_unpaired(county)
    visitor_user.disabled_at = timezone.now()
    visitor_user.save(update_fields=["disabled_at"])
    assert [d.elder_id for d in selectors_unpaired(county)] == [alone.pk]


def selectors_unpaired(user):
    return list(pairing.unpaired_elders(user))


@pytest.mark.django_db
def test_hand_over_moves_elders_follow_ups_and_alerts(alone, paired, visitor_user, county):
    old = paired(alone)
    services.visit_record(
        actor=visitor_user,
        elder=alone,
        method="door",
        visited_at=timezone.now(),
        checks=checks(health="concern", safety="urgent"),
    )
    new = pairing.visitor_register(
        actor=county, name="赵志强", phone="13900002222", kind="volunteer", region_code="141129101"
    )
    result = pairing.hand_over(
        actor=county, from_visitor=old, to_visitor=new, on=timezone.localdate()
    )
    assert result["pairings"] == 1
    assert pairing.lead_visitor(alone) == new
    assert not FollowUp.objects.filter(assignee=visitor_user, status="open").exists()


@pytest.mark.django_db
def test_compliance_rolls_up_from_villages_to_the_city(county, elder_of):
    today = timezone.localdate()
    a = elder_of(born=dt.date(1940, 1, 1), living_situation="alone")
    elder_of(born=dt.date(1941, 1, 1), living_situation="alone")
    schedule.refresh_schedule(today=today)
    services.visit_record(
        actor=county, elder=a, method="phone", visited_at=timezone.now(), checks=checks()
    )
    compliance.compute(today)
    week = schedule.week_start(today)
    village = Compliance.objects.get(region_id="141129101201", period_start=week)
    city = Compliance.objects.get(region_id="1411", period_start=week)
    assert (village.due, village.visited) == (2, 1)
    assert (city.due, city.visited) == (2, 1)
    view = selectors.compliance(county, period_start=today)
    assert view.own.visited == 1
    assert sum(r.due for _c, r in view.children if r) == 2


@pytest.mark.django_db
def test_the_api_pairs_and_records_a_visit_once(api, county, alone):
    visitor = pairing.visitor_register(
        actor=county, name="王小梅", phone="13500001234", kind="volunteer", region_code="141129101"
    )
    api.as_user(county)
    made = api.post(
        "/api/v1/pairings",
        {"visitor_id": visitor.pk, "elder_ids": [alone.pk], "starts_on": "2026-01-01"},
    )
    assert made.status_code == 201 and made.json()[0]["is_lead"] is True
    assert not api.get("/api/v1/pairings/unpaired").json()["items"]
    body = {
        "elder_id": alone.pk,
        "method": "phone",
        "visited_at": timezone.localtime().isoformat(),
        "checks": {k: {"level": "fine"} for k in ITEMS},
        "client_key": "api-key-1",
    }
    first = api.post("/api/v1/visits", body)
    assert first.status_code == 201, first.content
    assert api.post("/api/v1/visits", body).json()["id"] == first.json()["id"]
    assert Visit.objects.count() == 1
    bad = api.post("/api/v1/visits", {**body, "client_key": "k2", "method": "fax"})
    assert bad.status_code == 422 and "method" in bad.json()["error"]["fields"]
    overdue = api.get("/api/v1/visits/overdue").json()
    assert overdue["count"] == 0


@pytest.mark.django_db
def test_an_urgent_finding_weighs_in_the_risk_level(county, elder_of):
    from yanglao.elders.risk import compute_risk

    # 70, living alone with a carer: 2 points, low risk.
    elder = elder_of(born=dt.date(1956, 1, 1), living_situation="alone")
    today = timezone.localdate()
    assert compute_risk(elder, today).level == "low"
    services.visit_record(
        actor=county,
        elder=elder,
        method="door",
        visited_at=timezone.now(),
        checks=checks(health="urgent"),
    )
    result = compute_risk(elder, today)
    # alone 2 + alert 2 + finding 1 + urgent finding 3 = 8: high
    assert result.level == "high"
    assert any("紧急" in r for r in result.reasons)
    elder.refresh_from_db()
    assert elder.risk_level == "high"  # recomputed after the visit


@pytest.mark.django_db
def test_ending_the_lead_pairing_promotes_the_next_visitor(county, alone, paired):
    first = paired(alone)
    second = pairing.visitor_register(
        actor=county, name="赵志强", phone="13900002222", kind="volunteer", region_code="141129101"
    )
    pairing.pair(actor=county, visitor=second, elders=[alone], starts_on=dt.date(2026, 2, 1))
    assert pairing.lead_visitor(alone) == first  # many-to-one: the first stays lead
    lead_row = first.pairings.get(elder=alone)
    with pytest.raises(ValidationFailed) as info:
        pairing.unpair(actor=county, pairing=lead_row, on=timezone.localdate(), reason="")
    assert "reason" in info.value.fields
    pairing.unpair(actor=county, pairing=lead_row, on=timezone.localdate(), reason="调往他村")
    assert pairing.lead_visitor(alone) == second
