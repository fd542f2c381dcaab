"""The Sanming demo: centres with each kind of issue, star ratings with a withheld
award, and the three institution grades."""

from __future__ import annotations

import pytest

from yanglao.demo.facilities import load_facilities
from yanglao.demo.sanming import load_demo
from yanglao.demo.users import load_users
from yanglao.facilities import centres, ratings
from yanglao.facilities.models import StarRating, VillageCentre


@pytest.fixture
def demo(db):
    load_users()
    load_facilities()
    return load_demo()


def test_the_demo_makes_centres_with_each_issue(demo):
    assert demo["homes"] > 30 and demo["centres"] > 25 and demo["grades"] == 3
    codes = {i.code for c in VillageCentre.objects.all() for i in centres.centre_issues(c)}
    assert {"not_registered", "chairman", "mark", "name", "funds"} <= codes
    assert load_demo() == {}  # idempotent


def test_the_demo_grades_and_the_withheld_award(demo):
    grade = {r.facility.name: r.stars for r in StarRating.objects.filter(scheme="grade")}
    assert grade == {"宁乡镇敬老院": 2, "金罗镇敬老院": 2, "潞州区康养护理院": 3}
    jinluo = StarRating.objects.get(facility__name="金罗镇敬老院")
    assert jinluo.total >= 570 and not jinluo.trace["levels"][2]["reached"]
    five = StarRating.objects.filter(scheme="stars", stars=5)
    proposals = [p for r in five for p in ratings.award_proposals(r)]
    assert any(not p.proposed for p in proposals) and any(p.proposed for p in proposals)
    assert StarRating.objects.filter(scheme="stars", stars=4).count() >= 6
    assert StarRating.objects.filter(scheme="stars", stars__lte=3).exists()


def test_the_workbench_panel_shows_sanming_work(demo):
    from yanglao.accounts.models import User
    from yanglao.facilities.workbench_sanming import sanming_centres_panel

    panel = sanming_centres_panel(User.objects.get(username="sm_city"))
    values = {item.label: item.value for item in panel.items}
    assert values["有差距或提示的中心"] >= 5
    assert values["理事长不是村党组织书记"] == 1
    assert values["有幸福院但未登记中心的建制村"] >= 3
    assert values["五星级幸福院奖补暂缓"] == 1
    assert sanming_centres_panel(User.objects.get(username="zy_county")) is None
