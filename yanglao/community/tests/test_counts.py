"""Counts of community life per region: every figure against an independent count."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from yanglao.community import activities as svc
from yanglao.community import counts, donations, teams
from yanglao.community.models import Signup
from yanglao.elders import services as elder_services
from yanglao.party import services as party_services
from yanglao.party.models import Activity
from yanglao.people.idnumbers import make_id_number


@pytest.fixture
def county(make_user):
    return make_user("county_admin", "140403")


def test_every_figure_matches_an_independent_count(county, client):
    from yanglao.regions.models import Region

    towns = list(Region.objects.filter(parent_id="140403").order_by("code")[:2])
    villages = [Region.objects.filter(parent=t).order_by("code").first() for t in towns]
    assert all(villages), "the demo villages of 潞州区 are loaded by the test database"
    today = timezone.localdate()
    elders = [
        elder_services.elder_register(
            actor=county,
            name=f"潞州老人{i}",
            region_code=villages[i % 2].code,
            id_number=make_id_number("140403", dt.date(1946, 1, 1), 400 + i),
        )
        for i in range(4)
    ]
    made = []
    for i, v in enumerate(villages):
        for j in range(i + 2):  # 2 in the first village, 3 in the second
            a = svc.activity_create(
                actor=county,
                data={
                    "kind": "learning",
                    "title": f"学习{i}{j}",
                    "held_on": (today - dt.timedelta(days=j)).isoformat(),
                    "region_code": v.code,
                },
            )
            made.append(a)
    svc.attendance_take(
        actor=county,
        activity=made[0],
        present_elder_ids=[elders[0].pk, elders[2].pk],
    )
    old = svc.activity_create(
        actor=county,
        data={
            "kind": "learning",
            "title": "去年的",
            "held_on": (today - dt.timedelta(days=400)).isoformat(),
            "region_code": villages[0].code,
        },
    )
    team = teams.team_save(
        actor=county, data={"name": "潞州志愿队", "kind": "volunteers", "region": villages[1].code}
    )
    member = teams.member_add(actor=county, team=team, person_id=elders[1].person_id)
    svc_row = teams.service_record(
        actor=county, team=team, member_id=member.pk, served_on=today, hours="3.5", what="陪伴"
    )
    teams.service_confirm(actor=county, service=svc_row)
    teams.service_record(  # not confirmed: not counted
        actor=county, team=team, member_id=member.pk, served_on=today, hours="2", what="陪伴"
    )

    view = counts.counts(county, date_from=today - dt.timedelta(days=30), date_to=today)

    in_period = Activity.objects.filter(
        region_path__startswith="00.14.1404.140403.",
        held_on__gte=today - dt.timedelta(days=30),
        held_on__lte=today,
        kind__in=[k.value for k in svc.COMMUNITY_KINDS],
    )
    assert view.total.activities == in_period.count() == 5
    assert old.pk not in set(in_period.values_list("pk", flat=True))
    assert view.total.attendances == Signup.objects.filter(attended=True).count() == 2
    assert view.total.volunteer_hours == Decimal("3.5")
    by_code = {f.region.code: f for f in view.rows}
    assert by_code[towns[0].code].activities == 2 and by_code[towns[1].code].activities == 3
    assert by_code[towns[0].code].attendances == 2
    assert by_code[towns[1].code].volunteer_hours == Decimal("3.5")
    assert sum(f.activities for f in view.rows) == view.total.activities

    page = client
    page.force_login(county)
    html = page.get("/community/counts/").content.decode()
    assert "社区生活统计" in html and towns[0].name in html
    xlsx = page.get("/community/counts/?export=xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxml")


def test_themed_activities_count_against_the_changzhi_rule(county):
    """长治: each township and community Party organization, one themed activity a quarter."""
    from yanglao.regions.models import Region

    town = Region.objects.filter(parent_id="140403").order_by("code").first()
    org_a = party_services.organization_create(
        actor=county,
        name="街道党工委",
        kind="committee",
        tier="township_party_org",
        region_code=town.code,
    )
    party_services.organization_create(
        actor=county,
        name="社区党委",
        kind="committee",
        tier="community_party_org",
        region_code=town.code,
    )
    party_services.activity_record(
        actor=county,
        organization=org_a,
        kind="themed_activity",
        held_on=timezone.localdate(),
        title="党建引领·情暖夕阳",
    )
    view = counts.counts(county)
    assert view.total.themed_orgs == 2
    assert view.total.themed_required == 2
    assert view.total.themed_held == 1
    assert view.total.themed_orgs_short == 1


def test_donations_received_and_spent_are_summed_per_region(county):
    from yanglao.community.models import DonationLine

    today = timezone.localdate()
    line = donations.donation_record(
        actor=county,
        recipient_kind="pool",
        recipient_id="140403",
        donor_kind="local_worthy",
        donor_name="乡贤甲",
        amount="1000.00",
        purpose="助餐",
        on_date=today,
    )
    donations.spending_record(
        actor=county, donation=line.donation, amount="250.50", on_date=today, memo="买米"
    )
    view = counts.counts(county)
    received = sum(
        r.amount for r in DonationLine.objects.filter(line_kind="donation", on_date=today)
    )
    assert view.total.donations_received == received == Decimal("1000.00")
    assert view.total.donations_spent == Decimal("250.50")
    assert view.total.donations_balance == Decimal("749.50")
