"""Orders from request to rating: transitions, dispatch, shares, survey, follow-ups."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core import signing
from django.utils import timezone

from yanglao.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from yanglao.notify.models import Message
from yanglao.services import dispatch, selectors, services, shares, survey
from yanglao.services.models import Order, OrderStatus, ServiceItem
from yanglao.visits.models import FollowUp, FollowUpKind, FollowUpStatus

from .conftest import TOWN, VILLAGE, next_workday_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(make_user):
    return make_user("facility_operator", TOWN)


@pytest.fixture
def world(county, elder_of, provider_of, operator):
    elder = elder_of()
    provider = provider_of()
    provider.users.add(operator)
    return {"elder": elder, "provider": provider}


def _through_to_done(county, operator, order, provider):
    order = services.order_assign(actor=county, order=order, provider=provider)
    order = services.order_accept(actor=operator, order=order)
    order = services.order_start(actor=operator, order=order, latitude="37.35", longitude="111.18")
    return services.order_finish(actor=operator, order=order, note="已完成")


def test_the_whole_way_with_history(
    county, operator, world, order_of, django_capture_on_commit_callbacks
):
    order = order_of(world["elder"], requester_phone="13800002222")
    assert order.status == OrderStatus.REQUESTED
    assert order.number.startswith("FW")
    with django_capture_on_commit_callbacks(execute=True):
        order = _through_to_done(county, operator, order, world["provider"])
    order.refresh_from_db()
    assert order.status == OrderStatus.DONE
    assert order.started_at and order.finished_at and order.start_latitude == Decimal("37.35")
    # The survey went out through the adapter to the requester's phone.
    msg = Message.objects.get(topic="service.survey")
    assert msg.to_phone == "13800002222" and "/s/survey/" in msg.body
    order = services.order_rate(order=order, rating=5, channel="survey")
    assert order.status == OrderStatus.RATED
    steps = [(e.from_status, e.to_status) for e in order.events.all()]
    assert steps == [
        ("", "requested"),
        ("requested", "assigned"),
        ("assigned", "accepted"),
        ("accepted", "in_progress"),
        ("in_progress", "done"),
        ("done", "rated"),
    ]


@pytest.mark.parametrize(
    ("setup", "step"),
    [
        ([], "accept"),
        ([], "start"),
        ([], "finish"),
        (["assign"], "start"),
        (["assign"], "finish"),
        (["assign", "accept"], "finish"),
        (["assign", "accept", "start"], "cancel"),
        (["assign", "accept", "start", "finish"], "cancel"),
        (["assign", "accept", "start", "finish"], "start"),
        ([], "rate"),
        (["assign", "accept"], "rate"),
    ],
)
def test_illegal_transitions_are_refused(county, operator, world, order_of, setup, step):
    order = order_of(world["elder"])
    provider = world["provider"]
    moves = {
        "assign": lambda o: services.order_assign(actor=county, order=o, provider=provider),
        "accept": lambda o: services.order_accept(actor=operator, order=o),
        "start": lambda o: services.order_start(actor=operator, order=o),
        "finish": lambda o: services.order_finish(actor=operator, order=o),
        "cancel": lambda o: services.order_cancel(actor=county, order=o, reason="不需要了"),
        "rate": lambda o: services.order_rate(order=o, rating=4),
    }
    if step in ("accept", "start", "finish") and not setup:
        order.provider = provider
        order.save()
    for s in setup:
        order = moves[s](order)
    before = order.status
    with pytest.raises(Conflict) as exc:
        moves[step](Order.objects.get(pk=order.pk))
    assert exc.value.code == "illegal_transition" or step == "rate"
    assert Order.objects.get(pk=order.pk).status == before


def test_rated_twice_and_cancelled_orders_stay_put(county, operator, world, order_of):
    order = _through_to_done(county, operator, order_of(world["elder"]), world["provider"])
    services.order_rate(order=order, rating=4)
    with pytest.raises(Conflict):
        services.order_rate(order=order, rating=1)
    other = order_of(world["elder"])
    with pytest.raises(ValidationFailed) as exc:
        services.order_cancel(actor=county, order=other, reason="  ")
    assert "reason" in exc.value.fields
    services.order_cancel(actor=county, order=other, reason="老人住院")
    with pytest.raises(Conflict):
        services.order_assign(actor=county, order=other, provider=world["provider"])


def test_decline_returns_the_order_for_dispatch(county, operator, world, order_of):
    order = order_of(world["elder"])
    services.order_assign(actor=county, order=order, provider=world["provider"])
    with pytest.raises(ValidationFailed):
        services.order_decline(actor=operator, order=order, reason="")
    order = services.order_decline(actor=operator, order=order, reason="人手不足")
    assert order.status == OrderStatus.REQUESTED and order.provider is None


def test_only_the_provider_or_an_officer_moves_an_order(
    county, world, order_of, make_user, provider_of
):
    order = order_of(world["elder"])
    services.order_assign(actor=county, order=order, provider=world["provider"])
    stranger = make_user("facility_operator", TOWN)
    with pytest.raises(Forbidden):
        services.order_accept(actor=stranger, order=order)
    with pytest.raises(Forbidden):
        services.order_cancel(actor=stranger, order=order, reason="x")


def test_bad_request_names_each_field(county, world):
    with pytest.raises(ValidationFailed) as exc:
        services.order_create(
            actor=county,
            elder=world["elder"],
            item=None,
            scheduled_for=timezone.now() - dt.timedelta(days=5),
            channel="pigeon",
            quantity="-1",
        )
    assert {"item", "scheduled_for", "channel", "quantity"} <= set(exc.value.fields)
    assert Order.objects.count() == 0


def test_dispatch_ranks_qualified_available_nearest(county, elder_of, provider_of, order_of):
    elder = elder_of()
    elder.latitude, elder.longitude = Decimal("37.3500"), Decimal("111.1800")
    elder.save()
    far = provider_of("远处服务中心", latitude="37.60", longitude="111.40")
    near = provider_of("近处服务中心", latitude="37.36", longitude="111.19")
    weekend_only = provider_of("周末服务队", work_days="67", latitude="37.351", longitude="111.181")
    no_cert = provider_of("无证公司", quals=())
    expired = provider_of("证书过期公司", quals=(("care_worker", dt.date(2020, 1, 1)),))
    elsewhere = provider_of("外乡服务中心", areas=("141129100",), region="141129100")
    unqualified_kind = provider_of("保洁队", items=("clean_home",), quals=())
    order = order_of(elder, item="bath_home", when=next_workday_at(10))
    names = [p.provider.name for p in dispatch.proposals(order)]
    assert names == ["近处服务中心", "远处服务中心", "周末服务队"]
    props = {p.provider.name: p for p in dispatch.proposals(order)}
    assert props["周末服务队"].available is False and props["近处服务中心"].distance_km < 2
    for bad in (no_cert, expired, elsewhere, unqualified_kind):
        assert dispatch.why_not(order, bad)
        with pytest.raises(ValidationFailed) as exc:
            services.order_assign(actor=county, order=order, provider=bad)
        assert "provider" in exc.value.fields
    assert not dispatch.why_not(order, near) and not dispatch.why_not(order, weekend_only)
    assert far.pk != near.pk


def test_dispatch_counts_the_day_load_and_falls_back_to_the_region_tree(
    county, elder_of, provider_of, order_of
):
    elder = elder_of()  # no coordinates: the region tree decides
    village_team = provider_of("村服务队", region=VILLAGE, daily_capacity=1)
    county_team = provider_of("县服务中心", region="141129", daily_capacity=1)
    first = order_of(elder)
    assert [p.provider.name for p in dispatch.proposals(first)] == ["村服务队", "县服务中心"]
    services.order_assign(actor=county, order=first, provider=village_team)
    second = order_of(elder)
    ranked = dispatch.proposals(second)
    assert [p.provider.name for p in ranked] == ["县服务中心", "村服务队"]
    assert ranked[1].available is False and ranked[1].load == 1
    assert county_team


def test_auto_assign_by_rule(county, world, order_of):
    from yanglao.policy.models import PolicyRule

    rule = PolicyRule.objects.filter(rule_id="service.dispatch").first()
    params = dict(rule.params)
    params["auto_assign"] = True
    PolicyRule.objects.filter(pk=rule.pk).update(params=params)
    order = order_of(world["elder"])
    assert order.status == OrderStatus.ASSIGNED and order.provider == world["provider"]


@pytest.mark.parametrize(
    ("welfare", "gov", "elder_part"),
    [
        ("extreme_poverty", "80.00", None),
        ("minimum_allowance", "40.00", "40.00"),
        ("none", None, "80.00"),
    ],
)
def test_payment_shares_from_the_policy_pack(
    county, elder_of, world, order_of, welfare, gov, elder_part
):
    elder = elder_of(welfare=welfare, born=dt.date(1960, 1, 1))
    order = order_of(elder)
    got = {s.payer: s.amount for s in order.shares.all()}
    assert got.get("government") == (Decimal(gov) if gov else None)
    assert got.get("elder") == (Decimal(elder_part) if elder_part else None)
    assert sum(got.values()) == order.amount == Decimal("80.00")


def test_family_pays_the_personal_part(county, elder_of, world, order_of):
    elder = elder_of(welfare="minimum_allowance", born=dt.date(1960, 1, 1))
    order = order_of(elder, family_pays=True)
    got = {s.payer: s.amount for s in order.shares.all()}
    assert got == {"government": Decimal("40.00"), "family": Decimal("40.00")}


def test_changzhi_meal_shares_have_four_payers_and_add_up(cz_elder):
    make, _officer = cz_elder
    elder = make(welfare="hardship")
    parts = shares.shares_for(elder, Decimal("13.33"), kind="meal")
    got = {s.payer: s.amount for s in parts}
    assert set(got) == {"government", "community", "donation", "elder"}
    assert got["government"] == Decimal("4.00")  # 30% of 13.33, rounded to the fen
    assert got["community"] == got["donation"] == Decimal("1.33")
    assert sum(got.values()) == Decimal("13.33")
    trace = parts[0].trace
    assert trace["rule_id"] == "meal.payment_shares"


def test_survey_token_forged_expired_reused(
    county, operator, world, order_of, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = _through_to_done(county, operator, order_of(world["elder"]), world["provider"])
    order.refresh_from_db()
    token = survey.make_token(order)
    assert survey.order_for_token(token).pk == order.pk
    # forged: a changed payload or a token signed with another salt
    forged = signing.dumps({"o": order.pk, "n": "0" * 16}, salt=survey.SALT)
    with pytest.raises(survey.TokenRefused) as exc:
        survey.order_for_token(forged)
    assert exc.value.reason == "forged"
    with pytest.raises(survey.TokenRefused):
        survey.order_for_token(token[:-2] + "xx")
    with pytest.raises(NotFound):
        survey.answer(signing.dumps({"o": order.pk, "n": order.survey_nonce}, salt="other"), 5)
    # expired: eight days later (the rule gives seven)
    with time_machine.travel(timezone.now() + dt.timedelta(days=8)):
        with pytest.raises(survey.TokenRefused) as exc:
            survey.order_for_token(token)
        assert exc.value.reason == "expired"
    # used once, then refused
    survey.answer(token, 4, "挺好")
    with pytest.raises(Conflict) as exc:
        survey.answer(token, 1)
    assert exc.value.code == "survey_used"
    assert Order.objects.get(pk=order.pk).rating == 4


def test_a_resent_survey_invalidates_the_old_link(county, operator, world, order_of):
    order = _through_to_done(county, operator, order_of(world["elder"]), world["provider"])
    survey.send(order.pk)
    order.refresh_from_db()
    old = survey.make_token(order)
    survey.send(order.pk)
    with pytest.raises(survey.TokenRefused):
        survey.order_for_token(old)


def test_low_rating_opens_a_follow_up_for_the_community(county, operator, world, order_of):
    order = _through_to_done(county, operator, order_of(world["elder"]), world["provider"])
    services.order_rate(order=order, rating=2, comment="来晚了一小时")
    fu = FollowUp.objects.get(order=order)
    assert fu.kind == FollowUpKind.SATISFACTION and fu.status == FollowUpStatus.OPEN
    assert "来晚了" in fu.description and fu.region_path == order.region_path
    good = _through_to_done(county, operator, order_of(world["elder"]), world["provider"])
    services.order_rate(order=good, rating=3)
    assert not FollowUp.objects.filter(order=good).exists()


def test_unrated_orders_are_followed_up_once_after_the_set_days(county, operator, world, order_of):
    order = _through_to_done(county, operator, order_of(world["elder"]), world["provider"])
    assert services.follow_up_unrated(now=timezone.now() + dt.timedelta(days=2)) == 0
    later = timezone.now() + dt.timedelta(days=3, minutes=1)
    assert services.follow_up_unrated(now=later) == 1
    assert services.follow_up_unrated(now=later) == 0
    fu = FollowUp.objects.get(order=order)
    assert "未评价" in fu.description


def test_phone_rating_needs_an_officer(county, operator, world, order_of):
    order = _through_to_done(county, operator, order_of(world["elder"]), world["provider"])
    with pytest.raises(Forbidden):
        services.order_rate(order=order, rating=5, channel="phone", actor=operator)
    order = services.order_rate(order=order, rating=5, channel="phone", actor=county)
    assert order.rating_channel == "phone"


def test_scope_sibling_county_sees_nothing(county, world, order_of, scope_users):
    order = order_of(world["elder"])
    users = scope_users()
    with pytest.raises(NotFound):
        selectors.order_get(users.sibling, order.pk)
    assert selectors.orders(users.sibling).count() == 0
    assert selectors.orders(users.above).filter(pk=order.pk).exists()
    assert not selectors.providers(users.sibling).filter(pk=world["provider"].pk).exists()


def test_a_visitor_requests_only_for_paired_elders(elder_of, paired, visitor_user, world):
    mine = elder_of(name="刘桂芳")
    paired(mine)
    item = ServiceItem.objects.get(code="clean_home")
    order = services.order_create(
        actor=visitor_user, elder=mine, item=item, scheduled_for=next_workday_at(), channel="visit"
    )
    assert order.channel == "visit"
    with pytest.raises(Forbidden):
        services.order_create(
            actor=visitor_user,
            elder=world["elder"],
            item=item,
            scheduled_for=next_workday_at(),
            channel="visit",
        )
