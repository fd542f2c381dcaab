"""Demo: the privacy notice, legal bases for most 中阳县 files (some given by a guardian or
a proxy, some under the civil-affairs duty), data requests (one answered, one open, one
overdue, a deletion refused), and a file of an elder who died four years ago, anonymised
by the nightly job. Idempotent: does nothing once the notice exists."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from yanglao.accounts.models import User
from yanglao.elders import services as elder_services
from yanglao.elders.models import Elder, ElderStatus
from yanglao.privacy import services
from yanglao.privacy.anonymise import anonymise_due
from yanglao.privacy.models import PrivacyNotice

ITEMS = [
    ("姓名、性别、出生日期", "建立老年人信息档案，确认服务对象"),
    ("身份证号", "核实身份、避免重复建档、办理补贴与预约挂号（加密保存，页面只显示部分号码）"),
    ("联系电话、住址", "探访、上门服务、紧急情况联系"),
    ("家庭成员及紧急联系人", "紧急情况联系、确定照料责任"),
    ("居住情况、救助类别、健康与能力评估", "确定探访频次、一人一策和应享受的政策"),
    ("探访、服务、助餐记录", "安排服务、结算补贴、回访满意度"),
]

BODY = (
    "为做好巡视探访、居家养老服务和各项补贴发放，县民政局和乡镇（街道）、村（社区）需要收集和使用"
    "您的个人信息。我们只收集下表所列的信息，只用于表中所列的目的，不向与养老服务无关的单位和个人提供。"
    "身份证号等敏感信息加密保存，工作人员查看完整号码和导出名单都有记录。"
    "档案在您在册期间保存；老人去世或迁出满三年后，档案中的姓名、身份证号、电话、住址等信息将被匿名化，"
    "只保留统计所需的区划、类别、出生年份和性别。"
)


def load_demo() -> int:
    if PrivacyNotice.objects.exists():
        return 0
    county = User.objects.filter(username="zy_county").first()
    village = User.objects.filter(username="zy_village").first()
    admin = User.objects.filter(username="sysadmin").first()
    if county is None or village is None or admin is None:
        return 0
    today = timezone.localdate()
    made = 0
    with transaction.atomic():
        notice = services.notice_publish(
            actor=admin,
            title="养老服务平台个人信息处理告知书",
            body=BODY,
            items=[{"item": i, "purpose": p} for i, p in ITEMS],
            controller="中阳县民政局",
            contact="0358-3322110（县民政局养老服务股）",
            effective_on=today - dt.timedelta(days=400),
        )
        elders = list(
            Elder.objects.filter(region_path__startswith="00.14.1411.141129.", status="active")
            .select_related("person", "region")
            .order_by("pk")
        )

        # Most files: consent; every fifth by a son or daughter as guardian or proxy; every
        # seventh kept under the civil-affairs duty; the last few without a basis yet.
        def keeper(elder):  # the village officer for their own village, the county elsewhere
            return village if elder.region_path.startswith(village.region.path) else county

        for n, elder in enumerate(elders[: max(0, len(elders) - 4)]):
            given_on = notice.effective_on + dt.timedelta(days=10 + n % 200)
            if n % 7 == 3:
                services.consent_record(
                    actor=county,
                    elder=elder,
                    basis="legal_duty",
                    given_by="elder",
                    legal_reference="《中华人民共和国老年人权益保障法》；民政部门特殊困难老年人探访关爱工作",
                    given_on=given_on,
                    evidence="特困供养对象，依法定职责建档，书面告知已送达",
                )
            elif n % 5 == 1:
                services.consent_record(
                    actor=keeper(elder),
                    elder=elder,
                    basis="consent",
                    given_by="guardian" if n % 2 else "proxy",
                    giver_name=f"{elder.person.name[0]}建国",
                    giver_relation="儿子",
                    given_on=given_on,
                    evidence="子女代签同意书，原件存村委会档案柜",
                )
            else:
                services.consent_record(
                    actor=keeper(elder),
                    elder=elder,
                    basis="consent",
                    given_by="elder",
                    given_on=given_on,
                    evidence="本人签字同意书，原件存村委会档案柜",
                )
            made += 1
        if len(elders) >= 4:
            mine = [e for e in elders if keeper(e) == village] or elders
            first, second, third = (mine * 3)[:3]
            fourth = elders[3]
            done = services.request_open(
                actor=keeper(first),
                elder=first,
                kind="access",
                requested_by="elder",
                requester_name=first.person.name,
                detail="想看看档案里记了自己哪些信息，要一份复印件",
                received_on=today - dt.timedelta(days=20),
            )
            services.request_handle(
                actor=keeper(first),
                data_request=done,
                outcome="provided",
                response="已打印档案副本一份，当面交本人，本人签收",
            )
            services.request_open(
                actor=keeper(second),
                elder=second,
                kind="correction",
                requested_by="proxy",
                requester_name=f"{second.person.name[0]}丽",
                requester_relation="女儿",
                detail="电话号码已换，请改为新号码；住址门牌号有误",
                received_on=today - dt.timedelta(days=3),
            )
            services.request_open(
                actor=keeper(third),
                elder=third,
                kind="access",
                requested_by="guardian",
                requester_name=f"{third.person.name[0]}志强",
                requester_relation="儿子（监护人）",
                detail="要求复制父亲的能力评估结果",
                received_on=today - dt.timedelta(days=25),
            )
            refused = services.request_open(
                actor=county,
                elder=fourth,
                kind="deletion",
                requested_by="elder",
                requester_name=fourth.person.name,
                detail="不想让村里保存我的信息",
                received_on=today - dt.timedelta(days=12),
            )
            services.request_handle(
                actor=county,
                data_request=refused,
                outcome="refused",
                response="您属于每周探访对象，档案依法定职责保存，不能删除；已向您说明可随时查阅和更正。",
            )
        # One elder who died four years ago: the nightly job anonymises the file.
        gone = (
            Elder.objects.filter(region_path__startswith="00.14.1411.141129.", status="active")
            .order_by("-pk")
            .first()
        )
        if gone is not None:
            elder_services.elder_set_status(
                actor=county,
                elder=gone,
                status=ElderStatus.DECEASED,
                on=today - dt.timedelta(days=4 * 365),
                note="病故",
            )
    made += len(anonymise_due(today).anonymised)
    return made
