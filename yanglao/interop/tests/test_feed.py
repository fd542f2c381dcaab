"""The nursing-home feed: matching by ID number (match, unknown, bad checksum, out of
region, duplicate, name, elsewhere), idempotency, no partial write, scope, beds."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from yanglao.core.errors import Forbidden, NotFound, ValidationFailed
from yanglao.core.models import AuditEvent
from yanglao.interop import selectors, services
from yanglao.interop.models import FeedBatch, Residency

from .conftest import OTHER_TOWN_VILLAGE, bad_checksum, new_id


def row(number, name="张桂兰", **extra):
    return {"id_number": number, "name": name, **extra}


def post(api, user, facility, body, **headers):
    return api.as_user(user).post(
        f"/api/v1/interop/facilities/{facility.pk}/residents", body, **headers
    )


def test_each_row_is_matched_or_reported_with_its_reason(api, operator, home, elder_at):
    zhang, zhang_id = elder_at(name="张桂兰")
    wang, wang_id = elder_at(name="王德明", born=dt.date(1938, 7, 15))
    _far, far_id = elder_at(OTHER_TOWN_VILLAGE, name="李秀英")
    unknown = new_id()
    body = {
        "as_of": timezone.localdate().isoformat(),
        "residents": [
            row(zhang_id, bed="203-2", room="203", admitted_on="2024-03-18", care_level="二级护理"),
            row(unknown, name="赵大山"),
            row(bad_checksum(wang_id), name="王德明"),
            row(far_id, name="李秀英"),
            row(zhang_id, bed="203-2"),
            row(wang_id, name="王得明"),
            row("12345", name="孙某"),
        ],
    }
    response = post(api, operator, home, body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["total"], data["matched"], data["unmatched"], data["created"]) == (7, 1, 6, 1)
    reasons = {r["row"]: r["reason"] for r in data["report"]}
    assert reasons == {
        2: "unknown_id",
        3: "invalid_checksum",
        4: "out_of_region",
        5: "duplicate",
        6: "name_mismatch",
        7: "invalid_id",
    }
    out_of_region = next(r for r in data["report"] if r["reason"] == "out_of_region")
    assert "中阳县" in out_of_region["message"]
    assert data["matched_rows"] == [{"row": 1, "elder_id": zhang.pk}]
    stay = Residency.objects.get(elder=zhang)
    assert (stay.facility, stay.bed, stay.room, stay.care_level) == (
        home,
        "203-2",
        "203",
        "二级护理",
    )
    assert stay.since == dt.date(2024, 3, 18) and stay.until is None
    assert not Residency.objects.filter(elder=wang).exists()


def test_no_plain_id_number_is_stored_in_the_report_or_the_audit(api, operator, home, elder_at):
    _zhang, zhang_id = elder_at()
    unknown = new_id()
    post(api, operator, home, {"residents": [row(zhang_id), row(unknown, name="赵大山")]})
    batch = FeedBatch.objects.get(facility=home)
    stored = json.dumps(batch.report, ensure_ascii=False)
    assert unknown not in stored and unknown[:6] + "********" + unknown[-4:] in stored
    audit = AuditEvent.objects.get(action="interop.residents_feed")
    assert zhang_id not in json.dumps(audit.detail) and unknown not in json.dumps(audit.detail)
    assert audit.detail["unmatched"] == {"unknown_id": 1}


def test_a_retry_with_the_same_idempotency_key_writes_nothing_again(api, operator, home, elder_at):
    _zhang, zhang_id = elder_at()
    body = {"residents": [row(zhang_id, bed="1")]}
    first = post(api, operator, home, body, HTTP_IDEMPOTENCY_KEY="roster-2026-05-12")
    again = post(api, operator, home, body, HTTP_IDEMPOTENCY_KEY="roster-2026-05-12")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert FeedBatch.objects.filter(facility=home).count() == 1
    assert Residency.objects.count() == 1


def test_sending_the_same_roster_again_changes_no_stay(api, operator, home, elder_at):
    _zhang, zhang_id = elder_at()
    body = {"residents": [row(zhang_id, bed="1", admitted_on="2025-01-02")]}
    post(api, operator, home, body)
    second = post(api, operator, home, body).json()
    assert (second["matched"], second["created"], second["updated"]) == (1, 0, 0)
    assert Residency.objects.count() == 1
    moved = post(api, operator, home, {"residents": [row(zhang_id, bed="2")]}).json()
    assert moved["updated"] == 1
    assert Residency.objects.get().bed == "2"


def test_bad_input_refuses_the_whole_batch_naming_the_field(api, operator, home, elder_at):
    _zhang, zhang_id = elder_at()
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = post(
        api,
        operator,
        home,
        {"residents": [row(zhang_id), row(new_id(), name=""), row(new_id(), admitted_on=tomorrow)]},
    )
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"residents.1.name", "residents.2.admitted_on"}
    assert not FeedBatch.objects.exists() and not Residency.objects.exists()
    malformed = post(api, operator, home, {"residents": [row(zhang_id, admitted_on="18/03/2024")]})
    assert malformed.status_code == 422
    assert "residents.0.admitted_on" in malformed.json()["error"]["fields"]
    empty = post(api, operator, home, {"residents": []})
    assert empty.status_code == 422 and "residents" in empty.json()["error"]["fields"]
    assert not FeedBatch.objects.exists() and not Residency.objects.exists()


def test_a_facility_cannot_post_for_another_facility(api, operator, home, other_home, elder_at):
    _zhang, zhang_id = elder_at()
    response = post(api, operator, other_home, {"residents": [row(zhang_id)]})
    assert response.status_code == 404
    beds = api.as_user(operator).post(
        f"/api/v1/interop/facilities/{other_home.pk}/beds", {"total": 10, "occupied": 5}
    )
    assert beds.status_code == 404
    assert not FeedBatch.objects.exists() and not Residency.objects.exists()
    with pytest.raises(NotFound):
        selectors.batch_get(
            operator,
            FeedBatch.objects.create(
                facility=other_home,
                region_path=other_home.region_path,
                kind="beds",
                as_of=timezone.localdate(),
            ).pk,
        )


def test_an_officer_in_scope_may_feed_but_a_party_officer_may_not(
    make_user, officer, home, elder_at
):
    _zhang, zhang_id = elder_at()
    batch = services.feed_residents(actor=officer, facility=home, residents=[row(zhang_id)])
    assert batch.matched == 1
    party = make_user("party_officer", "141129")
    with pytest.raises(Forbidden):
        services.feed_residents(actor=party, facility=home, residents=[row(zhang_id)])


def test_a_sibling_county_officer_cannot_reach_the_home(api, make_user, home, elder_at):
    _zhang, zhang_id = elder_at()
    sibling = make_user("county_admin", "141125")
    assert post(api, sibling, home, {"residents": [row(zhang_id)]}).status_code == 404
    assert not FeedBatch.objects.exists()


def test_a_complete_roster_discharges_whoever_is_not_on_it(operator, home, elder_at):
    zhang, zhang_id = elder_at()
    wang, wang_id = elder_at(name="王德明")
    services.feed_residents(
        actor=operator, facility=home, residents=[row(zhang_id), row(wang_id, name="王德明")]
    )
    today = timezone.localdate()
    batch = services.feed_residents(
        actor=operator, facility=home, residents=[row(zhang_id)], complete=True, as_of=today
    )
    assert batch.discharged == 1
    left = Residency.objects.get(elder=wang)
    assert left.until == today and left.ended_by == batch
    assert Residency.objects.get(elder=zhang).until is None
    partial = services.feed_residents(actor=operator, facility=home, residents=[row(zhang_id)])
    assert partial.discharged == 0


def test_an_elder_staying_in_another_home_is_reported_not_moved(
    operator, officer, home, other_home, elder_at
):
    zhang, zhang_id = elder_at()
    services.feed_residents(actor=officer, facility=other_home, residents=[row(zhang_id)])
    batch = services.feed_residents(actor=operator, facility=home, residents=[row(zhang_id)])
    assert [r["reason"] for r in batch.report] == ["resident_elsewhere"]
    assert Residency.objects.get(elder=zhang).facility == other_home


def test_a_day_care_centre_sends_beds_but_not_residents(officer, elder_at):
    from yanglao.facilities import services as facilities

    centre = facilities.facility_save(
        actor=officer,
        data={
            "name": "金罗镇日间照料中心",
            "type": "day_care_center",
            "region": "141129101201",
            "ownership": "public",
        },
    )
    _zhang, zhang_id = elder_at()
    with pytest.raises(ValidationFailed) as refused:
        services.feed_residents(actor=officer, facility=centre, residents=[row(zhang_id)])
    assert "facility_id" in refused.value.fields


def test_beds_update_the_facility_record(api, operator, home):
    response = api.as_user(operator).post(
        f"/api/v1/interop/facilities/{home.pk}/beds", {"total": 64, "occupied": 51, "nursing": 24}
    )
    assert response.status_code == 201, response.content
    home.refresh_from_db()
    assert (home.beds, home.residents, home.nursing_beds) == (64, 51, 24)
    batch = FeedBatch.objects.get(kind="beds")
    assert (batch.beds_total, batch.beds_occupied) == (64, 51)
    assert AuditEvent.objects.filter(action="facility.update", object_id=str(home.pk)).exists()


def test_bad_beds_are_refused_and_nothing_changes(api, operator, home):
    for body, field in (
        ({"total": 10, "occupied": 11}, "occupied"),
        ({"total": 10, "occupied": 5, "nursing": 12}, "nursing"),
        ({"total": 10, "occupied": 5}, "total"),  # 20 nursing beds already registered
        ({"total": -1, "occupied": 0}, "total"),
        ({"occupied": 0}, "total"),
    ):
        response = api.as_user(operator).post(f"/api/v1/interop/facilities/{home.pk}/beds", body)
        assert response.status_code == 422, body
        assert field in response.json()["error"]["fields"], body
    home.refresh_from_db()
    assert (home.beds, home.residents) == (60, 40)
    assert not FeedBatch.objects.exists()


def test_batches_list_and_residents_are_scoped(api, operator, make_user, home, elder_at):
    _zhang, zhang_id = elder_at()
    batch = services.feed_residents(actor=operator, facility=home, residents=[row(zhang_id)])
    items = api.as_user(operator).get("/api/v1/interop/batches").json()["items"]
    assert [b["id"] for b in items] == [batch.pk]
    residents = api.get(f"/api/v1/interop/facilities/{home.pk}/residents").json()
    assert residents["count"] == 1 and residents["items"][0]["id_number"].count("*") == 8
    other = make_user("facility_operator", "141129100")
    assert api.as_user(other).get("/api/v1/interop/batches").json()["count"] == 0
    assert api.get(f"/api/v1/interop/batches/{batch.pk}").status_code == 404
    sibling = make_user("county_admin", "141125")
    assert api.as_user(sibling).get(f"/api/v1/interop/batches/{batch.pk}").status_code == 404
