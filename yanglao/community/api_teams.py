"""Volunteer teams and publicity: /api/v1/community/teams/..., /api/v1/community/
team-services/..., /api/v1/community/materials/...."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from yanglao.core.apischema import ERRORS, Page, PageParams, paginate

from . import publicity, teams

router = Router(tags=["community 志愿服务队 / 宣传与维权"])


class TeamOut(Schema):
    id: int
    name: str = Field(examples=["城关村党员志愿服务队"])
    kind: str = Field(examples=["party_members"])
    region_code: str = Field(examples=["141129100201"])
    region_name: str
    leader: str = ""
    phone: str = ""
    description: str = ""

    @staticmethod
    def of(t) -> TeamOut:
        return TeamOut(
            id=t.pk,
            name=t.name,
            kind=t.kind,
            region_code=t.region.code,
            region_name=t.region.name,
            leader=t.leader,
            phone=t.phone,
            description=t.description,
        )


class TeamMemberOut(Schema):
    id: int
    person_id: int
    name: str
    skills: str
    availability: str
    active: bool
    registered_community: str | None = Field(None, description="党员报到社区代码")
    party_member: bool = Field(description="有党员档案")
    confirmed_hours: str


class TeamDetailOut(TeamOut):
    members: list[TeamMemberOut] = []


class TeamQuery(PageParams):
    q: str = ""
    kind: str = ""
    region: str = Field("", description="区划代码（须在本人辖区内）")


class TeamIn(Schema):
    name: str = Field(max_length=100)
    kind: str = Field(examples=["party_members"])
    region: str = Field(examples=["141129100201"])
    leader: str = Field("", max_length=50)
    phone: str = Field("", max_length=20)
    description: str = ""


@router.get("/community/teams", response={200: Page[TeamOut], **ERRORS}, summary="服务队列表")
def list_teams(request: HttpRequest, query: Query[TeamQuery]):
    page = paginate(
        teams.teams_for(request.auth, q=query.q, kind=query.kind, region_code=query.region or None),
        query,
    )
    page["items"] = [TeamOut.of(t) for t in page["items"]]
    return page


@router.post("/community/teams", response={201: TeamOut, **ERRORS}, summary="新建服务队")
def create_team(request: HttpRequest, payload: TeamIn):
    team = teams.team_save(actor=request.auth, data=payload.dict(), request=request)
    return Status(201, TeamOut.of(team))


def _detail(team) -> TeamDetailOut:
    out = TeamDetailOut(**TeamOut.of(team).dict())
    out.members = [
        TeamMemberOut(
            id=r["member"].pk,
            person_id=r["member"].person_id,
            name=r["member"].person.name,
            skills=r["member"].skills,
            availability=r["member"].availability,
            active=r["member"].active,
            registered_community=getattr(r["registered_community"], "code", None),
            party_member=r["party"] is not None,
            confirmed_hours=f"{r['hours']:.2f}",
        )
        for r in teams.team_members(team)
    ]
    return out


@router.get(
    "/community/teams/{team_id}", response={200: TeamDetailOut, **ERRORS}, summary="服务队详情"
)
def get_team(request: HttpRequest, team_id: int):
    return _detail(teams.team_get(request.auth, team_id))


class TeamMemberIn(Schema):
    visitor_id: int | None = Field(None, description="探访员/志愿者编号")
    person_id: int | None = Field(None, description="或人员编号")
    skills: str = Field("", max_length=200)
    availability: str = Field("", max_length=200)
    joined_on: dt.date | None = None


@router.post(
    "/community/teams/{team_id}/members",
    response={201: TeamDetailOut, **ERRORS},
    summary="加入队员",
)
def add_member(request: HttpRequest, team_id: int, payload: TeamMemberIn):
    team = teams.team_get(request.auth, team_id)
    teams.member_add(actor=request.auth, team=team, request=request, **payload.dict())
    return Status(201, _detail(team))


class ServiceOut(Schema):
    id: int
    team_id: int
    member_id: int
    name: str
    served_on: dt.date
    hours: str
    activity_id: int | None = None
    what: str = ""
    confirmed: bool
    reference: str = Field(examples=["team_service:12"])

    @staticmethod
    def of(s) -> ServiceOut:
        return ServiceOut(
            id=s.pk,
            team_id=s.team_id,
            member_id=s.member_id,
            name=s.member.person.name,
            served_on=s.served_on,
            hours=f"{s.hours:.2f}",
            activity_id=s.activity_id,
            what=s.what,
            confirmed=s.confirmed_at is not None,
            reference=s.reference,
        )


class ServiceQuery(PageParams):
    confirmed: bool | None = None


@router.get(
    "/community/teams/{team_id}/services",
    response={200: Page[ServiceOut], **ERRORS},
    summary="服务时长记录",
)
def list_services(request: HttpRequest, team_id: int, query: Query[ServiceQuery]):
    team = teams.team_get(request.auth, team_id)
    page = paginate(teams.services_for(request.auth, team=team, confirmed=query.confirmed), query)
    page["items"] = [ServiceOut.of(s) for s in page["items"]]
    return page


class ServiceIn(Schema):
    member_id: int
    hours: Decimal = Field(gt=0, le=24, examples=["2.5"])
    served_on: dt.date
    activity_id: int | None = None
    what: str = Field("", max_length=200)


@router.post(
    "/community/teams/{team_id}/services",
    response={201: ServiceOut, **ERRORS},
    summary="记录服务时长（待确认）",
)
def record_service(request: HttpRequest, team_id: int, payload: ServiceIn):
    team = teams.team_get(request.auth, team_id)
    service = teams.service_record(actor=request.auth, team=team, request=request, **payload.dict())
    return Status(201, ServiceOut.of(service))


@router.post(
    "/community/team-services/{service_id}/confirm",
    response={200: ServiceOut, **ERRORS},
    summary="确认服务时长并计入时间银行（仅一次，重复确认返回 409）",
)
def confirm_service(request: HttpRequest, service_id: int):
    service = teams.service_get(request.auth, service_id)
    return ServiceOut.of(
        teams.service_confirm(actor=request.auth, service=service, request=request)
    )


# ------------------------------------------------------------------ publicity


class MaterialOut(Schema):
    id: int
    title: str
    kind: str = Field(examples=["fraud"])
    body: str
    region_code: str

    @staticmethod
    def of(m) -> MaterialOut:
        return MaterialOut(
            id=m.pk, title=m.title, kind=m.kind, body=m.body, region_code=m.region.code
        )


class MaterialQuery(PageParams):
    q: str = ""
    kind: str = ""


class MaterialIn(Schema):
    title: str = Field(max_length=120)
    kind: str = Field(examples=["fraud"])
    body: str
    region: str = Field("", description="发布单位区划代码，默认本人区划")


@router.get(
    "/community/materials", response={200: Page[MaterialOut], **ERRORS}, summary="宣传材料库"
)
def list_materials(request: HttpRequest, query: Query[MaterialQuery]):
    page = paginate(publicity.materials_for(request.auth, q=query.q, kind=query.kind), query)
    page["items"] = [MaterialOut.of(m) for m in page["items"]]
    return page


@router.post("/community/materials", response={201: MaterialOut, **ERRORS}, summary="新建材料")
def create_material(request: HttpRequest, payload: MaterialIn):
    material = publicity.material_save(actor=request.auth, data=payload.dict(), request=request)
    return Status(201, MaterialOut.of(material))


@router.get(
    "/community/materials/{material_id}", response={200: MaterialOut, **ERRORS}, summary="材料"
)
def get_material(request: HttpRequest, material_id: int):
    return MaterialOut.of(publicity.material_get(request.auth, material_id))


class PublicationOut(Schema):
    id: int
    material_id: int
    village_code: str
    village_name: str
    published_on: dt.date
    how: str = Field(examples=["posted"])
    note: str = ""

    @staticmethod
    def of(p) -> PublicationOut:
        return PublicationOut(
            id=p.pk,
            material_id=p.material_id,
            village_code=p.village.code,
            village_name=p.village.name,
            published_on=p.published_on,
            how=p.how,
            note=p.note,
        )


class PublicationQuery(PageParams):
    material_id: int | None = None
    village: str = Field("", description="村(社区)代码")


@router.get(
    "/community/publications",
    response={200: Page[PublicationOut], **ERRORS},
    summary="材料发布记录（哪些材料在何时到达哪些村）",
)
def list_publications(request: HttpRequest, query: Query[PublicationQuery]):
    material = (
        publicity.material_get(request.auth, query.material_id) if query.material_id else None
    )
    page = paginate(
        publicity.publications_for(request.auth, material=material, village_code=query.village),
        query,
    )
    page["items"] = [PublicationOut.of(p) for p in page["items"]]
    return page


class PublishIn(Schema):
    villages: list[str] = Field(examples=[["141129100201", "141129100202"]])
    published_on: dt.date
    how: str = Field(examples=["meeting"])
    note: str = Field("", max_length=200)


@router.post(
    "/community/materials/{material_id}/publications",
    response={201: list[PublicationOut], **ERRORS},
    summary="记录材料发布到村",
)
def publish_material(request: HttpRequest, material_id: int, payload: PublishIn):
    material = publicity.material_get(request.auth, material_id)
    rows = publicity.publish(
        actor=request.auth, material=material, request=request, **payload.dict()
    )
    return Status(201, [PublicationOut.of(p) for p in rows])
