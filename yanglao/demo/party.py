"""Demo Party work (党建): Ningbo care institutions of every ownership model with 0, 1, 2,
3 and 5 full staff members, their own, joint and elder branches, dispatched first
secretaries and instructors, members, and months of meetings with a few missing; and
Changzhi township and community organizations with their quarterly themed activities
(one community has not held this quarter's).

Facilities are written directly (the facility registry's services are another
capability's); Party records go through the party services."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from yanglao.facilities.models import Facility
from yanglao.party import services
from yanglao.party.models import (
    ActivityKind,
    DispatchedBy,
    DispatchRole,
    MemberStatus,
    NotMovedReason,
    OrgKind,
    OrgTier,
    PartyOrganization,
    Standing,
)
from yanglao.party.selectors import quarter_bounds, week_bounds
from yanglao.people.models import Person
from yanglao.people.services import apply_name
from yanglao.regions.models import Region

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN = ["建国", "海燕", "志强", "丽华", "明", "秀英", "伟", "静", "国庆", "桂兰", "卫东", "红梅"]

FACILITIES = [
    # key, name, type, ownership, region, residents,
    # (staff full, staff probationary, resident full), resident reason not moved
    ("yly", "海曙区颐乐园", "care_institution", "public", "330203001001", 180, (5, 1, 4)),
    (
        "gay",
        "海曙区广安养怡院",
        "care_institution",
        "public_built_private_run",
        "330203001002",
        120,
        (3, 0, 1),
    ),
    ("yck", "月城康养中心", "care_institution", "private", "330203004001", 60, (2, 0, 0)),
    ("sxh", "书香护理院", "care_institution", "private_public_aid", "330203004002", 45, (1, 0, 0)),
    ("flg", "凤麓老年公寓", "care_institution", "private", "330203004003", 30, (0, 0, 0)),
    ("clh", "江北区澄浪养护院", "care_institution", "public", "330205001003", 90, (3, 0, 3)),
    (
        "gly",
        "江北区观澜颐养院",
        "care_institution",
        "public_built_private_run",
        "330205001002",
        70,
        (1, 2, 0),
    ),
    ("yfy", "云帆颐养家园", "care_institution", "private", "330203004004", 40, (0, 0, 0)),
    ("jhc", "景和街道居家养老服务中心", "home_care_center", "public", "330203001", 0, (0, 0, 0)),
    (
        "gcc",
        "港城街道居家养老服务中心",
        "home_care_center",
        "public_built_private_run",
        "330206002",
        0,
        (0, 0, 0),
    ),
    ("qcz", "晴川社区居家养老服务站", "community_station", "public", "330203001003", 0, (0, 0, 0)),
]


class _Names:
    def __init__(self) -> None:
        self.n = 0

    def person(self, region: Region, birth_year: int = 1975) -> Person:
        self.n += 1
        name = SURNAMES[self.n % len(SURNAMES)] + GIVEN[(self.n * 7) % len(GIVEN)]
        person = Person(region=region, phone=f"1390574{self.n:04d}")
        apply_name(person, name)
        person.birth_date = dt.date(birth_year, 1 + self.n % 12, 1 + self.n % 27)
        person.save()
        return person


def _day_in(start: dt.date, offset: int, today: dt.date) -> dt.date:
    return min(start + dt.timedelta(days=offset), today)


def load_demo() -> dict | None:
    if Facility.objects.filter(name="海曙区颐乐园").exists():
        return None
    today = timezone.localdate()
    names = _Names()
    counts = {"facilities": 0, "organizations": 0, "members": 0, "activities": 0}
    with transaction.atomic():
        city = Region.objects.get(code="3302")
        facilities: dict[str, Facility] = {}
        for key, name, kind, ownership, code, residents, _members in FACILITIES:
            region = Region.objects.get(code=code)
            facilities[key] = Facility.objects.create(
                name=name,
                type=kind,
                ownership=ownership,
                region=region,
                region_path=region.path,
                residents=residents,
                beds=residents + 20 if residents else 0,
                other_staff=12 if residents else 4,
            )
        counts["facilities"] = len(facilities)

        def org(name, kind, code, tier=OrgTier.INSTITUTION, **kw) -> PartyOrganization:
            counts["organizations"] += 1
            return services.organization_create(
                actor=None, name=name, kind=kind, region_code=code, tier=tier, **kw
            )

        root = org(
            "宁波市民政局机关党委",
            OrgKind.COMMITTEE,
            "3302",
            OrgTier.OTHER,
            managing_unit="中共宁波市直属机关工委",
            secretary=names.person(city, 1970),
            term_start=dt.date(2021, 6, 1),
            term_end=dt.date(2026, 5, 31),
        )
        jinghe = org(
            "景和街道党工委",
            OrgKind.COMMITTEE,
            "330203001",
            OrgTier.TOWNSHIP,
            managing_unit="中共宁波市海曙区委",
            secretary=names.person(Region.objects.get(code="330203001"), 1972),
            term_start=dt.date(2021, 9, 1),
            term_end=dt.date(2026, 8, 31),
        )
        yly, gay = facilities["yly"], facilities["gay"]
        yly_branch = org(
            "海曙区颐乐园党支部",
            OrgKind.BRANCH,
            yly.region.code,
            parent=root,
            facilities=[yly],
            managing_unit="宁波市民政局机关党委（举办单位）",
            secretary=names.person(yly.region),
            term_start=today - dt.timedelta(days=3 * 365 + 20),
            term_end=today + dt.timedelta(days=40),
        )
        elder_branch = org(
            "海曙区颐乐园老年人党支部",
            OrgKind.ELDER_BRANCH,
            yly.region.code,
            parent=jinghe,
            facilities=[yly],
            managing_unit="景和街道党工委",
            secretary=names.person(yly.region, 1941),
            term_start=dt.date(2023, 3, 1),
            term_end=dt.date(2026, 2, 28),
        )
        gay_branch = org(
            "海曙区广安养怡院党支部",
            OrgKind.BRANCH,
            gay.region.code,
            parent=jinghe,
            facilities=[gay],
            managing_unit="景和街道党工委（公建方）",
            secretary=names.person(gay.region),
            term_start=dt.date(2023, 7, 1),
            term_end=dt.date(2026, 6, 30),
        )
        joint = org(
            "南门街道民营养老机构联合党支部",
            OrgKind.JOINT_BRANCH,
            "330203004",
            facilities=[facilities["yck"], facilities["sxh"]],
            managing_unit="南门街道党工委",
            secretary=names.person(facilities["yck"].region),
            term_start=dt.date(2024, 1, 1),
            term_end=dt.date(2026, 12, 31),
        )
        # Members: staff and residents, full and probationary.
        member_org = {"yly": yly_branch, "gay": gay_branch, "yck": joint, "sxh": joint}
        for key, _name, _kind, _own, _code, _residents, (staff, prob, resident) in FACILITIES:
            facility = facilities[key]
            for i in range(staff + prob):
                services.membership_create(
                    actor=None,
                    person=names.person(facility.region),
                    standing=Standing.STAFF,
                    status=MemberStatus.FULL if i < staff else MemberStatus.PROBATIONARY,
                    organization=member_org.get(key),
                    facility=facility,
                    relation_moved=key in member_org,
                    joined_on=dt.date(2005 + i, 7, 1),
                )
                counts["members"] += 1
            reasons = [NotMovedReason.ADVANCED_AGE, NotMovedReason.DEMENTIA, "", ""]
            for i in range(resident):
                reason = reasons[i % len(reasons)]
                services.membership_create(
                    actor=None,
                    person=names.person(facility.region, 1938 + i),
                    standing=Standing.RESIDENT,
                    status=MemberStatus.FULL,
                    organization=elder_branch if key == "yly" and not reason else None,
                    facility=facility,
                    relation_moved=key == "yly" and not reason,
                    not_moved_reason=reason,
                    joined_on=dt.date(1965 + i, 7, 1),
                )
                counts["members"] += 1
        # Dispatched people: a first secretary from the public side, instructors.
        week_start = week_bounds(today)[0]
        first_secretary = services.dispatch_create(
            actor=None,
            person=names.person(gay.region),
            facility=gay,
            organization=gay_branch,
            role=DispatchRole.FIRST_SECRETARY,
            dispatched_by=DispatchedBy.PUBLIC_SIDE,
            sending_unit="海曙区民政局",
            starts_on=today - dt.timedelta(days=200),
        )
        instructor_flg = services.dispatch_create(
            actor=None,
            person=names.person(facilities["flg"].region),
            facility=facilities["flg"],
            role=DispatchRole.INSTRUCTOR,
            dispatched_by=DispatchedBy.TOWNSHIP,
            sending_unit="南门街道党工委",
            starts_on=today - dt.timedelta(days=150),
        )
        instructor_gly = services.dispatch_create(
            actor=None,
            person=names.person(facilities["gly"].region),
            facility=facilities["gly"],
            role=DispatchRole.INSTRUCTOR,
            dispatched_by=DispatchedBy.PUBLIC_SIDE,
            sending_unit="江北区民政局",
            starts_on=today - dt.timedelta(days=120),
        )
        instructor_jhc = services.dispatch_create(
            actor=None,
            person=names.person(facilities["jhc"].region),
            facility=facilities["jhc"],
            role=DispatchRole.INSTRUCTOR,
            dispatched_by=DispatchedBy.TOWNSHIP,
            sending_unit="景和街道党工委",
            starts_on=today - dt.timedelta(days=90),
        )

        def activity(kind, day, title, **kw) -> None:
            services.activity_record(
                actor=None, kind=kind, held_on=day, title=title, today=today, **kw
            )
            counts["activities"] += 1

        # Half-days on site over the past weeks; this week only the 凤麓 instructor has
        # been (the first secretary and the other instructors are missing this week).
        for weeks_back in range(1, 9):
            monday = week_start - dt.timedelta(weeks=weeks_back)
            for d in (first_secretary, instructor_flg, instructor_gly, instructor_jhc):
                activity(
                    ActivityKind.HALF_DAY,
                    monday + dt.timedelta(days=2),
                    f"{d.person.name}到{d.facility.name}开展党建和服务活动",
                    facility=d.facility,
                    on_site_person=d.person,
                    organization=d.organization,
                )
        activity(
            ActivityKind.HALF_DAY,
            week_start,
            "指导员到凤麓老年公寓开展党建和服务活动",
            facility=facilities["flg"],
            on_site_person=instructor_flg.person,
        )
        # 三会一课 over the last two quarters; this quarter 广安养怡院 has not held its
        # Party lecture and the joint branch has held nothing but a members' meeting.
        q_start = quarter_bounds(today)[0]
        previous_q = quarter_bounds(q_start - dt.timedelta(days=1))[0]
        routine = [
            ActivityKind.MEMBERS_MEETING,
            ActivityKind.COMMITTEE_MEETING,
            ActivityKind.GROUP_MEETING,
            ActivityKind.PARTY_LECTURE,
        ]
        for branch in (yly_branch, gay_branch, joint, elder_branch):
            facility = branch.facilities.first()
            for i, kind in enumerate(routine):
                activity(
                    kind,
                    previous_q + dt.timedelta(days=10 + 7 * i),
                    f"{branch.name}{ActivityKind(kind).label}",
                    organization=branch,
                    facility=facility,
                )
            this_quarter = {
                yly_branch: routine,
                elder_branch: routine,
                gay_branch: routine[:3],
                joint: routine[:1],
            }[branch]
            for i, kind in enumerate(this_quarter):
                activity(
                    kind,
                    _day_in(q_start, 3 * i, today),
                    f"{branch.name}{ActivityKind(kind).label}",
                    organization=branch,
                    facility=facility,
                )

        # Changzhi: a street and its communities hold the quarterly themed activity.
        street = org(
            "东街街道党工委",
            OrgKind.COMMITTEE,
            "140403001",
            OrgTier.TOWNSHIP,
            managing_unit="中共长治市潞州区委",
        )
        communities = [
            org(
                f"{Region.objects.get(code=code).name}党委",
                OrgKind.COMMITTEE,
                code,
                OrgTier.COMMUNITY,
                parent=street,
                managing_unit="东街街道党工委",
            )
            for code in ("140403001001", "140403001002", "140403001003")
        ]
        for quarters_back in range(0, 3):
            start = q_start
            for _i in range(quarters_back):
                start = quarter_bounds(start - dt.timedelta(days=1))[0]
            for n, body in enumerate([street, *communities]):
                if quarters_back == 0 and body is communities[-1]:
                    continue  # 振兴社区 has not held this quarter's themed activity
                activity(
                    ActivityKind.THEMED,
                    _day_in(start, 5 + 4 * n, today),
                    "“党建引领·情暖夕阳”主题活动",
                    organization=body,
                    summary="走访慰问独居老人，开展健康义诊和文艺演出",
                )
    return counts
