"""The code tables of the upper-level export (上报导出代码表), each with its source.

National standards where one exists (GB/T 2261.1 gender, MZ/T 039-2013 appendix A.2
living situation, GB/T 42195-2022 ability levels, the long-term care insurance grades of
医保办发〔2021〕37号, the facility type codes of DOMAIN.md, GB/T 2260 and the statistical
region codes); the platform's own codes otherwise, said so in ``source``. Pure data:
the export and the user guide (docs/user-guide/interop.md) read the same tables.
"""

from __future__ import annotations

from dataclasses import dataclass

from yanglao.elders.models import (
    AbilityLevel,
    ElderStatus,
    LivingSituation,
    Residence,
    RiskLevel,
    Welfare,
)
from yanglao.facilities.models import FacilityStatus, FacilityType, Ownership
from yanglao.services.models import Category, Channel, Help, OrderStatus, ProviderKind


@dataclass(frozen=True)
class CodeTable:
    name: str
    title: str
    source: str
    codes: tuple[tuple[str, str], ...]  # (code, label)

    def label(self, code: str) -> str:
        return dict(self.codes).get(code, "")


def _choices(enum) -> tuple[tuple[str, str], ...]:
    return tuple((str(value), str(label)) for value, label in enum.choices)


GENDER = CodeTable(
    "gender",
    "性别代码",
    "GB/T 2261.1-2003 个人基本信息分类与代码 第1部分：人的性别代码",
    (("0", "未知的性别"), ("1", "男性"), ("2", "女性"), ("9", "未说明的性别")),
)
# Person.sex -> GB/T 2261.1
GENDER_OF_SEX = {"M": "1", "F": "2", "": "0"}

LIVING_SITUATION = CodeTable(
    "living_situation",
    "居住情况代码",
    "MZ/T 039-2013 老年人能力评估 附录 A.2（平台只区分 1、2、3、7、8：3–6 合记为 3）",
    (
        ("1", "独居"),
        ("2", "与配偶/伴侣居住"),
        ("3", "与子女居住"),
        ("4", "与父母居住"),
        ("5", "与兄弟姐妹居住"),
        ("6", "与其他亲属居住"),
        ("7", "与非亲属关系的人居住"),
        ("8", "养老机构"),
    ),
)
# Elder.living_situation -> MZ/T 039-2013 A.2 (the platform keeps "with children or
# relatives" as one value: it goes out as 3).
LIVING_CODE = {
    LivingSituation.ALONE: "1",
    LivingSituation.SPOUSE_ONLY: "2",
    LivingSituation.WITH_FAMILY: "3",
    LivingSituation.OTHER: "7",
    LivingSituation.INSTITUTION: "8",
}

ABILITY_LEVEL = CodeTable(
    "ability_level",
    "老年人能力等级代码",
    "GB/T 42195-2022 老年人能力评估规范（等级 0–4，未评估为空）",
    tuple((str(i), str(label)) for i, (_value, label) in enumerate(AbilityLevel.choices)),
)
ABILITY_CODE = {value: str(i) for i, (value, _label) in enumerate(AbilityLevel.choices)}

LTC_GRADE = CodeTable(
    "ltc_grade",
    "长期护理保险失能等级",
    "医保办发〔2021〕37号 长期护理失能等级评估标准（试行）",
    (
        ("0", "基本正常"),
        ("1", "轻度失能"),
        ("2", "中度失能"),
        ("3", "重度失能Ⅰ级"),
        ("4", "重度失能Ⅱ级"),
        ("5", "重度失能Ⅲ级"),
    ),
)
YES_NO = CodeTable("yes_no", "是否", "平台代码", (("1", "是"), ("0", "否")))
REGION = CodeTable(
    "region",
    "行政区划代码",
    "GB/T 2260（县级及以上，6 位）及国家统计局统计用区划代码（乡镇 9 位、村(社区) 12 位），"
    "按原样不补位；省 2 位、市 4 位",
    (),
)
RESIDENCE = CodeTable("residence", "户籍/常住", "平台代码", _choices(Residence))
WELFARE = CodeTable(
    "welfare", "救助类别", "平台代码（特困、低保、经济困难按民政认定）", _choices(Welfare)
)
RISK_LEVEL = CodeTable(
    "risk_level", "风险等级", "平台代码（按 elder.risk_weights 规则计算）", _choices(RiskLevel)
)
ELDER_STATUS = CodeTable("elder_status", "档案状态", "平台代码", _choices(ElderStatus))
FACILITY_TYPE = CodeTable(
    "facility_type",
    "设施类型代码",
    "平台设施类型代码（DOMAIN.md，与 API、政策包、导入一致）",
    _choices(FacilityType),
)
OWNERSHIP = CodeTable("ownership", "运营模式", "平台代码", _choices(Ownership))
FACILITY_STATUS = CodeTable("facility_status", "设施状态", "平台代码", _choices(FacilityStatus))
SERVICE_CONTENT = CodeTable(
    "service_content",
    "服务内容代码",
    "GB/T 43153-2023 居家养老上门服务基本规范 的七类服务内容",
    _choices(Category),
)
SIX_HELPS = CodeTable(
    "six_helps", "六助分类", "长治市社区居家养老服务“六助”及助洁（平台代码）", _choices(Help)
)
ORDER_STATUS = CodeTable("order_status", "工单状态", "平台代码", _choices(OrderStatus))
CHANNEL = CodeTable("channel", "受理渠道", "平台代码", _choices(Channel))
PROVIDER_KIND = CodeTable("provider_kind", "服务方类型", "平台代码", _choices(ProviderKind))

TABLES: tuple[CodeTable, ...] = (
    REGION,
    GENDER,
    LIVING_SITUATION,
    ABILITY_LEVEL,
    LTC_GRADE,
    YES_NO,
    RESIDENCE,
    WELFARE,
    RISK_LEVEL,
    ELDER_STATUS,
    FACILITY_TYPE,
    OWNERSHIP,
    FACILITY_STATUS,
    SERVICE_CONTENT,
    SIX_HELPS,
    ORDER_STATUS,
    CHANNEL,
    PROVIDER_KIND,
)
BY_NAME = {t.name: t for t in TABLES}
