"""Demo supervision (督查): inspections of 中阳县 and 潞州区 facilities and of a township's
work, through the services, with findings in every state: overdue and escalated, reported
and waiting for re-inspection, re-inspected and closed (with its inspection closed),
re-inspected and given a new deadline; this week's planned inspections (one unannounced);
and last year's operator evaluations: 山西康乐养老服务有限公司 in 中阳县 passes on its
services' ratings (last year's orders are made through the services and dated back), and
长治市银发家园养老服务有限公司 in 潞州区 fails and is flagged for replacement."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from yanglao.accounts.models import User
from yanglao.core.errors import DomainError
from yanglao.demo.services import _back_date, _work
from yanglao.elders.models import Elder, ElderStatus
from yanglao.facilities.models import Facility
from yanglao.policy.selectors import lookup
from yanglao.regions.models import Region
from yanglao.services import services as order_services
from yanglao.services.models import Order, Provider, ServiceItem
from yanglao.supervision import rules, services
from yanglao.supervision.models import Inspection

ZY_OPERATOR = "山西康乐养老服务有限公司"
ZY_PROVIDER = "中阳县康乐居家养老服务中心"
CZ_OPERATOR = "长治市银发家园养老服务有限公司"


def _results(region: Region, target: str, on: dt.date, failing: dict) -> dict:
    res = lookup(rules.CHECKLIST_RULE, region, on)
    out = {i.code: {"result": "pass"} for i in rules.checklist_items(res.params, target)}
    out.update(failing)
    return out


def _inspect(actor, facility, *, on, kind="planned", inspectors, failing=None, summary=""):
    inspection = services.inspection_plan(
        actor=actor,
        data={
            "target_kind": "facility",
            "facility_id": facility.pk,
            "kind": kind,
            "planned_on": on.isoformat(),
            "inspectors": inspectors,
        },
    )
    return services.inspection_record(
        actor=actor,
        inspection=inspection,
        inspected_on=on,
        inspectors=inspectors,
        summary=summary,
        results=_results(facility.region, "facility", on, failing or {}),
    )


def _fail(severity: str, description: str, **extra) -> dict:
    return {"result": "fail", "severity": severity, "description": description, **extra}


def load_demo(*, seed: int = 9) -> dict:
    """Idempotent: does nothing when inspections exist already; all or nothing."""
    if Inspection.objects.exists():
        return {}
    county = User.objects.filter(username="zy_county").first()
    if county is None or not Facility.objects.filter(name="宁乡镇敬老院").exists():
        return {}
    with transaction.atomic():
        made = {"inspections": 0, "findings": 0, "evaluations": 0, "escalated": 0}
        _zhongyang(county, made)
        _luzhou(made)
        _evaluations(county, random.Random(seed), made)
        made["inspections"] = Inspection.objects.count()
        made["findings"] = sum(i.findings.count() for i in Inspection.objects.all())
        made["escalated"] = services.escalate_overdue()
    return made


def _zhongyang(county: User, made: dict) -> None:
    today = timezone.localdate()
    township = User.objects.filter(username="zy_jinluo").first()
    inspectors = "张福平、县消防救援大队 郭强"
    # 宁乡镇敬老院: its food licence lapsed; two findings long past their deadlines.
    home = Facility.objects.get(name="宁乡镇敬老院")
    _inspect(
        county,
        home,
        on=today - dt.timedelta(days=50),
        inspectors=inspectors,
        summary="改造后重新收住老人，备案、食品许可等手续未跟上。",
        failing={
            "food.rules": _fail(
                "major",
                "食品经营许可证已过期，厨房从业人员2人健康证过期",
                responsible="宁乡镇敬老院",
            ),
            "fire.equipment": _fail("minor", "二楼灭火器3具压力不足，应急照明1处损坏"),
        },
    )
    # 中阳县护理型中心敬老院: an unannounced visit; the finding reported and closed.
    central = Facility.objects.get(name="中阳县护理型中心敬老院")
    visit = _inspect(
        county,
        central,
        on=today - dt.timedelta(days=70),
        kind="unannounced",
        inspectors="张福平、乔耀荣",
        summary="暗访：夜班在岗，护理记录完整；洗衣房卫生较差。",
        failing={"hygiene.environment": _fail("minor", "洗衣房地面积水，污衣与净衣未分区存放")},
    )
    finding = visit.findings.get()
    services.finding_submit(
        actor=county,
        finding=finding,
        note="洗衣房已重新分区，地面做了防滑排水处理（运营方电话报告）",
    )
    services.finding_reinspect(
        actor=county,
        finding=finding,
        passed=True,
        on=today - dt.timedelta(days=40),
        note="现场复查：已分区存放，地面干燥。",
    )
    services.inspection_close(actor=county, inspection=visit)
    # 金罗镇敬老院: one finding a few days overdue, one not yet due.
    jinluo = Facility.objects.get(name="金罗镇敬老院")
    _inspect(
        county,
        jinluo,
        on=today - dt.timedelta(days=20),
        inspectors="张福平",
        failing={
            "safety.hazards": _fail("major", "取暖炉烟道未装防风帽，老人居室无一氧化碳报警器"),
            "records.ledger": _fail(
                "minor",
                "入住老人名册未更新",
                deadline=(today + dt.timedelta(days=10)).isoformat(),
            ),
        },
    )
    # 金罗镇's work as a whole: the visit ledger is short; the township has reported it done.
    work = services.inspection_plan(
        actor=county,
        data={
            "target_kind": "region",
            "region_code": "141129101",
            "kind": "planned",
            "planned_on": (today - dt.timedelta(days=35)).isoformat(),
            "inspectors": "张福平、乔耀荣",
        },
    )
    services.inspection_record(
        actor=county,
        inspection=work,
        inspected_on=today - dt.timedelta(days=35),
        summary="检查金罗镇农村养老服务工作：巡访制度落实，台账不全。",
        results=_results(
            work.region,
            "region",
            today - dt.timedelta(days=35),
            {"records.ledger": _fail("minor", "3个村巡访台账缺10月记录，未按周汇总")},
        ),
    )
    if township is not None:
        services.finding_submit(
            actor=township,
            finding=work.findings.get(),
            note="已补齐3个村10月巡访记录，建立每周汇总表",
        )
    # The township's own check of a courtyard: the re-inspection failed, a new deadline.
    courtyard = (
        Facility.objects.filter(
            region_path__startswith="00.14.1411.141129.141129101.", type="happiness_courtyard"
        )
        .exclude(status="building")
        .order_by("pk")
        .first()
    )
    if township is not None and courtyard is not None:
        check = _inspect(
            township,
            courtyard,
            on=today - dt.timedelta(days=40),
            inspectors="宋平",
            failing={"food.rules": _fail("major", "无食品留样，餐具未消毒")},
        )
        services.finding_reinspect(
            actor=township,
            finding=check.findings.get(),
            passed=False,
            on=today - dt.timedelta(days=22),
            note="已购置消毒柜，但仍无留样记录。",
            new_deadline=(today + dt.timedelta(days=6)).isoformat(),
        )
    # This week: a planned check of a day-care centre and an unannounced one of 金罗镇's.
    monday = today - dt.timedelta(days=today.weekday())
    later_this_week = max(today, monday + dt.timedelta(days=3))
    centres = list(
        Facility.objects.filter(
            region_path__startswith="00.14.1411.141129.", type="day_care_center"
        ).order_by("region_path")
    )
    for facility, kind, on in (
        (centres[0] if centres else None, "planned", later_this_week),
        (
            next((c for c in centres if c.region_path.startswith(jinluo.region.path)), None),
            "unannounced",
            later_this_week,
        ),
    ):
        if facility is not None:
            services.inspection_plan(
                actor=county,
                data={
                    "target_kind": "facility",
                    "facility_id": facility.pk,
                    "kind": kind,
                    "planned_on": on.isoformat(),
                    "inspectors": "张福平、县市场监管局 王磊",
                },
            )


def _luzhou(made: dict) -> None:
    officer = User.objects.filter(username="cz_luzhou").first()
    if officer is None:
        return
    today = timezone.localdate()
    last_year = today.year - 1
    bayi = Facility.objects.filter(name="八一社区居家养老一站式综合服务体").first()
    changxing = Facility.objects.filter(name="长兴社区居家养老一站式综合服务体").first()
    if bayi is not None:
        # Last September: no fire review of the converted building, services short.
        _inspect(
            officer,
            bayi,
            on=dt.date(last_year, 9, 15),
            inspectors="赵丽华、区消防救援大队",
            summary="利用旧厂房改造，未办理消防验收；助浴、上门服务未按协议开展。",
            failing={
                "fire.review": _fail(
                    "critical", "利用既有建筑改造，未办理消防设计审查、验收或备案"
                ),
                "service.delivery": _fail("major", "协议约定的助浴、上门服务未开展，服务记录缺失"),
                "records.ledger": _fail("minor", "服务台账与实际服务人次不符"),
            },
        )
    if changxing is not None:
        check = _inspect(
            officer,
            changxing,
            on=dt.date(last_year, 10, 20),
            inspectors="赵丽华",
            failing={"records.ledger": _fail("minor", "老人档案未按月更新")},
        )
        services.finding_reinspect(
            actor=officer,
            finding=check.findings.get(),
            passed=True,
            on=dt.date(last_year, 11, 10),
            note="已按月更新",
        )
        services.inspection_close(actor=officer, inspection=check)
    station = (
        Facility.objects.filter(
            region_path__startswith="00.14.1404.140403.", type="community_station"
        )
        .order_by("pk")
        .first()
    )
    if station is not None:
        _inspect(
            officer,
            station,
            on=today - dt.timedelta(days=10),
            inspectors="赵丽华",
            failing={"hygiene.environment": _fail("minor", "餐厅纱窗破损")},
        )


def _last_year_ratings(county: User, provider: Provider, rng: random.Random, year: int) -> int:
    """Orders of last year for the provider, made and rated through the services, then
    dated back (the evaluation reads the ratings of the year evaluated)."""
    elders = list(
        Elder.objects.filter(
            region_path__startswith="00.14.1411.141129.", status=ElderStatus.ACTIVE
        ).order_by("pk")[:200]
    )
    codes = list(provider.items.values_list("code", flat=True))
    if not elders or not codes:
        return 0
    items = {i.code: i for i in ServiceItem.objects.filter(code__in=codes)}
    ratings = [5] * 11 + [4] * 8 + [3] * 3 + [2, 1]
    rng.shuffle(ratings)
    made = 0
    for n, rating in enumerate(ratings):
        order = order_services.order_create(
            actor=county,
            elder=rng.choice(elders),
            item=items[rng.choice(codes)],
            scheduled_for=timezone.now() + dt.timedelta(hours=2),
            channel="phone",
        )
        try:
            order = _work(order, provider, county, rng, upto="done")
        except DomainError:  # nobody qualified for this item here: leave it out
            order_services.order_cancel(actor=county, order=order, reason="演示：无人接单")
            continue
        order_services.order_rate(
            order=order,
            rating=rating,
            comment="服务周到"
            if rating >= 4
            else ("一般" if rating == 3 else "上门迟到一个多小时"),
            channel="phone",
            actor=county,
        )
        day = dt.date(year, 2, 1) + dt.timedelta(days=13 * n)
        _back_date(
            Order.objects.get(pk=order.pk),
            timezone.make_aware(dt.datetime.combine(day, dt.time(9))),
        )
        made += 1
    return made


def _evaluations(county: User, rng: random.Random, made: dict) -> None:
    today = timezone.localdate()
    year = today.year - 1
    provider = Provider.objects.filter(name=ZY_PROVIDER).first()
    if Facility.objects.filter(operator_name=ZY_OPERATOR).exists():
        rated = provider is not None and _last_year_ratings(county, provider, rng, year)
        data = {
            "region_code": "141129",
            "year": year,
            "operator_name": ZY_OPERATOR,
            "provider_ids": [provider.pk] if rated else [],
            "scores": {"service_quality": "34", "internal_management": "25"},
            "evaluated_on": min(today, dt.date(today.year, 1, 15)).isoformat(),
            "evaluators": "中阳县民政局、县财政局",
            "note": "护理型床位使用充分，医养结合运转正常；个别上门服务迟到，已要求改进。",
        }
        if not rated:
            data["scores"]["satisfaction"] = "24"
            data["satisfaction_note"] = "入住老人及家属问卷40份，满意32份"
        services.evaluation_create(actor=county, data=data)
        made["evaluations"] += 1
    officer = User.objects.filter(username="cz_luzhou").first()
    if officer is not None and Facility.objects.filter(operator_name=CZ_OPERATOR).exists():
        luzhou_provider = Provider.objects.filter(name="潞州区银发家园服务中心").first()
        services.evaluation_create(
            actor=officer,
            data={
                "region_code": "140403",
                "year": year,
                "operator_name": CZ_OPERATOR,
                "provider_ids": [luzhou_provider.pk] if luzhou_provider else [],
                "scores": {
                    "service_quality": "22",
                    "internal_management": "17",
                    "satisfaction": "16.5",
                },
                "satisfaction_note": "第三方入户问卷40份，满意22份（平台上该年度服务评价不足10条）",
                "evaluated_on": min(today, dt.date(today.year, 1, 20)).isoformat(),
                "evaluators": "潞州区民政局、山西某社会工作评估中心",
                "note": "八一社区服务体消防验收至今未办，协议服务未足额提供，老人满意度低。",
            },
        )
        made["evaluations"] += 1
