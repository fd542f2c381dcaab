"""A small world for the isolation walk: the same records in several places, each marked.

``build_world()`` fills four places with one of everything a page or an API operation
can show, written through the services (as an officer of the place would):

- ``A`` 中阳县 (141129): where the walking users work;
- ``B`` 柳林县 (141125): a sibling county in the same city (吕梁 1411);
- ``P`` 吕梁市 (1411) itself: records kept at the parent city's own level;
- ``C`` 潞州区 (140403, 长治): a county in another city, for users at the city level.

Every record of place X carries the marker ``隔离<tag>`` in its name or title, and its
people have ID numbers and mobile numbers unique to X. A response shown to a user
outside X that holds any of X's markers (the tag, a full or masked ID number or phone
of X's people) is a leak.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from yanglao.core.masking import mask_id_number, mask_phone
from yanglao.people.idnumbers import make_id_number

# place key -> (county/region code, township, village, tag, phone block)
PLACES: dict[str, tuple[str, str, str, str, str]] = {
    "A": ("141129", "141129101", "141129101201", "甲", "11"),
    "B": ("141125", "141125100", "141125100201", "乙", "22"),
    "C": ("140403", "140403001", "140403001201", "丙", "33"),
    "P": ("1411", "", "", "丁", "44"),
}


@dataclass
class Place:
    key: str
    code: str
    township: str
    village: str
    tag: str
    officer: Any = None  # the county (or city) officer who wrote the records
    objects: dict[str, Any] = field(default_factory=dict)
    id_numbers: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    _phone_seq: int = 0
    _id_seq: int = 0

    @property
    def marker(self) -> str:
        return f"隔离{self.tag}"

    def name(self, what: str) -> str:
        return f"{self.marker}{what}"

    def phone(self) -> str:
        self._phone_seq += 1
        block = PLACES[self.key][4]
        number = f"1390000{block}{self._phone_seq:02d}"
        self.phones.append(number)
        return number

    def id_number(self, born: dt.date = dt.date(1941, 3, 8)) -> str:
        self._id_seq += 1
        region = self.code if len(self.code) == 6 else "141100"
        number = make_id_number(region, born, 500 + self._id_seq * 7)
        self.id_numbers.append(number)
        return number

    def markers(self) -> list[str]:
        """Every string that would show a record of this place."""
        out = [self.marker]
        out += self.id_numbers + [mask_id_number(n) for n in self.id_numbers]
        out += self.phones + [mask_phone(p) for p in self.phones]
        return out


def _village(code: str, name: str):
    from yanglao.regions.models import Region

    found = Region.objects.filter(code=code).first()
    if found is not None:
        return found
    town = Region.objects.get(code=code[:9])
    return Region.objects.create(
        code=code, name=name, parent=town, level=5, path=f"{town.path}.{code}"
    )


def build_county(place: Place, make_user) -> Place:
    from yanglao.accounts.services import token_issue
    from yanglao.alerts.checkins import plan_create
    from yanglao.alerts.devices import device_register
    from yanglao.alerts.services import alert_raise
    from yanglao.community import donations, publicity, teams
    from yanglao.elders import services as elders
    from yanglao.elders.models import ImportJob
    from yanglao.facilities import centres
    from yanglao.facilities.models import StarRating
    from yanglao.facilities.services import facility_save
    from yanglao.funding import services as funding
    from yanglao.notify.services import send
    from yanglao.party import services as party
    from yanglao.party.models import Activity
    from yanglao.people.models import Person
    from yanglao.planning import services as planning
    from yanglao.policy.services import rule_override
    from yanglao.regions.models import Region
    from yanglao.services import meals
    from yanglao.services import services as orders
    from yanglao.services.models import ServiceItem
    from yanglao.timebank.services import earn
    from yanglao.visits import pairing
    from yanglao.visits.services import visit_record

    o = place.objects
    village = _village(place.village, f"{place.tag}测试村")  # a region name: no marker
    town = Region.objects.get(code=place.township)
    officer = place.officer = make_user(
        "county_admin",
        place.code,
        username=f"iso_{place.key.lower()}_officer",
        full_name=place.name("县管理员"),
        phone=place.phone(),
    )
    o["user"] = make_user(
        "village_officer",
        place.village,
        username=f"iso_{place.key.lower()}_village",
        full_name=place.name("村干部"),
        phone=place.phone(),
    )
    o["elder"] = elders.elder_register(
        actor=officer,
        name=place.name("老人"),
        region_code=place.village,
        id_number=place.id_number(),
        phone=place.phone(),
        address=place.name("住址"),
        living_situation="alone",
    )
    elder = o["elder"]
    o["contact"] = elders.contact_add(
        actor=officer,
        elder=elder,
        name=place.name("子女"),
        relation="child",
        phone=place.phone(),
        is_emergency=True,
    )
    o["care_plan"] = elders.care_plan_save(
        actor=officer,
        elder=elder,
        needs=place.name("照护需求"),
        interventions="每周探访",
        responsible=place.name("责任人"),
        visits_per_week=1,
        emergency_contacts=place.name("紧急联系人"),
        emergency_procedure="打电话",
        review_on=dt.date.today() + dt.timedelta(days=90),
    )
    mover = elders.elder_register(
        actor=officer,
        name=place.name("迁出老人"),
        region_code=place.village,
        id_number=place.id_number(dt.date(1944, 6, 1)),
        phone=place.phone(),
    )
    other_town = (
        Region.objects.filter(parent_id=place.code, level=4).exclude(code=place.township).first()
    )
    o["transfer"] = elders.transfer_offer(
        actor=officer, elder=mover, to_region_code=other_town.code, note=place.name("迁移")
    )
    o["visitor_user"] = make_user(
        "visitor",
        place.village,
        username=f"iso_{place.key.lower()}_visitor",
        full_name=place.name("探访员账号"),
        phone=place.phone(),
    )
    o["visitor"] = pairing.visitor_register(
        actor=officer,
        name=place.name("探访员"),
        phone=place.phone(),
        kind="volunteer",
        region_code=place.village,
        user=o["visitor_user"],
    )
    o["pairing"] = pairing.pair(
        actor=officer, visitor=o["visitor"], elders=[elder], starts_on=dt.date(2026, 1, 1)
    )[0]
    fine = {
        k: {"level": "fine"}
        for k in ("health", "mental_state", "safety", "hygiene", "living_environment")
    }
    concern = {**fine, "health": {"level": "concern", "note": place.name("身体不适")}}
    o["visit"] = visit_record(
        actor=officer,
        elder=elder,
        method="door",
        visited_at=timezone.now() - dt.timedelta(hours=2),
        checks=concern,
        note=place.name("探访记录"),
        visitor=o["visitor"],
    )
    o["follow_up"] = o["visit"].follow_ups.first()
    o["alert"] = alert_raise(
        elder=elder, source="manual", level="urgent", title=place.name("告警"), actor=officer
    )
    o["device"], _secret = device_register(
        actor=officer, elder=elder, kind="sos_button", serial=place.name("设备")
    )
    o["checkin_plan"] = plan_create(actor=officer, elder=elder, method="knock", deadline=dt.time(9))
    o["message"] = send(
        channel="app",
        subject=place.name("消息"),
        body=place.name("消息正文"),
        region_path=o["user"].region.path,
        to_user=o["user"],
    )
    o["provider"] = orders.provider_save(
        actor=officer,
        data={
            "name": place.name("服务中心"),
            "kind": "company",
            "region": place.township,
            "areas": [place.township],
            "items": ["clean_home"],
            "work_days": "1234567",
            "work_start": "00:00",
            "work_end": "23:59",
            "daily_capacity": 9,
            "phone": f"0358-33{place.code[-4:]}",  # the company's desk, not a person's
        },
    )
    o["order"] = orders.order_create(
        actor=officer,
        elder=elder,
        item=ServiceItem.objects.get(code="clean_home"),
        scheduled_for=timezone.now() + dt.timedelta(days=1),
        channel="phone",
        note=place.name("工单备注"),
        requester_name=place.name("代办人"),
        requester_relation="子女",
        requester_phone=place.phone(),
    )
    o["meal_point"] = meals.meal_point_create(
        actor=officer, name=place.name("助餐点"), region_code=place.township, meal_price="10"
    )
    o["meal_record"] = meals.meal_record(
        actor=officer,
        point=o["meal_point"],
        elder=elder,
        date=timezone.localdate(),
        meal="lunch",
        mode="dine_in",
    )
    o["facility"] = facility_save(
        actor=officer,
        data={
            "name": place.name("敬老院"),
            "type": "nursing_home",
            "region": place.township,
            "ownership": "public",
        },
    )
    o["rating"] = StarRating.objects.create(  # a grade needs section scores; kept simple
        facility=o["facility"],
        region_path=o["facility"].region_path,
        scheme="grade",
        rated_on=dt.date(2025, 6, 1),
        stars=3,
        assessor=place.name("评定机构"),
    )
    o["centre"] = centres.centre_save(
        actor=officer,
        village_code=village.code,
        data={"registered_name": place.name("村养老服务中心")},
    )
    o["party_org"] = party.organization_create(
        actor=officer,
        name=place.name("党支部"),
        kind="branch",
        region_code=place.township,
        facilities=[o["facility"]],
    )
    o["party_member"] = party.membership_create(
        actor=officer,
        person=Person.objects.create(name=place.name("党员"), region=town, phone=place.phone()),
        standing="staff",
        status="full",
        facility=o["facility"],
        organization=o["party_org"],
    )
    o["dispatch"] = party.dispatch_create(
        actor=officer,
        person=Person.objects.create(name=place.name("指导员"), region=town),
        facility=o["facility"],
        role="instructor",
        starts_on=dt.date(2025, 1, 6),
    )
    o["party_activity"] = party.activity_record(
        actor=officer,
        kind="members_meeting",
        held_on=dt.date.today(),
        title=place.name("党员大会"),
        organization=o["party_org"],
    )
    o["activity"] = Activity.objects.create(
        kind="health_talk",
        held_on=dt.date.today(),
        region=village,
        region_path=village.path,
        title=place.name("健康讲座"),
    )
    o["grant"] = funding.grant_record(
        actor=officer,
        facility=o["facility"],
        year=2025,
        payer_level="county",
        kind="county_match",
        amount="1000.00",
        on_date=dt.date(2025, 5, 1),
        memo=place.name("奖补"),
    ).grant
    o["running_cost"] = funding.running_cost_record(
        actor=officer,
        facility=o["facility"],
        year=2025,
        source="government",
        amount="500.00",
        on_date=dt.date(2025, 5, 2),
        memo=place.name("运营经费"),
    )
    o["table"] = planning.table_create(
        actor=officer,
        region_code=place.code,
        title=place.name("任务表"),
        year_from=2026,
        year_to=2026,
    )
    o["project"] = planning.application_submit(
        actor=officer, county_code=place.code, year=2026, name=place.name("项目")
    )
    city = make_user("city_admin", place.code[:4], username=f"iso_{place.key.lower()}_city")
    o["evaluation"] = planning.evaluation_record(  # the city's to record
        actor=city, county_code=place.code, year=2025, result="good", note=place.name("考核")
    )
    o["donation"] = donations.donation_record(
        actor=officer,
        recipient_kind="pool",
        recipient_id=place.code,
        donor_kind="company",
        donor_name=place.name("公司"),
        amount="500.00",
        purpose=place.name("互助池"),
        on_date=dt.date(2026, 1, 5),
    ).donation
    o["team"] = teams.team_save(
        actor=officer,
        data={"name": place.name("志愿队"), "kind": "volunteers", "region": place.township},
    )
    member = teams.member_add(actor=officer, team=o["team"], person_id=o["visitor"].person_id)
    o["team_service"] = teams.service_record(
        actor=officer,
        team=o["team"],
        member_id=member.pk,
        hours="2",
        served_on="2026-01-02",
        what=place.name("理发"),
    )
    o["material"] = publicity.material_save(
        actor=officer,
        data={"title": place.name("宣传材料"), "kind": "health_scam", "body": place.name("正文")},
    )
    publicity.publish(
        actor=officer,
        material=o["material"],
        villages=[village.code],
        published_on="2026-01-02",
        how="posted",
    )
    o["time_bank"] = earn(
        person=o["visitor"].person,
        hours="2",
        item_code="",
        region=village,
        reference=f"iso:{uuid.uuid4().hex[:8]}",
        actor=officer,
    )
    o["tb_account"] = o["time_bank"].lines[0].account
    o["policy_rule"] = rule_override(
        actor=officer,
        rule_id="visit.backfill_days",
        region_code=place.code,
        params={"days": 5},
        valid_from=dt.date(2025, 1, 1),
        source_doc=place.name("文件"),
        local_default=True,
        note=place.name("本地规则"),
    )
    o["assessment"] = _assessment(place, officer, elder)
    o["appointment"] = _appointment(place, officer, elder)
    o["api_token"], _raw = token_issue(actor=None, user=o["user"], days=30)
    _supervision(place, officer)
    _interop_and_privacy(place, officer)
    o["import_job"] = ImportJob.objects.create(
        region=Region.objects.get(code=place.code),
        filename=place.name("导入.xlsx"),
        sha256=uuid.uuid4().hex,
        upload_path="",
        status="failed",
        error=place.name("导入失败"),
        created_by=officer,
    )
    return place


def _supervision(place: Place, officer) -> None:
    """An inspection of the place's home with a finding and a photo, and an evaluation of
    an operator (written as the supervision tests do: the checklist rules are Sanming's)."""
    from django.core.files.base import ContentFile

    from tests.files import png
    from yanglao.regions.models import Region
    from yanglao.supervision.models import Finding, Inspection, OperatorEvaluation, Photo

    o = place.objects
    home = o["facility"]
    county = Region.objects.get(code=place.code)
    o["inspection"] = Inspection.objects.create(
        target_kind="facility",
        facility=home,
        region=home.region,
        region_path=home.region_path,
        organizer_region=county,
        organizer_path=county.path,
        kind="planned",
        planned_on=dt.date(2026, 1, 5),
        inspected_on=dt.date(2026, 1, 5),
        inspectors=place.name("检查组"),
        status="recorded",
    )
    o["finding"] = Finding.objects.create(
        inspection=o["inspection"],
        region_path=home.region_path,
        severity="major",
        description=place.name("消防通道堵塞"),
        deadline=dt.date(2026, 1, 20),
        responsible=place.name("院长"),
        responsible_region=home.region,
    )
    photo = Photo(inspection=o["inspection"], finding=o["finding"], uploaded_by=officer)
    photo.photo.save(f"iso-{place.key}.png", ContentFile(png()), save=True)
    o["supervision_photo"] = photo
    o["operator_evaluation"] = OperatorEvaluation.objects.create(
        region=county,
        region_path=county.path,
        year=2025,
        operator_name=place.name("康养公司"),
        evaluated_on=timezone.localdate(),
        evaluators=place.name("评估组"),
        scores={"service_quality": "20", "internal_management": "15", "satisfaction": "10"},
        total=45,
        pass_mark=60,
        passed=False,
        flagged=True,
    )


def _interop_and_privacy(place: Place, officer) -> None:
    from yanglao.interop.models import FeedBatch
    from yanglao.privacy import services as privacy

    o = place.objects
    home = o["facility"]
    o["feed_batch"] = FeedBatch.objects.create(
        facility=home, region_path=home.region_path, kind="beds", as_of=dt.date(2026, 1, 2)
    )
    o["consent"] = privacy.consent_record(
        actor=officer,
        elder=o["elder"],
        basis="legal_duty",
        given_by="elder",
        legal_reference="《老年人权益保障法》",
        given_on=dt.date(2026, 1, 5),
        evidence=place.name("书面告知"),
    )
    o["data_request"] = privacy.request_open(
        actor=officer,
        elder=o["elder"],
        kind="access",
        requested_by="elder",
        requester_name=place.name("申请人"),
        detail=place.name("复制档案"),
        received_on=dt.date(2026, 1, 6),
    )


def _appointment(place: Place, officer, elder):
    """A hospital appointment of a 助医 order (the stand-in hospital keeps its slots)."""
    from django.utils.dateparse import parse_datetime

    from yanglao.services.appointments import appointment_book
    from yanglao.services.hospital import is_workday
    from yanglao.services.models import ServiceItem
    from yanglao.services.services import order_create

    order = order_create(
        actor=officer,
        elder=elder,
        item=ServiceItem.objects.get(code="medical_escort"),
        scheduled_for=timezone.now() + dt.timedelta(days=2),
        channel="phone",
        note=place.name("助医"),
    )
    day = timezone.localdate() + dt.timedelta(days=1)
    while not is_workday(day):
        day += dt.timedelta(days=1)
    return appointment_book(
        actor=officer,
        order=order,
        hospital_code=f"SI-{place.code}-01",
        department_code="internal",
        starts_at=parse_datetime(f"{day.isoformat()}T09:00:00+08:00"),
        doctor_name=place.name("医生"),
    )


def _assessment(place: Place, officer, elder):
    from yanglao.elders import assessment as calc
    from yanglao.elders import assessment_services
    from yanglao.policy.selectors import lookup

    rule = lookup("assessment.items", elder.region)
    items = calc.catalogue(rule.params)
    return assessment_services.assessment_record(
        actor=officer,
        elder=elder,
        assessed_on=dt.date.today() - dt.timedelta(days=3),
        reason="first",
        assessors=[place.name("评估员"), place.name("评估员二")],
        scores={item.code: item.max_score for item in items.items},
    )


def build_parent(place: Place, make_user) -> Place:
    """Records kept at the city's own level (吕梁市 1411)."""
    from yanglao.facilities.services import facility_save
    from yanglao.policy.services import rule_override

    o = place.objects
    officer = place.officer = make_user(
        "city_admin",
        place.code,
        username="iso_p_officer",
        full_name=place.name("市管理员"),
        phone=place.phone(),
    )
    o["user"] = officer
    o["facility"] = facility_save(
        actor=officer,
        data={
            "name": place.name("市福利院"),
            "type": "nursing_home",
            "region": place.code,
            "ownership": "public",
        },
    )
    o["policy_rule"] = rule_override(
        actor=officer,
        rule_id="visit.backfill_days",
        region_code=place.code,
        params={"days": 6},
        valid_from=dt.date(2025, 1, 1),
        local_default=True,
        note="市级规则（县区继承，不是泄漏）",
    )
    return place


@dataclass
class World:
    places: dict[str, Place]

    def __getitem__(self, key: str) -> Place:
        return self.places[key]


def build_world(make_user, keys=("A", "B", "C", "P")) -> World:
    places = {}
    for key in keys:
        code, township, village, tag, _block = PLACES[key]
        place = Place(key=key, code=code, township=township, village=village, tag=tag)
        places[key] = (
            build_parent(place, make_user) if key == "P" else build_county(place, make_user)
        )
    return World(places)
