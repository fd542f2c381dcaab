"""The copy of an elder's file handed over on an access request (查阅、复制): every
personal item the platform holds on the elder, as (section, item, value) rows."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.core.audit import log_access
from yanglao.core.models import AccessKind
from yanglao.elders.models import Elder
from yanglao.people.services import reveal_id

from .models import ConsentRecord, DataRequest


def file_rows(elder: Elder) -> list[tuple[str, str, str]]:
    person = elder.person
    basic = _("基本信息")
    rows: list[tuple[str, str, str]] = [
        (basic, _("姓名"), person.name),
        (basic, _("身份证号"), reveal_id(person)),
        (basic, _("出生日期"), person.birth_date.isoformat() if person.birth_date else ""),
        (basic, _("性别"), person.get_sex_display()),
        (basic, _("联系电话"), person.phone),
        (basic, _("住址"), person.address),
        (basic, _("所属村(社区)"), f"{elder.region.name}（{elder.region_id}）"),
        (basic, _("户籍/常住"), elder.get_residence_display()),
        (basic, _("居住情况"), elder.get_living_situation_display()),
        (basic, _("救助类别"), elder.get_welfare_display()),
        (basic, _("能力等级"), elder.get_ability_level_display()),
        (basic, _("长护险失能等级"), "" if elder.ltc_grade is None else str(elder.ltc_grade)),
        (basic, _("状态"), elder.get_status_display()),
        (basic, _("备注"), elder.note),
    ]
    for field in (
        "left_behind",
        "has_carer",
        "no_children",
        "children_outside_county",
        "family_planning_special",
        "widowed_childless",
        "party_member",
        "dementia",
    ):
        rows.append(
            (
                basic,
                str(Elder._meta.get_field(field).verbose_name),
                _("是") if getattr(elder, field) else _("否"),
            )
        )
    for contact in elder.contacts.select_related("person"):
        rows.append(
            (
                _("联系人"),
                contact.get_relation_display(),
                f"{contact.person.name} {contact.person.phone}".strip(),
            )
        )
    for assessment in elder.assessments.all():
        rows.append(
            (
                _("能力评估"),
                assessment.assessed_on.isoformat(),
                f"{assessment.get_level_display()}（{assessment.total}分）",
            )
        )
    for plan in elder.care_plans.all():
        rows.append(
            (
                _("一人一策"),
                plan.created_at.date().isoformat(),
                f"{plan.needs}；{plan.interventions}；{plan.emergency_contacts}",
            )
        )
    for record in ConsentRecord.objects.filter(elder=elder).select_related("notice"):
        state = _("有效") if record.in_force else _("已于 %(d)s 撤回") % {"d": record.withdrawn_on}
        rows.append(
            (_("处理依据"), record.given_on.isoformat(), f"{record.get_basis_display()}（{state}）")
        )
    return rows


def handover(*, actor, data_request: DataRequest, request=None) -> list[tuple[str, str, str]]:
    """The rows of the copy; the hand-over is written to the access log (full values)."""
    elder = data_request.elder
    rows = file_rows(elder)
    log_access(
        actor=actor,
        kind=AccessKind.EXPORT,
        obj=elder,
        request=request,
        region=elder.region,
        detail={
            "object_type": "ElderFileCopy",
            "data_request": data_request.pk,
            "rows": len(rows),
            "full_values": True,
            "at": timezone.now().isoformat(),
        },
    )
    return rows
