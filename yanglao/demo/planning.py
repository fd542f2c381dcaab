"""Demo planning: 中阳县 Attachment 3 (the township task table) loaded exactly as printed,
totals row included, so the totals check shows what does not add up; and a few 长治
urban community care project applications with scores, a county evaluated badly the
year before (barred) and one evaluated well (priority)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from yanglao.accounts.models import User
from yanglao.accounts.roles import Role
from yanglao.accounts.services import user_create
from yanglao.planning import services, tasks
from yanglao.planning.models import ProjectApplication, TaskTable

ATTACHMENT_3_TITLE = "中阳县农村养老服务设施建设任务表"
ATTACHMENT_3_SOURCE = "中阳县推进农村养老服务实施方案（2020-2022年），中办发〔2020〕22号，附件3"

# As printed (seed 002, 附件 3; 单位：个): 行政村 总数 / 已建成数量 / 待建设任务;
# 2020 日照中心 / 幸福小院 / 移民集中安置点日照中心; 2021 日照中心 / 幸福小院;
# 2022 日照中心 / 幸福小院.
ATTACHMENT_3 = [
    ("宁乡镇", [3, 2, 1, 0, 1, 2, 0, 0, 0, 0]),
    ("金罗镇", [21, 10, 11, 0, 4, 4, 1, 3, 1, 2]),
    ("枝柯镇", [8, 2, 6, 1, 1, 0, 0, 1, 0, 2]),
    ("暖泉镇", [15, 3, 12, 2, 4, 0, 1, 2, 1, 2]),
    ("武家庄镇", [10, 2, 8, 1, 2, 1, 1, 2, 1, 1]),
    ("车鸣峪乡", [6, 2, 4, 0, 2, 2, 1, 0, 0, 1]),
    ("下枣林乡", [13, 2, 11, 3, 2, 3, 1, 2, 1, 2]),
    ("合计", [76, 23, 53, 7, 16, 12, 5, 10, 5, 10]),
]


def attachment_3_rows(columns: list[dict]) -> list[tuple[str, dict]]:
    return [
        (label, {c["key"]: v for c, v in zip(columns, values, strict=True)})
        for label, values in ATTACHMENT_3
    ]


def load_attachment_3(actor) -> TaskTable:
    table = TaskTable.objects.filter(region_id="141129", title=ATTACHMENT_3_TITLE).first()
    if table is None:
        table = services.table_create(
            actor=actor,
            region_code="141129",
            title=ATTACHMENT_3_TITLE,
            source=ATTACHMENT_3_SOURCE,
            year_from=2020,
            year_to=2022,
            columns=tasks.zhongyang_columns(),
        )
    services.rows_save(actor=actor, table=table, rows=attachment_3_rows(table.columns))
    return table


def _city_admin() -> User:
    user = User.objects.filter(username="cz_city").first()
    if user is None:
        user, _password = user_create(
            actor=None, username="cz_city", region_code="1404", role=Role.CITY_ADMIN
        )
    return user


DEMO_APPLICATIONS = [
    # county, name, area, operator, scores (five factors, 0–100)
    (
        "140403",
        "潞州区英雄南路社区养老幸福工程",
        1200,
        "长治康养服务有限公司",
        (90, 85, 80, 75, 88),
    ),
    (
        "140403",
        "潞州区太行东街社区养老幸福工程",
        800,
        "潞州区颐和养老服务中心",
        (70, 80, 85, 60, 70),
    ),
    ("140404", "上党区府后社区养老幸福工程", 650, "上党区爱心养老服务中心", (85, 80, 75, 80, 80)),
    ("140406", "潞城区新华社区养老幸福工程", 900, "潞城区夕阳红养老服务中心", (75, 75, 75, 75, 75)),
]


def load_demo() -> int:
    """Idempotent: the table's rows are matched by township; applications by name."""
    county = User.objects.filter(username="zy_county").first()
    made = 0
    with transaction.atomic():
        if county is not None:
            load_attachment_3(county)
            made += 1
        if ProjectApplication.objects.filter(name=DEMO_APPLICATIONS[0][1]).exists():
            return made
        city = _city_admin()
        year = dt.date.today().year
        services.evaluation_record(actor=city, county_code="140403", year=year - 1, result="good")
        services.evaluation_record(actor=city, county_code="140405", year=year - 1, result="poor")
        names, _labels = services.factors(city.region)
        for code, name, area, operator, scores in DEMO_APPLICATIONS:
            app = services.application_submit(
                actor=city,
                county_code=code,
                year=year,
                name=name,
                floor_area_m2=area,
                operator_name=operator,
                scores=dict(zip(names, scores, strict=False)),
            )
            services.application_move(actor=city, application=app, to_status="county_passed")
            made += 1
    return made
