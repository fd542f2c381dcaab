"""Demo volunteer teams and publicity (志愿服务队、宣传与维权) in 中阳县: teams in the villages
made of the demo visitors (Party members who registered with their community, and
volunteers), hours served with some confirmed into the time bank, and a few materials
published to several villages. Everything goes through the services."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from yanglao.accounts.models import User
from yanglao.community import publicity, teams
from yanglao.community.models import Material, VolunteerTeam
from yanglao.regions.models import Level, Region
from yanglao.visits.models import Visitor, VisitorKind

PREFIX = "00.14.1411.141129."
KIND_OF = {VisitorKind.PARTY_MEMBER: "party_members", VisitorKind.VOLUNTEER: "volunteers"}
LABEL = {"party_members": "党员志愿服务队", "volunteers": "志愿者服务队"}
SKILLS = ["理发", "代购代办", "陪诊", "家电维修", "读报聊天", "打扫卫生"]
AVAILABLE = ["周末上午", "工作日晚上", "每周三下午", "随叫随到"]
WHAT = ["上门理发", "陪同就医", "重阳节敬老活动", "打扫院落", "代购生活用品"]

MATERIALS = [
    (
        "policy",
        "高龄津贴怎么领——政策解读",
        "年满 80 周岁的本县户籍老人可申请高龄津贴。\n请携带身份证、户口簿到村(社区)服务站登记，"
        "由乡镇审核、县民政局按月发放到本人社保卡。",
    ),
    (
        "rights_law",
        "《中华人民共和国老年人权益保障法》要点",
        "赡养人应当履行对老年人经济上供养、生活上照料和精神上慰藉的义务。\n"
        "老年人的婚姻自由受法律保护。子女或者其他亲属不得干涉老年人离婚、再婚及婚后的生活。\n"
        "遇到侵害，可拨打 12345 或到村(社区)、乡镇司法所求助。",
    ),
    (
        "fundraising",
        "警惕“养老项目”非法集资",
        "以“投资养老公寓”“预订床位返利”“高额回报”为名吸收资金的，多为非法集资。\n"
        "承诺保本高息的都是陷阱。发现线索，请向县防范非法集资办公室举报。",
    ),
    (
        "health_scam",
        "免费体检、送礼品？小心保健品骗局",
        "“专家讲座”“免费体检”“送鸡蛋”之后高价推销保健品，是常见骗局。\n"
        "保健品不是药品，不能治病。买药请到正规医院和药店。",
    ),
    (
        "fraud",
        "防范电信诈骗：不听、不信、不转账",
        "冒充公检法、冒充子女急用钱、“养老金升级”“社保卡冻结”都是诈骗。\n"
        "接到要求转账的电话，先挂断，再打给子女或村干部核实。",
    ),
]
HOWS = ["posted", "meeting", "visit", "wechat"]


def load_teams() -> dict:
    """Idempotent: does nothing when there are teams already."""
    if VolunteerTeam.objects.exists():
        return {}
    county = User.objects.filter(username="zy_county").first()
    if county is None:
        return {}
    today = timezone.localdate()
    visitors = list(
        Visitor.objects.filter(
            region_path__startswith=PREFIX,
            active=True,
            kind__in=list(KIND_OF),
        )
        .select_related("region", "person")
        .order_by("pk")
    )
    by_team: dict[tuple[str, str], list[Visitor]] = {}
    for v in visitors:
        region = v.registered_community or v.region
        by_team.setdefault((region.code, KIND_OF[v.kind]), []).append(v)
    made = members = confirmed = 0
    n = 0
    for (code, kind), group in list(by_team.items())[:8]:
        region = group[0].registered_community or group[0].region
        team = teams.team_save(
            actor=county,
            data={
                "name": f"{region.name}{LABEL[kind]}",
                "kind": kind,
                "region": code,
                "leader": group[0].person.name,
                "description": "为本村(社区)老人提供探访、代办、陪诊等志愿服务。",
            },
        )
        made += 1
        for v in group[:6]:
            n += 1
            member = teams.member_add(
                actor=county,
                team=team,
                visitor_id=v.pk,
                skills=SKILLS[n % len(SKILLS)],
                availability=AVAILABLE[n % len(AVAILABLE)],
                joined_on=today - dt.timedelta(days=200 + n),
            )
            members += 1
            for k in range(2):
                service = teams.service_record(
                    actor=county,
                    team=team,
                    member_id=member.pk,
                    hours=["1.5", "2", "3", "2.5"][(n + k) % 4],
                    served_on=today - dt.timedelta(days=7 + 11 * k + n % 5),
                    what=WHAT[(n + k) % len(WHAT)],
                )
                if k == 1 or n % 2:
                    teams.service_confirm(actor=county, service=service)
                    confirmed += 1
    villages = sorted(
        Region.objects.filter(
            code__in={code for code, _kind in by_team}, level=Level.VILLAGE
        ).values_list("code", flat=True)
    )[:6]
    published = 0
    if not Material.objects.exists():
        for i, (kind, title, body) in enumerate(MATERIALS):
            material = publicity.material_save(
                actor=county, data={"title": title, "kind": kind, "body": body}
            )
            chosen = villages[i % 2 :: 2] or villages
            if chosen:
                published += len(
                    publicity.publish(
                        actor=county,
                        material=material,
                        villages=chosen,
                        published_on=today - dt.timedelta(days=5 * (i + 1)),
                        how=HOWS[i % len(HOWS)],
                    )
                )
    return {
        "teams": made,
        "members": members,
        "confirmed": confirmed,
        "materials": len(MATERIALS),
        "publications": published,
    }
