"""Every write to the elder registry: validated, in one transaction, audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.accounts.roles import ELDER_WRITERS, SENSITIVE_VIEWERS
from yanglao.core import audit
from yanglao.core.audit import AccessKind, log_access
from yanglao.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from yanglao.core.masking import mask_id_number, mask_phone
from yanglao.core.scope import in_subtree
from yanglao.people import services as people
from yanglao.people.idnumbers import IdNumberError
from yanglao.people.models import Person
from yanglao.regions.models import Level, Region

from . import risk
from .models import (
    CarePlan,
    Contact,
    Elder,
    ElderStatus,
    LivingSituation,
    Relation,
    Residence,
    Transfer,
    TransferStatus,
    Welfare,
)

MIN_AGE = 60

# Profile fields a form or an import may set, with their type.
BOOL_FIELDS = (
    "rural",
    "left_behind",
    "has_carer",
    "no_children",
    "children_outside_county",
    "family_planning_special",
    "widowed_childless",
    "party_member",
    "dementia",
)
CHOICE_FIELDS = {
    "residence": Residence,
    "living_situation": LivingSituation,
    "welfare": Welfare,
}
TEXT_FIELDS = ("note",)


def _ensure_writer(actor) -> None:
    if actor is not None and actor.role not in ELDER_WRITERS:
        raise Forbidden()


def _file_region(actor, code: str, field: str = "region") -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise ValidationFailed(fields={field: [_("区划代码 %(c)s 不存在") % {"c": code}]})
    if region.valid_to is not None:
        raise ValidationFailed(fields={field: [_("该区划已撤销，请选择现行区划")]})
    if region.level < Level.TOWNSHIP:
        raise ValidationFailed(fields={field: [_("档案应建在乡镇(街道)、村(社区)或网格")]})
    if actor is not None and not in_subtree(region.path, actor.region.path):
        raise ValidationFailed(fields={field: [_("只能在本人管辖的区划内建档")]})
    return region


def age_on(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def region_full_name(region: Region) -> str:
    codes = region.path.split(".")[1:]
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    return "".join(names.get(c, "") for c in codes)


def clean_profile(values: dict[str, Any]) -> dict[str, Any]:
    """Check profile fields; unknown names and bad choices are named in the error."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for name, value in values.items():
        if name in BOOL_FIELDS:
            clean[name] = bool(value)
        elif name in CHOICE_FIELDS:
            if value not in CHOICE_FIELDS[name].values:
                errors[name] = [_("取值不在允许范围内：%(v)s") % {"v": value}]
            else:
                clean[name] = value
        elif name == "ltc_grade":
            if value in (None, ""):
                clean[name] = None
            elif str(value).isdigit() and 0 <= int(value) <= 5:
                clean[name] = int(value)
            else:
                errors[name] = [_("长护险失能等级应为 0 到 5")]
        elif name in TEXT_FIELDS:
            clean[name] = str(value or "")[:2000]
        else:
            errors[name] = [_("未知字段")]
    if errors:
        raise ValidationFailed(fields=errors)
    return clean


def _clean_phone(phone: str, field: str = "phone") -> str:
    phone = (phone or "").strip().replace("-", "").replace(" ", "")
    if phone and (not phone.isdigit() or not 5 <= len(phone) <= 20):
        raise ValidationFailed(fields={field: [_("电话只能是 5 到 20 位数字")]})
    return phone


def _clean_name(name: str, field: str = "name") -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(fields={field: [_("姓名不能为空")]})
    if len(name) > 50:
        raise ValidationFailed(fields={field: [_("姓名最多 50 个字")]})
    return name


def _refresh_derived(elder: Elder) -> None:
    risk.refresh_risk(elder)


def _active_elsewhere(number_hash: str, exclude_pk: int | None = None) -> Elder | None:
    qs = Elder.objects.filter(id_number_hash=number_hash, status=ElderStatus.ACTIVE)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.select_related("region").first()


def _conflict(existing: Elder) -> Conflict:
    return Conflict(
        _("该身份证号已在 %(r)s 建档，可向对方发起档案转移")
        % {"r": region_full_name(existing.region)},
        code="id_active_elsewhere",
        fields={"id_number": [_("已在其他区划建档")]},
    )


@transaction.atomic
def elder_register(
    *,
    actor,
    name: str,
    id_number: str,
    region_code: str,
    phone: str = "",
    address: str = "",
    contacts: list[dict] | None = None,
    today: dt.date | None = None,
    request=None,
    **profile: Any,
) -> Elder:
    """建档: one active file per ID number, nationwide."""
    _ensure_writer(actor)
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    try:
        name = _clean_name(name)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    try:
        info = people.check_id_number(id_number, today)
    except IdNumberError as exc:
        errors["id_number"] = [str(exc)]
        info = None
    if info is not None and age_on(info.birth_date, today) < MIN_AGE:
        errors["id_number"] = [_("未满 60 周岁，不能建立老年人档案")]
    try:
        phone = _clean_phone(phone)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    try:
        profile = clean_profile(profile)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    try:
        region = _file_region(actor, region_code)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationFailed(fields=errors)
    number_hash = people.id_hash(info.number)
    existing = _active_elsewhere(number_hash)
    if existing is not None:
        raise _conflict(existing)
    person = Person.objects.filter(id_number_hash=number_hash).first()
    reactivated = False
    if person is not None and hasattr(person, "elder"):
        elder = person.elder
        if elder.status == ElderStatus.DECEASED:
            raise Conflict(
                _("该身份证号对应的老人已登记为已故"),
                code="elder_deceased",
                fields={"id_number": [_("已登记为已故")]},
            )
        reactivated = True
    if person is None:
        person = Person(region=region)
    people.apply_id(person, info)
    people.apply_name(person, name)
    person.phone = phone
    person.address = (address or "")[:200]
    person.region = region
    person.save()
    if reactivated:
        elder = person.elder
        elder.status = ElderStatus.ACTIVE
        elder.status_changed_on = today
    else:
        elder = Elder(person=person, created_by=actor)
    elder.region = region
    elder.region_path = region.path
    elder.id_number_hash = number_hash
    elder.id_warning = "；".join(info.warnings)[:200]
    for key, value in profile.items():
        setattr(elder, key, value)
    try:
        with transaction.atomic():
            elder.save()
    except IntegrityError:
        # Two offices registered the same number at the same moment.
        raise _conflict(_active_elsewhere(number_hash) or elder) from None
    for contact in contacts or []:
        contact_add(actor=None, elder=elder, audit_it=False, **contact)
    _refresh_derived(elder)
    audit.record(
        actor=actor,
        action="elder.reactivate" if reactivated else "elder.register",
        obj=elder,
        region=region,
        request=request,
        detail={"id": mask_id_number(info.number), "warnings": info.warnings},
    )
    return elder


@transaction.atomic
def elder_update(
    *,
    actor,
    elder: Elder,
    name: str | None = None,
    id_number: str | None = None,
    phone: str | None = None,
    address: str | None = None,
    region_code: str | None = None,
    request=None,
    **profile: Any,
) -> Elder:
    """Change a file; the audit row names the fields changed (sensitive values masked)."""
    _ensure_writer(actor)
    person = elder.person
    changes: dict[str, Any] = {}
    if name is not None and name.strip() != person.name:
        people.apply_name(person, _clean_name(name))
        changes["name"] = person.name
    if id_number is not None and id_number.strip():
        try:
            info = people.check_id_number(id_number)
        except IdNumberError as exc:
            raise ValidationFailed(fields={"id_number": [str(exc)]}) from None
        number_hash = people.id_hash(info.number)
        if number_hash != person.id_number_hash:
            if age_on(info.birth_date, timezone.localdate()) < MIN_AGE:
                raise ValidationFailed(
                    fields={"id_number": [_("未满 60 周岁，不能建立老年人档案")]}
                )
            existing = _active_elsewhere(number_hash, exclude_pk=elder.pk)
            if existing is not None:
                raise _conflict(existing)
            people.apply_id(person, info)
            elder.id_number_hash = number_hash
            elder.id_warning = "；".join(info.warnings)[:200]
            changes["id_number"] = mask_id_number(info.number)
    if phone is not None:
        phone = _clean_phone(phone)
        if phone != person.phone:
            person.phone = phone
            changes["phone"] = mask_phone(phone)
    if address is not None and address.strip() != person.address:
        person.address = address.strip()[:200]
        changes["address"] = "…"
    if region_code is not None and region_code != elder.region_id:
        region = _file_region(actor, region_code)
        elder.region, elder.region_path, person.region = region, region.path, region
        changes["region"] = region.code
    for key, value in clean_profile(profile).items():
        if getattr(elder, key) != value:
            setattr(elder, key, value)
            changes[key] = value
    if changes:
        person.save()
        elder.save()
        _refresh_derived(elder)
        audit.record(
            actor=actor,
            action="elder.update",
            obj=elder,
            request=request,
            detail={"changes": changes},
        )
    return elder


@transaction.atomic
def elder_set_status(
    *, actor, elder: Elder, status: str, on: dt.date, note: str = "", request=None
) -> Elder:
    """Moved away or deceased; never deleted. Back to active restores the file."""
    _ensure_writer(actor)
    if status not in ElderStatus.values:
        raise ValidationFailed(fields={"status": [_("未知状态")]})
    if on > timezone.localdate():
        raise ValidationFailed(fields={"on": [_("日期不能晚于今天")]})
    if status == ElderStatus.ACTIVE and elder.status != ElderStatus.ACTIVE:
        existing = _active_elsewhere(elder.id_number_hash, exclude_pk=elder.pk)
        if existing is not None and elder.id_number_hash:
            raise _conflict(existing)
    old = elder.status
    elder.status = status
    elder.status_changed_on = on
    elder.status_note = note[:200]
    elder.save(update_fields=["status", "status_changed_on", "status_note", "updated_at"])
    audit.record(
        actor=actor,
        action="elder.status",
        obj=elder,
        request=request,
        detail={"from": old, "to": status, "on": on.isoformat(), "note": note[:200]},
    )
    return elder


def contact_add(
    *,
    actor,
    elder: Elder,
    name: str,
    relation: str,
    phone: str = "",
    lives_in_county: bool = True,
    is_emergency: bool = False,
    audit_it: bool = True,
    request=None,
) -> Contact:
    if actor is not None:
        _ensure_writer(actor)
    if relation not in Relation.values:
        raise ValidationFailed(fields={"relation": [_("未知的关系：%(v)s") % {"v": relation}]})
    person = Person(region=elder.region, phone=_clean_phone(phone, "contacts.phone"))
    people.apply_name(person, _clean_name(name, "contacts.name"))
    person.save()
    contact = Contact.objects.create(
        elder=elder,
        person=person,
        relation=relation,
        lives_in_county=lives_in_county,
        is_emergency=is_emergency,
    )
    if audit_it:
        audit.record(
            actor=actor,
            action="elder.contact_add",
            obj=elder,
            request=request,
            detail={"relation": relation},
        )
    return contact


def reveal_id_number(*, actor, elder: Elder, request=None) -> str:
    """The full ID number, for those allowed; every full view is logged."""
    if actor.role not in SENSITIVE_VIEWERS:
        raise Forbidden(_("您的角色无权查看完整身份证号"))
    number = people.reveal_id(elder.person)
    log_access(
        actor=actor,
        kind=AccessKind.VIEW_SENSITIVE,
        obj=elder,
        field="id_number",
        request=request,
        region=elder.region,
    )
    return number


@transaction.atomic
def care_plan_save(
    *,
    actor,
    elder: Elder,
    needs: str,
    interventions: str,
    responsible: str,
    visits_per_week: int,
    emergency_contacts: str,
    emergency_procedure: str,
    review_on: dt.date,
    request=None,
) -> CarePlan:
    """一人一策: a new version; the previous one is kept, no longer current."""
    _ensure_writer(actor)
    errors: dict[str, list[str]] = {}
    for field, value in (
        ("needs", needs),
        ("interventions", interventions),
        ("responsible", responsible),
        ("emergency_contacts", emergency_contacts),
        ("emergency_procedure", emergency_procedure),
    ):
        if not (value or "").strip():
            errors[field] = [_("必填")]
    if not 1 <= int(visits_per_week or 0) <= 21:
        errors["visits_per_week"] = [_("每周探访次数应在 1 到 21 之间")]
    if review_on <= timezone.localdate():
        errors["review_on"] = [_("复核日期应晚于今天")]
    if errors:
        raise ValidationFailed(fields=errors)
    CarePlan.objects.filter(elder=elder, is_current=True).update(is_current=False)
    plan = CarePlan.objects.create(
        elder=elder,
        needs=needs.strip(),
        interventions=interventions.strip(),
        responsible=responsible.strip()[:200],
        visits_per_week=int(visits_per_week),
        emergency_contacts=emergency_contacts.strip()[:200],
        emergency_procedure=emergency_procedure.strip(),
        review_on=review_on,
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action="elder.care_plan",
        obj=elder,
        request=request,
        detail={"plan": plan.pk, "review_on": review_on.isoformat()},
    )
    return plan


@transaction.atomic
def transfer_request(
    *, actor, id_number: str, to_region_code: str, note: str = "", request=None
) -> Transfer:
    """The receiving side asks for a file it cannot see yet, by the elder's ID number."""
    _ensure_writer(actor)
    to_region = _file_region(actor, to_region_code, "to_region")
    try:
        info = people.check_id_number(id_number)
    except IdNumberError as exc:
        raise ValidationFailed(fields={"id_number": [str(exc)]}) from None
    elder = _active_elsewhere(people.id_hash(info.number))
    if elder is None:
        raise NotFound(_("没有在册的该身份证号档案，可直接建档"))
    if in_subtree(elder.region_path, actor.region.path):
        raise ValidationFailed(
            fields={"id_number": [_("该档案已在您的辖区内，直接修改所属区划即可")]}
        )
    return _open_transfer(actor, elder, to_region, True, note, request)


@transaction.atomic
def transfer_offer(
    *, actor, elder: Elder, to_region_code: str, note: str = "", request=None
) -> Transfer:
    """The sending side offers its file to another region."""
    _ensure_writer(actor)
    if elder.status != ElderStatus.ACTIVE:
        raise Conflict(_("只有在册的档案可以转出"), code="elder_inactive")
    to_region = Region.objects.filter(code=to_region_code).first()
    if to_region is None or to_region.level < Level.TOWNSHIP or to_region.valid_to:
        raise ValidationFailed(fields={"to_region": [_("请填写现行的乡镇(街道)或村(社区)代码")]})
    if to_region.pk == elder.region_id:
        raise ValidationFailed(fields={"to_region": [_("转入区划与当前区划相同")]})
    return _open_transfer(actor, elder, to_region, False, note, request)


def _open_transfer(actor, elder, to_region, by_receiver, note, request) -> Transfer:
    if Transfer.objects.filter(elder=elder, status=TransferStatus.PENDING).exists():
        raise Conflict(_("该档案已有一项待确认的转移"), code="transfer_pending")
    transfer = Transfer.objects.create(
        elder=elder,
        from_region=elder.region,
        to_region=to_region,
        initiated_by_receiver=by_receiver,
        note=note[:200],
        requested_by=actor,
    )
    audit.record(
        actor=actor,
        action="elder.transfer_open",
        obj=elder,
        region=elder.region,
        request=request,
        detail={"transfer": transfer.pk, "to": to_region.code, "by_receiver": by_receiver},
    )
    return transfer


@transaction.atomic
def transfer_decide(*, actor, transfer: Transfer, accept: bool, request=None) -> Transfer:
    """The other side accepts (the file and its history move) or rejects."""
    _ensure_writer(actor)
    transfer = (
        Transfer.objects.select_for_update()
        .select_related("elder", "elder__person", "from_region", "to_region")
        .get(pk=transfer.pk)
    )
    if transfer.status != TransferStatus.PENDING:
        raise Conflict(_("该转移已处理"), code="transfer_decided")
    deciding_region = transfer.from_region if transfer.initiated_by_receiver else transfer.to_region
    if not in_subtree(deciding_region.path, actor.region.path):
        raise Forbidden(_("应由对方区划确认该转移"))
    transfer.status = TransferStatus.ACCEPTED if accept else TransferStatus.REJECTED
    transfer.decided_by = actor
    transfer.decided_at = timezone.now()
    transfer.save(update_fields=["status", "decided_by", "decided_at"])
    if accept:
        elder = transfer.elder
        elder.region = transfer.to_region
        elder.region_path = transfer.to_region.path
        elder.save(update_fields=["region", "region_path", "updated_at"])
        Person.objects.filter(pk=elder.pk).update(region=transfer.to_region)
    for region in (transfer.from_region, transfer.to_region):
        audit.record(
            actor=actor,
            action="elder.transfer_accept" if accept else "elder.transfer_reject",
            obj=transfer.elder,
            region=region,
            request=request,
            detail={"transfer": transfer.pk},
        )
    return transfer


@transaction.atomic
def transfer_cancel(*, actor, transfer: Transfer, request=None) -> Transfer:
    _ensure_writer(actor)
    if transfer.status != TransferStatus.PENDING:
        raise Conflict(_("该转移已处理"), code="transfer_decided")
    opening_region = transfer.to_region if transfer.initiated_by_receiver else transfer.from_region
    if not in_subtree(opening_region.path, actor.region.path):
        raise Forbidden(_("只有发起方可以撤回"))
    transfer.status = TransferStatus.CANCELLED
    transfer.decided_by = actor
    transfer.decided_at = timezone.now()
    transfer.save(update_fields=["status", "decided_by", "decided_at"])
    audit.record(
        actor=actor,
        action="elder.transfer_cancel",
        obj=transfer.elder,
        region=transfer.from_region,
        request=request,
        detail={"transfer": transfer.pk},
    )
    return transfer
