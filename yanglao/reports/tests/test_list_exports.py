"""Every list in the platform exports to .xlsx with its filters ("导出 Excel"): the walk
asks each list page for ``?export=xlsx`` as a role that may read it and checks it gets
a workbook whose first row states the filters, logged as an export."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from yanglao.core.exports import XLSX_MIME
from yanglao.core.models import AccessLog
from yanglao.visits import schedule
from yanglao.visits.models import Visit

from .conftest import OTHER_VILLAGE, VILLAGE

pytestmark = pytest.mark.django_db

LISTS = [
    # url, role, region
    ("/elders/", "county_admin", "141129"),
    ("/elders/transfers/", "county_admin", "141129"),
    ("/visits/", "county_admin", "141129"),
    ("/visits/overdue/", "township_officer", "141129101"),
    ("/visits/follow-ups/", "county_admin", "141129"),
    ("/visits/visitors/", "county_admin", "141129"),
    ("/visits/unpaired/", "village_officer", VILLAGE),
    ("/alerts/", "county_admin", "141129"),
    ("/alerts/devices/", "county_admin", "141129"),
    ("/services/", "county_admin", "141129"),
    ("/services/providers/", "county_admin", "141129"),
    ("/services/catalogue/", "county_admin", "141129"),
    ("/services/ratings/", "county_admin", "141129"),
    ("/services/meals/", "county_admin", "141129"),
    ("/services/appointments/", "village_officer", VILLAGE),
    ("/facilities/", "county_admin", "141129"),
    ("/facilities/centres/", "city_admin", "3504"),
    ("/facilities/ratings/", "city_admin", "3504"),
    ("/timebank/accounts/", "county_admin", "141129"),
    ("/party/", "party_officer", "141129"),
    ("/party/members/", "township_officer", "141129101"),
    ("/party/institutions/", "county_admin", "141129"),
    ("/party/activities/", "village_officer", VILLAGE),
    ("/community/activities/", "county_admin", "141129"),
    ("/community/activities/isolated/", "township_officer", "141129101"),
    ("/community/teams/", "county_admin", "141129"),
    ("/community/materials/", "county_admin", "141129"),
    ("/community/donations/", "county_admin", "141129"),
    ("/community/donations/ledger/", "county_admin", "141129"),
    ("/messages/", "village_officer", VILLAGE),
    ("/messages/?view=log", "county_admin", "141129"),
    ("/regions/141129/", "county_admin", "141129"),
    ("/policy/rules/", "village_officer", VILLAGE),
    ("/policy/targets/", "county_admin", "141129"),
    ("/planning/projects/", "city_admin", "1404"),
    ("/funding/grants/", "county_admin", "141129"),
    ("/supervision/", "county_admin", "141129"),
    ("/supervision/findings/", "county_admin", "141129"),
    ("/supervision/overdue/", "county_admin", "141129"),
    ("/supervision/evaluations/", "county_admin", "141129"),
    ("/supervision/evaluations/flagged/", "county_admin", "141129"),
    ("/interop/", "county_admin", "141129"),
    ("/accounts/users/", "county_admin", "141129"),
    ("/accounts/audit/", "audit_admin", "14"),
    ("/accounts/access-log/", "security_admin", "14"),
]


def export_of(client, url: str):
    joiner = "&" if "?" in url else "?"
    return client.get(f"{url}{joiner}export=xlsx")


@pytest.mark.parametrize(("url", "role", "region"), LISTS)
def test_every_list_answers_an_xlsx_with_its_filters(client, make_user, url, role, region):
    user = make_user(role, region)
    client.force_login(user)
    page = client.get(url)
    assert page.status_code == 200, url
    assert "export=xlsx" in page.content.decode(), f"{url}: no 导出 Excel button"
    before = AccessLog.objects.filter(actor=user, kind="export").count()
    response = export_of(client, url)
    assert response.status_code == 200, url
    assert response["Content-Type"] == XLSX_MIME, url
    assert response["Content-Disposition"].startswith("attachment;"), url
    sheet = load_workbook(BytesIO(response.content), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert "筛选条件" in rows[0][0], url
    assert len(rows) >= 2 and all(rows[1]), f"{url}: the header row has a blank header"
    assert AccessLog.objects.filter(actor=user, kind="export").count() == before + 1, url


def test_an_export_holds_the_filtered_rows_only(client, county, elder_of):
    here = elder_of(name="张桂兰")
    there = elder_of(name="王有福", region=OTHER_VILLAGE)
    now = timezone.now()
    for elder in (here, there):
        Visit.objects.create(
            elder=elder,
            region_path=elder.region_path,
            method="door",
            visited_at=now - dt.timedelta(hours=1),
            week_start=schedule.week_start(timezone.localdate()),
            checks={},
            worst="fine",
        )
    client.force_login(county)
    response = export_of(client, f"/visits/?region={VILLAGE}")
    rows = list(load_workbook(BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
    assert f"region：{VILLAGE}" in rows[0][0]
    names = [r[1] for r in rows[2:]]
    assert names == ["张桂兰"]


def test_an_export_masks_phones(client, county, visitor_of, elder_of):
    visitor_of(elder_of(), name="李春梅", phone="13800001111")
    client.force_login(county)
    rows = list(
        load_workbook(BytesIO(export_of(client, "/visits/visitors/").content))
        .worksheets[0]
        .iter_rows(values_only=True)
    )
    assert rows[2][:3] == ("李春梅", "网格员", "138****1111")
