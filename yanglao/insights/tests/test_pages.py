"""The dashboard pages and API: scope, drill-down, links to the records, the big screen,
the trend, and that a view reads the stored figures only."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from yanglao.insights import compute
from yanglao.insights.models import RegionFigures

from .test_figures import JINLUO_1, world  # noqa: F401  (the shared fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def figures(world):  # noqa: F811
    today = timezone.localdate()
    for back in (14, 7, 1):
        compute.refresh(today - dt.timedelta(days=back))
    compute.refresh()
    return world


def test_the_city_officer_sees_the_city_and_drills_down_to_a_village(client, make_user, figures):
    client.force_login(make_user("city_admin", "1411"))
    assert client.get("/insights/")["Location"] == "/insights/1411/"
    page = client.get("/insights/1411/").content.decode()
    assert "区域概览：吕梁市" in page and "数据截至" in page
    assert 'href="/insights/141129/"' in page  # the county, to drill into
    assert 'id="insights-data"' in page and "echarts.min.js" in page
    county = client.get("/insights/141129/").content.decode()
    assert 'href="/insights/141129101/"' in county
    village = client.get(f"/insights/{JINLUO_1}/").content.decode()
    assert "金罗村" in village
    # The overdue figure links to the overdue list of that village, which holds them.
    link = re.search(r'href="(/visits/overdue/\?region=' + JINLUO_1 + ')"', village)
    assert link
    overdue = client.get(link.group(1).replace("&amp;", "&")).content.decode()
    assert "张桂兰" in overdue


def test_every_figure_links_to_a_list_that_answers(client, make_user, figures):
    client.force_login(make_user("county_admin", "141129"))
    page = client.get("/insights/141129/").content.decode()
    urls = set(re.findall(r'href="([^"]+)" data-testid="figure-', page))
    assert len(urls) > 15
    for url in urls:
        response = client.get(url.replace("&amp;", "&"))
        assert response.status_code == 200, url


def test_figure_links_select_the_records_behind_the_number(client, make_user, figures):
    client.force_login(make_user("county_admin", "141129"))
    row = RegionFigures.objects.filter(region_id="141129").latest("day").figures
    alerts = client.get("/alerts/?region=141129&status=unresolved").content.decode()
    assert alerts.count('class="list-group-item list-group-item-action"') == row["alerts.open"]
    follow_ups = client.get("/visits/follow-ups/?region=141129").content.decode()
    assert follow_ups.count('<a href="/elders/') >= row["followups.open"]
    grants = client.get("/funding/grants/?region=141129&status=disbursed").content.decode()
    assert "宁乡镇日间照料中心" in grants and "金罗镇敬老院" not in grants.split("grant-form")[0]


def test_a_region_outside_the_scope_is_not_found(client, make_user, figures):
    client.force_login(make_user("county_admin", "141129"))
    assert client.get("/insights/141125/").status_code == 404
    assert client.get("/insights/1411/").status_code == 404  # above the scope
    assert client.get("/insights/141125/screen/").status_code == 404
    assert client.get("/insights/nonsense/").status_code == 404


def test_roles_outside_the_dashboard_are_refused(client, make_user, figures):
    client.force_login(make_user("visitor", JINLUO_1))
    assert client.get("/insights/141129101201/").status_code == 403
    client.force_login(make_user("facility_operator", "141129101"))
    assert client.get("/insights/").status_code == 403


def test_a_village_officer_sees_no_link_to_pages_their_role_cannot_open(client, make_user, figures):
    client.force_login(make_user("village_officer", JINLUO_1))
    page = client.get(f"/insights/{JINLUO_1}/").content.decode()
    assert "/funding/grants/" not in page  # 资金 is for city, county and township officers
    assert "/elders/?region=" in page


def test_the_page_reads_the_stored_figures_not_the_raw_tables(client, make_user, figures):
    client.force_login(make_user("city_admin", "1411"))
    client.get("/insights/1411/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/insights/1411/").status_code == 200
    raw = ("elders_elder", "visits_visit", "alerts_alert", "services_order", "timebank_entry")
    touched = [q["sql"] for q in queries if any(f'"{t}"' in q["sql"] for t in raw)]
    assert touched == []
    assert len(queries) < 25


def test_the_trend_has_one_point_per_stored_day(client, make_user, figures, api):
    user = make_user("county_admin", "141129")
    body = api.as_user(user).get("/api/v1/insights/regions/141129/trend?metric=elders.total").json()
    assert [p["day"] for p in body["points"]] == sorted(
        d.isoformat()
        for d in RegionFigures.objects.filter(region_id="141129").values_list("day", flat=True)
    )
    assert body["points"][-1]["value"] == 7


def test_the_api_gives_the_figures_the_children_and_the_targets(make_user, figures, api):
    user = make_user("city_admin", "1411")
    response = api.as_user(user).get("/api/v1/insights/regions/1411")
    assert response.status_code == 200
    body = response.json()
    assert body["region"]["name"] == "吕梁市" and body["figures"]["elders.total"] == 8
    children = {c["region"]["code"]: c for c in body["children"]}
    assert children["141129"]["figures"]["elders.total"] == 7
    keys = {f["key"] for s in body["sections"] for f in s["figures"]}
    assert {"visits.rate", "alerts.ack_minutes", "facilities.beds_per_thousand"} <= keys
    assert all("status" in t for t in body["targets"])


@pytest.mark.parametrize(
    ("query", "field"),
    [("metric=nonsense", "metric"), ("metric=elders.total&days=0", "days")],
)
def test_a_bad_trend_request_names_the_field(make_user, figures, api, query, field):
    user = make_user("county_admin", "141129")
    response = api.as_user(user).get(f"/api/v1/insights/regions/141129/trend?{query}")
    assert response.status_code == 422
    assert field in response.json()["error"]["fields"]


def test_the_big_screen_renders_dark_and_refreshing(client, make_user, figures):
    client.force_login(make_user("county_admin", "141129"))
    page = client.get("/insights/141129/screen/").content.decode()
    assert 'class="screen"' in page and "数据截至" in page and "insights.js" in page
    assert "逾期未访老人" in page
    assert "<script>" not in page  # no inline script (CSP)


def test_before_the_first_run_the_page_says_so(client, make_user, db):
    client.force_login(make_user("county_admin", "141129"))
    page = client.get("/insights/141129/").content.decode()
    assert "还没有统计数据" in page


def test_the_workbench_links_to_the_dashboard(client, make_user, figures):
    client.force_login(make_user("township_officer", "141129101"))
    page = client.get("/workbench/").content.decode()
    assert "区域概览" in page and "/insights/141129101/" in page


def test_the_command_backfills_days(figures, capsys):
    from django.core.management import call_command

    call_command("refresh_figures", "--backfill", "2")
    out = capsys.readouterr().out
    assert out.count("regions in") == 3
