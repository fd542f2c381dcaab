"""Elder registry endpoints: /api/v1/elders."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.decorators import decorate_view

from yanglao.core.apischema import ERRORS, Page, PageParams, paginate
from yanglao.core.idempotency import idempotent
from yanglao.core.masking import mask_phone

from . import selectors, services
from .models import (
    CarePlan,
    Elder,
    ElderStatus,
    LivingSituation,
    Relation,
    Residence,
    RiskLevel,
    Transfer,
    Welfare,
)

router = Router(tags=["elders 老年人"])


class ElderOut(Schema):
    id: int
    name: str = Field(examples=["张桂兰"])
    name_initials: str = Field(examples=["zgl"])
    id_number: str = Field(description="已脱敏", examples=["141129********1234"])
    birth_date: dt.date | None = Field(examples=["1941-03-08"])
    age: int | None = Field(examples=[85])
    sex: str = Field(examples=["F"])
    phone: str = Field(description="已脱敏", examples=["138****5678"])
    address: str
    region_code: str = Field(examples=["141129101201"])
    region_name: str
    residence: Residence
    rural: bool
    living_situation: LivingSituation
    left_behind: bool
    has_carer: bool
    no_children: bool
    children_outside_county: bool
    welfare: Welfare
    family_planning_special: bool
    widowed_childless: bool
    party_member: bool
    dementia: bool
    ltc_grade: int | None
    ability_level: str = Field(description="空表示尚未评估", examples=["mild"])
    last_assessed_on: dt.date | None
    risk_level: RiskLevel
    status: ElderStatus
    id_warning: str

    @staticmethod
    def of(elder: Elder, today: dt.date | None = None) -> dict:
        person = elder.person
        today = today or timezone.localdate()
        return {
            "id": elder.pk,
            "name": person.name,
            "name_initials": person.name_initials,
            "id_number": person.masked_id_number,
            "birth_date": person.birth_date,
            "age": services.age_on(person.birth_date, today) if person.birth_date else None,
            "sex": person.sex,
            "phone": mask_phone(person.phone),
            "address": person.address,
            "region_code": elder.region_id,
            "region_name": elder.region.name,
            **{
                name: getattr(elder, name)
                for name in (
                    "residence",
                    "rural",
                    "living_situation",
                    "left_behind",
                    "has_carer",
                    "no_children",
                    "children_outside_county",
                    "welfare",
                    "family_planning_special",
                    "widowed_childless",
                    "party_member",
                    "dementia",
                    "ltc_grade",
                    "ability_level",
                    "last_assessed_on",
                    "risk_level",
                    "status",
                    "id_warning",
                )
            },
        }


class ElderListQuery(PageParams):
    q: str = Field(
        "", max_length=50, description="姓名、拼音首字母（如 zgl）、全拼、身份证后四位或电话"
    )
    region: str = Field("", max_length=15, description="区划代码（含下级）", examples=["141129101"])
    group: str = Field("", max_length=60, description="目标人群代码，见 /api/v1/elders/groups")
    risk: RiskLevel | None = None
    ability: str = Field("", pattern="^(|none|intact|mild|moderate|severe|complete_loss)$")
    age_min: int | None = Field(None, ge=60, le=130)
    age_max: int | None = Field(None, ge=60, le=130)
    status: str = Field("active", pattern="^(|active|moved|deceased)$")
    sort: str = Field("name", pattern="^(name|age|-age|risk|recent)$")


class ContactIn(Schema):
    name: str = Field(max_length=50, examples=["王建军"])
    relation: Relation = Field(examples=["child"])
    phone: str = Field("", max_length=20, examples=["13912345678"])
    lives_in_county: bool = True
    is_emergency: bool = False


class ElderIn(Schema):
    name: str = Field(max_length=50, examples=["张桂兰"])
    id_number: str = Field(max_length=20, examples=["141129194103081225"])
    region: str = Field(max_length=15, examples=["141129101201"])
    phone: str = Field("", max_length=20, examples=["13812345678"])
    address: str = Field("", max_length=200, examples=["金罗镇金罗村三组12号"])
    residence: Residence = Residence.BOTH
    rural: bool = True
    living_situation: LivingSituation = LivingSituation.WITH_FAMILY
    left_behind: bool = False
    has_carer: bool = True
    no_children: bool = False
    children_outside_county: bool = False
    welfare: Welfare = Welfare.NONE
    family_planning_special: bool = False
    widowed_childless: bool = False
    party_member: bool = False
    dementia: bool = False
    ltc_grade: int | None = Field(None, ge=0, le=5)
    note: str = Field("", max_length=2000)
    contacts: list[ContactIn] = Field(default_factory=list)


class ElderPatch(Schema):
    name: str | None = Field(None, max_length=50)
    id_number: str | None = Field(None, max_length=20)
    region: str | None = Field(None, max_length=15)
    phone: str | None = Field(None, max_length=20)
    address: str | None = Field(None, max_length=200)
    residence: Residence | None = None
    rural: bool | None = None
    living_situation: LivingSituation | None = None
    left_behind: bool | None = None
    has_carer: bool | None = None
    no_children: bool | None = None
    children_outside_county: bool | None = None
    welfare: Welfare | None = None
    family_planning_special: bool | None = None
    widowed_childless: bool | None = None
    party_member: bool | None = None
    dementia: bool | None = None
    ltc_grade: int | None = Field(None, ge=0, le=5)
    note: str | None = Field(None, max_length=2000)


class TransferOut(Schema):
    id: int
    elder_name: str
    from_region: str
    to_region: str
    initiated_by_receiver: bool
    status: str
    note: str
    created_at: dt.datetime

    @staticmethod
    def of(t: Transfer) -> dict:
        return {
            "id": t.pk,
            "elder_name": t.elder.person.name,
            "from_region": t.from_region_id,
            "to_region": t.to_region_id,
            "initiated_by_receiver": t.initiated_by_receiver,
            "status": t.status,
            "note": t.note,
            "created_at": t.created_at,
        }


class TransferRequestIn(Schema):
    id_number: str = Field(max_length=20, examples=["141129194103081225"])
    to_region: str = Field(max_length=15, examples=["140403001001"])
    note: str = Field("", max_length=200)


class TransferOfferIn(Schema):
    to_region: str = Field(max_length=15, examples=["140403001001"])
    note: str = Field("", max_length=200)


class TransferDecisionIn(Schema):
    accept: bool


class TransferQuery(PageParams):
    status: str = Field("", pattern="^(|pending|accepted|rejected|cancelled)$")


PERSON_KEYS = ("name", "id_number", "phone", "address")


def _enum(value):
    return value.value if hasattr(value, "value") else value


@router.get("", response={200: Page[ElderOut], **ERRORS}, summary="老年人档案列表")
def list_elders(request: HttpRequest, query: Query[ElderListQuery]):
    filters = selectors.ElderFilters(
        q=query.q,
        region=query.region,
        group=query.group,
        risk=_enum(query.risk) or "",
        ability=query.ability,
        age_min=query.age_min,
        age_max=query.age_max,
        status=query.status,
        sort=query.sort,
    )
    page = paginate(selectors.elders_for(request.auth, filters), query)
    today = timezone.localdate()
    page["items"] = [ElderOut.of(e, today) for e in page["items"]]
    return page


@router.post(
    "",
    response={201: ElderOut, **ERRORS},
    summary="建档",
    description="身份证号已在其他区划在册时返回 409，只说明是哪个区划，可发起档案转移。",
)
@decorate_view(idempotent)
def create_elder(request: HttpRequest, payload: ElderIn):
    data = payload.dict()
    contacts = [{**c, "relation": _enum(c["relation"])} for c in data.pop("contacts")]
    profile = {k: _enum(v) for k, v in data.items() if k not in (*PERSON_KEYS, "region")}
    elder = services.elder_register(
        actor=request.auth,
        name=data["name"],
        id_number=data["id_number"],
        region_code=data["region"],
        phone=data["phone"],
        address=data["address"],
        contacts=contacts,
        request=request,
        **profile,
    )
    return Status(201, ElderOut.of(elder))


@router.get(
    "/transfers", response={200: Page[TransferOut], **ERRORS}, summary="本辖区转入或转出的档案转移"
)
def list_transfers(request: HttpRequest, query: Query[TransferQuery]):
    page = paginate(selectors.transfers_for(request.auth, status=query.status), query)
    page["items"] = [TransferOut.of(t) for t in page["items"]]
    return page


@router.post(
    "/transfers", response={201: TransferOut, **ERRORS}, summary="转入方按身份证号申请转入档案"
)
@decorate_view(idempotent)
def request_transfer(request: HttpRequest, payload: TransferRequestIn):
    transfer = services.transfer_request(
        actor=request.auth,
        id_number=payload.id_number,
        to_region_code=payload.to_region,
        note=payload.note,
        request=request,
    )
    return Status(201, TransferOut.of(transfer))


@router.post(
    "/transfers/{transfer_id}/decision",
    response={200: TransferOut, **ERRORS},
    summary="对方确认接收或拒绝",
)
@decorate_view(idempotent)
def decide_transfer(request: HttpRequest, transfer_id: int, payload: TransferDecisionIn):
    transfer = selectors.transfer_get(request.auth, transfer_id)
    transfer = services.transfer_decide(
        actor=request.auth, transfer=transfer, accept=payload.accept, request=request
    )
    return TransferOut.of(transfer)


@router.get("/{elder_id}", response={200: ElderOut, **ERRORS}, summary="档案详情")
def get_elder(request: HttpRequest, elder_id: int):
    return ElderOut.of(selectors.elder_get(request.auth, elder_id))


@router.patch("/{elder_id}", response={200: ElderOut, **ERRORS}, summary="修改档案")
@decorate_view(idempotent)
def patch_elder(request: HttpRequest, elder_id: int, payload: ElderPatch):
    elder = selectors.elder_get(request.auth, elder_id)
    data = {k: _enum(v) for k, v in payload.dict(exclude_unset=True).items()}
    person = {k: data.pop(k) for k in PERSON_KEYS if k in data}
    region = data.pop("region", None)
    elder = services.elder_update(
        actor=request.auth, elder=elder, region_code=region, request=request, **person, **data
    )
    return ElderOut.of(elder)


class StatusIn(Schema):
    status: ElderStatus = Field(examples=["deceased"])
    on: dt.date = Field(examples=["2026-11-20"])
    note: str = Field("", max_length=200)


@router.post(
    "/{elder_id}/status",
    response={200: ElderOut, **ERRORS},
    summary="迁出、已故或恢复在册（档案不删除）",
)
@decorate_view(idempotent)
def set_status(request: HttpRequest, elder_id: int, payload: StatusIn):
    elder = selectors.elder_get(request.auth, elder_id)
    elder = services.elder_set_status(
        actor=request.auth,
        elder=elder,
        status=_enum(payload.status),
        on=payload.on,
        note=payload.note,
        request=request,
    )
    return ElderOut.of(elder)


class IdNumberOut(Schema):
    id_number: str = Field(examples=["141129194103081225"])


@router.post(
    "/{elder_id}/id-number",
    response={200: IdNumberOut, **ERRORS},
    summary="查看完整身份证号（记入访问日志）",
)
def reveal_id(request: HttpRequest, elder_id: int):
    elder = selectors.elder_get(request.auth, elder_id)
    return {
        "id_number": services.reveal_id_number(actor=request.auth, elder=elder, request=request)
    }


class CarePlanIn(Schema):
    needs: str = Field(max_length=4000, examples=["独居，高血压，行动不便"])
    interventions: str = Field(max_length=4000, examples=["每周两次上门探访；助餐；每月体检"])
    responsible: str = Field(max_length=200, examples=["李春梅（网格员）"])
    visits_per_week: int = Field(ge=1, le=21, examples=[2])
    emergency_contacts: str = Field(max_length=200, examples=["王建军（儿子）13912345678"])
    emergency_procedure: str = Field(max_length=4000, examples=["跌倒：拨打120，通知儿子"])
    review_on: dt.date = Field(examples=["2027-05-20"])


class CarePlanOut(CarePlanIn):
    id: int
    is_current: bool
    created_at: dt.datetime

    @staticmethod
    def of(plan: CarePlan) -> dict:
        return {
            k: getattr(plan, k)
            for k in (
                "id",
                "needs",
                "interventions",
                "responsible",
                "visits_per_week",
                "emergency_contacts",
                "emergency_procedure",
                "review_on",
                "is_current",
                "created_at",
            )
        }


@router.get(
    "/{elder_id}/care-plan",
    response={200: list[CarePlanOut], **ERRORS},
    summary="一人一策（现行版本在前，含历史版本）",
)
def care_plans(request: HttpRequest, elder_id: int):
    elder = selectors.elder_get(request.auth, elder_id)
    return [CarePlanOut.of(p) for p in elder.care_plans.order_by("-is_current", "-created_at")]


@router.put(
    "/{elder_id}/care-plan",
    response={201: CarePlanOut, **ERRORS},
    summary="保存一人一策（新版本，旧版本保留）",
)
@decorate_view(idempotent)
def save_care_plan(request: HttpRequest, elder_id: int, payload: CarePlanIn):
    elder = selectors.elder_get(request.auth, elder_id)
    plan = services.care_plan_save(
        actor=request.auth, elder=elder, request=request, **payload.dict()
    )
    return Status(201, CarePlanOut.of(plan))


@router.post(
    "/{elder_id}/transfer",
    response={201: TransferOut, **ERRORS},
    summary="转出方把档案转给另一区划",
)
@decorate_view(idempotent)
def offer_transfer(request: HttpRequest, elder_id: int, payload: TransferOfferIn):
    elder = selectors.elder_get(request.auth, elder_id)
    transfer = services.transfer_offer(
        actor=request.auth,
        elder=elder,
        to_region_code=payload.to_region,
        note=payload.note,
        request=request,
    )
    return Status(201, TransferOut.of(transfer))
