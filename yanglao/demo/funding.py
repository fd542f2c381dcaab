"""Demo grants ledger: 潞州区's urban community project with its province award, the
city's top-up and the county's match (one use outside the allowed ones, the county match
of a past year not paid before June), Zhongyang's construction awards and operating
subsidies, and running-cost shares of a day-care centre. Amounts come from the estimator,
so they follow the rules in force."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from yanglao.accounts.models import User
from yanglao.facilities.models import Facility
from yanglao.funding import selectors, services
from yanglao.funding.models import GrantLine


def _parts(actor, facility: Facility, on: dt.date, **facts):
    result = selectors.estimate(
        actor=actor,
        region_code=facility.region_id,
        facility_type=facility.type,
        on_date=on,
        **facts,
    )
    return result.parts


def load_demo() -> int:
    """Idempotent: does nothing when the ledger has lines; all or nothing."""
    if GrantLine.objects.exists():
        return 0
    luzhou = User.objects.filter(username="cz_luzhou").first()
    county = User.objects.filter(username="zy_county").first()
    project = Facility.objects.filter(name="紫金街道城镇社区养老幸福工程").first()
    if luzhou is None or county is None or project is None:
        return 0
    today = timezone.localdate()
    year = today.year - 2  # the award year: the county match was due before June last year
    made = 0
    with transaction.atomic():
        on = dt.date(year, 5, 10)
        for part in _parts(
            luzhou, project, on, floor_area_m2=project.floor_area_m2 or Decimal(2300)
        ):
            line = services.grant_record(
                actor=luzhou,
                facility=project,
                year=year,
                payer_level=part.payer_level,
                kind=part.kind,
                rule_id=part.rule_id,
                amount=part.amount,
                status="approved",
                on_date=on,
                memo=part.title[:200],
            )
            made += 1
            if part.payer_level == "county":
                continue  # never disbursed: the deadline is missed
            services.grant_status(
                actor=luzhou, grant=line.grant, status="disbursed", on_date=dt.date(year, 8, 1)
            )
            if part.payer_level == "province":
                for use, share, memo in [
                    ("fit_out", "0.4", "适老化装修"),
                    ("equipment", "0.2", "康复与助浴设备"),
                    ("rent", "0.05", "临时租用场地（不在允许用途内）"),
                ]:
                    services.grant_spend(
                        actor=luzhou,
                        grant=line.grant,
                        amount=(part.amount * Decimal(share)).quantize(Decimal("0.01")),
                        use=use,
                        on_date=dt.date(year, 10, 15),
                        memo=memo,
                    )
        day_care = (
            Facility.objects.filter(
                region_path__startswith="00.14.1411.141129.", type="day_care_center"
            )
            .order_by("name")
            .first()
        )
        if day_care is not None:
            on = dt.date(today.year - 1, 3, 1)
            for part in _parts(county, day_care, on, provides_meals=day_care.serves_meals):
                services.grant_record(
                    actor=county,
                    facility=day_care,
                    year=on.year,
                    payer_level=part.payer_level,
                    kind=part.kind,
                    rule_id=part.rule_id,
                    amount=part.amount,
                    status="disbursed" if part.kind == "operating_subsidy" else "approved",
                    on_date=on,
                    memo=part.title[:200],
                )
                made += 1
            for source, amount in [
                ("government", "30000"),
                ("collective", "8000"),
                ("donations", "5000"),
                ("elder", "12000"),
                ("children", "6000"),
            ]:
                services.running_cost_record(
                    actor=county,
                    facility=day_care,
                    year=on.year,
                    source=source,
                    amount=amount,
                    on_date=dt.date(on.year, 12, 31),
                )
    return made
