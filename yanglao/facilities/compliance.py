"""The compliance record of a facility (合规事项): each item missing, overdue, expiring or
in order, with the rule that asks for it and its source.

- Fire safety of converted buildings (design review, acceptance or filing; Changzhi,
  ``facility.fire_safety_review``).
- The care institution filing within N working days of the first resident (民政部令第66号,
  ``institution.filing``; working days from the official holiday calendar).
- The food licence of a facility that serves meals, the liability insurance.
- Medical-insurance designation of an inner medical unit, possible N months after
  opening (Changzhi, ``facility.medical_insurance``).
- Utilities at residential prices (Changzhi, ``facility.utility_pricing``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.policy.selectors import RuleBook
from yanglao.policy.selectors import lookup as policy_lookup

from .models import RESIDENTIAL_TYPES, Facility, FacilityStatus

OK, MISSING, OVERDUE, DUE, EXPIRING, INFO = "ok", "missing", "overdue", "due", "expiring", "info"
PROBLEMS = (MISSING, OVERDUE)


@dataclass
class Item:
    code: str
    label: str
    state: str
    detail: str
    rule_id: str = ""
    source: str = ""

    @property
    def problem(self) -> bool:
        return self.state in PROBLEMS


def source_of(resolution) -> str:
    rule = resolution.decisive
    return _("本地默认值") if rule.local_default else rule.source


def is_workday(day: dt.date) -> bool:
    try:
        import chinese_calendar

        return chinese_calendar.is_workday(day)
    except (ImportError, NotImplementedError):
        return day.isoweekday() <= 5


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date ``days`` working days after ``start`` (official holidays skipped,
    make-up Saturdays counted)."""
    day, left = start, days
    while left > 0:
        day += dt.timedelta(days=1)
        if is_workday(day):
            left -= 1
    return day


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the month's last day when it has no such day."""
    import calendar

    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def working_days_between(start: dt.date, end: dt.date) -> int:
    n, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        n += is_workday(day)
    return n


RULE_PREFIXES = ("facility.", "institution.", "urban_project.area")


def rule_book(on: dt.date | None = None) -> RuleBook:
    """One read of the facility rules, for checking many facilities."""
    return RuleBook(RULE_PREFIXES, on)


def items(facility: Facility, today: dt.date | None = None, book=None) -> list[Item]:
    today = today or timezone.localdate()
    lookup = book.lookup if book is not None else policy_lookup
    region = facility.region
    out: list[Item] = []
    active = facility.status in (FacilityStatus.OPERATING, FacilityStatus.SUSPENDED)

    fire = lookup("facility.fire_safety_review", region, today)
    if fire is not None and facility.converted_building:
        if facility.fire_review:
            out.append(
                Item(
                    "fire",
                    _("消防手续"),
                    OK,
                    facility.get_fire_review_display(),
                    fire.rule_id,
                    source_of(fire),
                )
            )
        else:
            out.append(
                Item(
                    "fire",
                    _("消防手续"),
                    MISSING,
                    _("利用既有建筑改造的设施须办理消防设计审查、验收或备案"),
                    fire.rule_id,
                    source_of(fire),
                )
            )

    filing = lookup("institution.filing", region, today)
    if filing is not None and facility.type in RESIDENTIAL_TYPES and facility.first_resident_on:
        days = int(filing.params.get("working_days", 10))
        due = add_working_days(facility.first_resident_on, days)
        warn = lookup("institution.filing_warning", region, today)
        warn_days = int(warn.params.get("warn_before_working_days", 3)) if warn else 3
        if facility.filed_on:
            late = facility.filed_on > due
            out.append(
                Item(
                    "filing",
                    _("养老机构备案"),
                    OK,
                    (
                        _("已于 %(d)s 备案（期限 %(due)s，逾期）")
                        if late
                        else _("已于 %(d)s 备案（期限 %(due)s）")
                    )
                    % {"d": facility.filed_on, "due": due},
                    filing.rule_id,
                    source_of(filing),
                )
            )
        elif today > due:
            out.append(
                Item(
                    "filing",
                    _("养老机构备案"),
                    OVERDUE,
                    _(
                        "首位老人 %(first)s 入住，应在 %(n)s 个工作日内（%(due)s 前）备案，"
                        "已逾期 %(late)s 个工作日"
                    )
                    % {
                        "first": facility.first_resident_on,
                        "n": days,
                        "due": due,
                        "late": working_days_between(due, today),
                    },
                    filing.rule_id,
                    source_of(filing),
                )
            )
        else:
            left = working_days_between(today, due)
            out.append(
                Item(
                    "filing",
                    _("养老机构备案"),
                    DUE if left <= warn_days else INFO,
                    _("应在 %(due)s 前备案（还有 %(left)s 个工作日）") % {"due": due, "left": left},
                    filing.rule_id,
                    source_of(filing),
                )
            )

    if facility.serves_meals and active:
        if not facility.food_licence_no:
            out.append(Item("food", _("食品经营许可"), MISSING, _("提供用餐须取得食品经营许可")))
        elif facility.food_licence_expires and facility.food_licence_expires < today:
            out.append(
                Item(
                    "food",
                    _("食品经营许可"),
                    OVERDUE,
                    _("已于 %(d)s 过期") % {"d": facility.food_licence_expires},
                )
            )
        elif (
            facility.food_licence_expires
            and facility.food_licence_expires <= today + dt.timedelta(days=30)
        ):
            out.append(
                Item(
                    "food",
                    _("食品经营许可"),
                    EXPIRING,
                    _("将于 %(d)s 到期") % {"d": facility.food_licence_expires},
                )
            )
        else:
            out.append(Item("food", _("食品经营许可"), OK, facility.food_licence_no))

    if active:
        if facility.insurance_expires is None:
            out.append(Item("insurance", _("责任保险"), MISSING, _("未登记责任保险")))
        elif facility.insurance_expires < today:
            out.append(
                Item(
                    "insurance",
                    _("责任保险"),
                    OVERDUE,
                    _("已于 %(d)s 过期") % {"d": facility.insurance_expires},
                )
            )
        elif facility.insurance_expires <= today + dt.timedelta(days=30):
            out.append(
                Item(
                    "insurance",
                    _("责任保险"),
                    EXPIRING,
                    _("将于 %(d)s 到期") % {"d": facility.insurance_expires},
                )
            )
        else:
            out.append(
                Item(
                    "insurance",
                    _("责任保险"),
                    OK,
                    _("有效期至 %(d)s") % {"d": facility.insurance_expires},
                )
            )

    medical = lookup("facility.medical_insurance", region, today)
    if medical is not None and facility.has_medical_unit and facility.opened_on:
        months = int(medical.params.get("months_after_opening", 3))
        eligible = add_months(facility.opened_on, months)
        if facility.medical_insurance_on:
            out.append(
                Item(
                    "medical",
                    _("医保定点"),
                    OK,
                    _("%(d)s 纳入医保定点") % {"d": facility.medical_insurance_on},
                    medical.rule_id,
                    source_of(medical),
                )
            )
        elif today >= eligible:
            out.append(
                Item(
                    "medical",
                    _("医保定点"),
                    MISSING,
                    _("内设医疗机构自 %(d)s 起可申请医保定点，尚未纳入") % {"d": eligible},
                    medical.rule_id,
                    source_of(medical),
                )
            )
        else:
            out.append(
                Item(
                    "medical",
                    _("医保定点"),
                    INFO,
                    _("%(d)s 起可申请医保定点") % {"d": eligible},
                    medical.rule_id,
                    source_of(medical),
                )
            )

    utilities = lookup("facility.utility_pricing", region, today)
    if utilities is not None and active:
        out.append(
            Item(
                "utilities",
                _("水电气热居民价格"),
                OK if facility.residential_utilities else MISSING,
                _("已执行居民价格") if facility.residential_utilities else _("尚未执行居民价格"),
                utilities.rule_id,
                source_of(utilities),
            )
        )
    return out


def problems(facility: Facility, today: dt.date | None = None, book=None) -> list[Item]:
    return [i for i in items(facility, today, book) if i.problem]
