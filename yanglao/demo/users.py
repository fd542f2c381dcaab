"""Demo accounts, one per role, mostly in Zhongyang county."""

from __future__ import annotations

from yanglao.accounts import services
from yanglao.accounts.models import User
from yanglao.accounts.roles import Role

DEMO_PASSWORD = "Yanglao-Demo-2026"

DEMO_USERS = [
    # username, role, region, full name, what they do
    ("ll_city", Role.CITY_ADMIN, "1411", "刘卫东", "吕梁市民政局"),
    ("zy_county", Role.COUNTY_ADMIN, "141129", "张福平", "中阳县民政局"),
    ("zy_party", Role.PARTY_OFFICER, "141129", "乔耀荣", "中阳县委组织部"),
    ("zy_jinluo", Role.TOWNSHIP_OFFICER, "141129101", "宋平", "金罗镇"),
    ("zy_village", Role.VILLAGE_OFFICER, "141129101201", "王秀兰", "金罗镇第一个村"),
    ("zy_facility", Role.FACILITY_OPERATOR, "141129100", "高建军", "宁乡镇敬老院"),
    ("zy_service", Role.FACILITY_OPERATOR, "141129", "孙丽娟", "康乐居家养老服务中心（服务商）"),
    ("zy_visitor", Role.VISITOR, "141129101201", "李春梅", "网格员/志愿者"),
    ("cz_luzhou", Role.COUNTY_ADMIN, "140403", "赵丽华", "长治市潞州区民政局"),
    ("sm_city", Role.CITY_ADMIN, "3504", "陈建华", "三明市民政局"),
    ("nb_city", Role.CITY_ADMIN, "3302", "周海燕", "宁波市民政局"),
    ("sysadmin", Role.SYSTEM_ADMIN, "14", "系统管理员", "山西省（演示）"),
    ("secadmin", Role.SECURITY_ADMIN, "14", "安全管理员", "山西省（演示）"),
    ("auditor", Role.AUDIT_ADMIN, "14", "审计管理员", "山西省（演示）"),
]


def load_users() -> list[tuple[str, str, str, str]]:
    rows = []
    for username, role, region, full_name, where in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user, _password = services.user_create(
                actor=None,
                username=username,
                region_code=region,
                role=role,
                full_name=full_name,
                password=DEMO_PASSWORD,
            )
        rows.append((username, str(Role(role).label), user.region.name, where))
    return rows
