"""Demo ability assessments and care plans, recorded through the services as staff would."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from yanglao.accounts.models import User
from yanglao.core.scope import in_subtree
from yanglao.elders import assessment as calc
from yanglao.elders import assessment_services, services
from yanglao.elders.models import Elder
from yanglao.policy.selectors import lookup

ASSESSORS = ["王芳", "李建华", "赵丽", "刘洋", "陈静", "杨帆"]


def _actor_for(elder: Elder, admins: list[User]) -> User | None:
    for user in admins:
        if in_subtree(elder.region_path, user.region.path):
            return user
    return None


def load_assessments(share: float = 0.15, *, seed: int = 7) -> int:
    """Assess a share of the demo elders (idempotent: only elders never assessed)."""
    rng = random.Random(seed)
    admins = list(
        User.objects.filter(role__in=["city_admin", "county_admin"]).select_related("region")
    )
    today = timezone.localdate()
    elders = list(
        Elder.objects.filter(status="active", last_assessed_on__isnull=True)
        .select_related("region", "person")
        .order_by("pk")
    )
    if Elder.objects.filter(last_assessed_on__isnull=False).exists():
        return 0
    chosen = [e for e in elders if rng.random() < share]
    done = 0
    for elder in chosen:
        actor = _actor_for(elder, admins)
        rule = lookup("assessment.items", elder.region, today)
        if actor is None or rule is None:
            continue
        items = calc.catalogue(rule.params)
        # Most elders are intact or mildly impaired; a few need full care.
        ability = rng.choices([1.0, 0.85, 0.6, 0.4, 0.15], weights=[30, 35, 18, 10, 7])[0]
        scores = {
            item.code: max(
                0, min(item.max_score, round(item.max_score * ability + rng.uniform(-0.6, 0.6)))
            )
            for item in items.items
        }
        assessment_services.assessment_record(
            actor=actor,
            elder=elder,
            assessed_on=today - dt.timedelta(days=rng.randint(10, 500)),
            reason=rng.choice(["first", "routine"]),
            assessors=rng.sample(ASSESSORS, 2),
            scores=scores,
            dementia_or_psychiatric=rng.random() < 0.05,
            risk_events_30d=rng.choice([0, 0, 0, 1, 2]),
        )
        done += 1
    return done


def load_care_plans(share: float = 0.6, *, seed: int = 11) -> int:
    """Care plans for most high-risk elders, so the workbench shows the rest."""
    rng = random.Random(seed)
    admins = list(
        User.objects.filter(role__in=["city_admin", "county_admin"]).select_related("region")
    )
    today = timezone.localdate()
    count = 0
    high = (
        Elder.objects.filter(risk_level="high", status="active")
        .exclude(care_plans__isnull=False)
        .select_related("region", "person")
        .order_by("pk")
    )
    for elder in high:
        if rng.random() > share:
            continue
        actor = _actor_for(elder, admins)
        if actor is None:
            continue
        contact = elder.contacts.select_related("person").first()
        services.care_plan_save(
            actor=actor,
            elder=elder,
            needs=rng.choice(
                [
                    "独居，行动不便，需要助餐和定期探访",
                    "高龄独居，患高血压",
                    "失能卧床，需要上门照护",
                    "子女在外地，夜间无人照看",
                ]
            ),
            interventions=rng.choice(
                [
                    "每周两次上门探访；助餐；每月一次健康检查",
                    "结对党员每周电话问候两次、上门一次；安装紧急呼叫",
                    "每日助餐送餐；每周助洁一次；家庭医生签约随访",
                ]
            ),
            responsible=rng.choice(["李春梅（网格员）", "王建国（结对党员）", "赵敏（村医）"]),
            visits_per_week=rng.choice([2, 2, 3, 7]),
            emergency_contacts=(
                f"{contact.person.name}（{contact.get_relation_display()}）{contact.person.phone}"
                if contact
                else "村委会值班电话"
            ),
            emergency_procedure="发现异常立即拨打120并通知紧急联系人和村委会；跌倒不要强行扶起。",
            review_on=today + dt.timedelta(days=rng.choice([3, 30, 60, 90, 180])),
        )
        count += 1
    return count
