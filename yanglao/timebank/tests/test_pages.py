"""The time bank pages render for the volunteer and the officers, and do their work."""

from __future__ import annotations

from decimal import Decimal

import pytest

from yanglao.timebank import services
from yanglao.timebank.models import Account, AccountKind, Entry, EntryKind

from .conftest import VILLAGE, years_ago

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(volunteer, earn, parent, county, elder_of):
    posting = earn(volunteer.person, "12")
    services.donate_to_pool(person=volunteer.person, units="5", actor=county)
    poor = elder_of(born=years_ago(80), name="高秀兰", welfare="extreme_poverty")
    return {"posting": posting, "poor": poor, "parent": parent}


def test_the_volunteer_sees_their_balance_and_gives_to_a_parent(client, volunteer_user, world):
    client.force_login(volunteer_user)
    page = client.get("/timebank/my/").content.decode()
    assert "我的时间银行" in page and "7.00" in page and "王秀英" in page
    response = client.post(
        "/timebank/my/",
        {"action": "transfer", "to_person": world["parent"].person_id, "units": "2"},
    )
    assert response.status_code == 302
    assert Account.objects.get(holder=world["parent"].person).balance == Decimal("2.00")
    refused = client.post(
        "/timebank/my/",
        {"action": "transfer", "to_person": world["parent"].person_id, "units": "50"},
    )
    assert refused.status_code == 422 and "时间余额不足" in refused.content.decode()
    assert client.post("/timebank/my/", {"action": "donate", "units": "1"}).status_code == 302
    assert "时间银行" in client.get("/workbench/").content.decode()
    assert client.get("/timebank/").url == "/timebank/my/"


def test_a_visitor_without_a_volunteer_profile_is_told_so(client, make_user):
    client.force_login(make_user("visitor", VILLAGE))
    page = client.get("/timebank/my/").content.decode()
    assert "还没有登记为志愿者" in page


@pytest.mark.parametrize(
    ("url", "text"),
    [
        ("/timebank/accounts/", "李春梅"),
        ("/timebank/accounts/?q=lcm", "李春梅"),
        ("/timebank/pools/141129/", "互助池"),
        ("/timebank/report/", "月度报表"),
        ("/timebank/report/?region=141129101", "金罗"),
        ("/workbench/", "互助池余额"),
    ],
)
def test_officer_pages_render(client, county, world, url, text):
    client.force_login(county)
    response = client.get(url)
    assert response.status_code == 200, url
    assert text in response.content.decode()


def test_the_statement_shows_each_line_with_the_balance_after_it(client, county, world, volunteer):
    account = Account.objects.get(holder=volunteer.person)
    client.force_login(county)
    page = client.get(f"/timebank/accounts/{account.pk}/").content.decode()
    assert "+12.00" in page and "-5.00" in page and "捐赠互助池" in page
    assert client.get("/timebank/pools/").url == "/timebank/pools/141129/"


def test_the_monthly_report_counts_a_community(client, county, world):
    from django.utils import timezone

    from yanglao.timebank import selectors

    report = selectors.monthly_report(county, month=timezone.localdate(), region_code="141129101")
    row = next(r for r in report.rows if r.region.code == VILLAGE)
    assert (row.earned, row.donated, row.balance, row.volunteers) == (
        Decimal("12.00"),
        Decimal("5.00"),
        Decimal("7.00"),
        1,
    )
    assert report.pool == Decimal("5.00")
    last_month = (timezone.localdate().replace(day=1) - timezone.timedelta(days=1)).replace(day=1)
    before = selectors.monthly_report(county, month=last_month)
    assert before.rows == [] or all(r.balance == 0 for r in before.rows)


def test_the_county_officer_grants_from_the_pool_and_reverses_a_posting(client, county, world):
    client.force_login(county)
    poor = world["poor"]
    page = client.get("/timebank/pools/141129/").content.decode()
    assert "高秀兰" in page
    response = client.post(
        "/timebank/pools/141129/", {"elder": poor.pk, "units": "2", "purpose": "助浴"}
    )
    assert response.status_code == 302
    assert Entry.objects.filter(kind=EntryKind.POOL_GRANT, beneficiary=poor.person).exists()
    txn = world["posting"].txn
    assert "冲正原因" in client.get(f"/timebank/txn/{txn}/").content.decode()
    missing = client.post(f"/timebank/txn/{txn}/", {"reason": ""})
    assert missing.status_code == 422 and "请填写冲正原因" in missing.content.decode()
    # 12 earned, 5 donated: taking back 12 would go below zero
    refused = client.post(f"/timebank/txn/{txn}/", {"reason": "录错"})
    assert refused.status_code == 409 and "不能冲正" in refused.content.decode()
    grant = Entry.objects.get(kind=EntryKind.POOL_GRANT, amount__lt=0)
    done = client.post(f"/timebank/txn/{grant.txn}/", {"reason": "服务未完成"})
    assert done.status_code == 302
    assert Account.objects.get(kind=AccountKind.POOL).balance == Decimal("5.00")
    assert "已冲正" in client.get(f"/timebank/txn/{grant.txn}/").content.decode()


def test_a_village_officer_reads_but_cannot_reverse_or_grant(client, make_user, world):
    officer = make_user("village_officer", VILLAGE)
    client.force_login(officer)
    txn = world["posting"].txn
    page = client.get(f"/timebank/txn/{txn}/").content.decode()
    assert "冲正原因" not in page
    assert client.post(f"/timebank/txn/{txn}/", {"reason": "x"}).status_code == 403
    assert client.get("/timebank/pools/141129/").status_code == 404


def test_the_officer_links_a_volunteer_to_a_parent(client, county, volunteer, elder_of, earn):
    account = services.account_for(volunteer.person)
    mother = elder_of(born=years_ago(70), name="赵玉兰")
    client.force_login(county)
    assert "赵玉兰" in client.get(f"/timebank/accounts/{account.pk}/?q=zyl").content.decode()
    response = client.post(
        f"/timebank/accounts/{account.pk}/?q=zyl", {"elder": mother.pk, "relation": "child"}
    )
    assert response.status_code == 302
    assert "赵玉兰" in client.get(f"/timebank/accounts/{account.pk}/").content.decode()


def test_a_sibling_county_sees_404(client, make_user, world, volunteer):
    account = Account.objects.get(holder=volunteer.person)
    client.force_login(make_user("county_admin", "141125"))
    assert client.get(f"/timebank/accounts/{account.pk}/").status_code == 404
    assert client.get(f"/timebank/txn/{world['posting'].txn}/").status_code == 404
    assert client.get("/timebank/pools/141129/").status_code == 404
    assert client.get("/timebank/report/?region=141129").status_code == 404
    assert "李春梅" not in client.get("/timebank/accounts/").content.decode()


def test_a_volunteer_cannot_open_officer_pages(client, volunteer_user, world):
    client.force_login(volunteer_user)
    for url in ("/timebank/accounts/", "/timebank/report/", "/timebank/pools/"):
        assert client.get(url).status_code == 403, url
