"""The default service catalogue: the six helps (六助) and cleaning of the Changzhi seed
and its door-to-door services (矛盾调处、法律援助、生活照料、保健义诊、康复照护、社会救助、
心理疏导、配餐送餐、卫生清洁、安全检查), each filed under one of the seven contents of
GB/T 43153-2023. Prices and durations are local defaults an officer edits on the
catalogue page."""

from __future__ import annotations

ALL = ["facility", "company", "social_org", "volunteer"]
PRO = ["facility", "company", "social_org"]

# code, name, category, help, unit, minutes, price, deliverers, qualification, description
DEFAULT_ITEMS: list[tuple] = [
    (
        "care_daily",
        "生活照料（穿衣、洗漱、如厕）",
        "daily_care",
        "care",
        "次",
        60,
        "40.00",
        PRO,
        "care_worker",
        "",
    ),
    ("care_companion", "陪护照料", "daily_care", "care", "小时", 60, "30.00", ALL, "", "按小时计"),
    (
        "medical_escort",
        "陪同就医",
        "errands",
        "medical",
        "次",
        180,
        "60.00",
        ALL,
        "",
        "可同时预约挂号",
    ),
    (
        "medical_checkup",
        "上门健康检查（血压、血糖）",
        "health",
        "medical",
        "次",
        30,
        "20.00",
        PRO,
        "nurse",
        "保健义诊",
    ),
    ("medical_rehab", "康复照护", "basic_care", "medical", "次", 60, "80.00", PRO, "rehab", ""),
    (
        "medical_medicine",
        "代购药品、用药提醒",
        "errands",
        "medical",
        "次",
        45,
        "15.00",
        ALL,
        "",
        "",
    ),
    (
        "meal_delivery",
        "配餐送餐",
        "daily_care",
        "meal",
        "餐",
        20,
        "12.00",
        ALL,
        "health_cert",
        "助餐点送餐到家",
    ),
    ("meal_cooking", "上门做饭", "daily_care", "meal", "次", 90, "35.00", PRO, "health_cert", ""),
    (
        "bath_home",
        "上门助浴",
        "basic_care",
        "bath",
        "次",
        90,
        "80.00",
        PRO,
        "care_worker",
        "需两名服务人员",
    ),
    ("bath_hair", "理发、修剪指甲", "daily_care", "bath", "次", 40, "20.00", ALL, "", ""),
    (
        "emergency_response",
        "紧急救助响应",
        "basic_care",
        "emergency",
        "次",
        60,
        "0.00",
        ALL,
        "",
        "告警转介，免费",
    ),
    (
        "emergency_safety_check",
        "居家安全检查（水电气）",
        "home_adaptation",
        "emergency",
        "次",
        45,
        "0.00",
        ALL,
        "",
        "",
    ),
    ("mobility_escort", "陪同出行", "errands", "mobility", "次", 120, "40.00", ALL, "", ""),
    (
        "mobility_aid",
        "助行器具借用与指导",
        "home_adaptation",
        "mobility",
        "次",
        30,
        "0.00",
        PRO,
        "",
        "",
    ),
    ("clean_home", "居家保洁", "daily_care", "clean", "次", 120, "60.00", ALL, "", "卫生清洁"),
    ("clean_laundry", "衣物被褥清洗", "daily_care", "clean", "次", 60, "30.00", ALL, "", ""),
    ("visit_chat", "上门探访陪聊", "visiting", "other", "次", 60, "0.00", ALL, "", ""),
    (
        "emotional_counsel",
        "心理疏导",
        "emotional",
        "other",
        "次",
        60,
        "50.00",
        PRO,
        "counsellor",
        "",
    ),
    (
        "errand_shopping",
        "代购代办",
        "errands",
        "other",
        "次",
        60,
        "15.00",
        ALL,
        "",
        "代缴费用、代取物品",
    ),
    ("legal_aid", "法律援助咨询", "errands", "other", "次", 60, "0.00", PRO, "", "法律援助"),
    ("dispute_mediation", "矛盾调处", "emotional", "other", "次", 90, "0.00", ALL, "", ""),
    ("social_assistance", "社会救助申请协助", "errands", "other", "次", 60, "0.00", ALL, "", ""),
    (
        "home_adaptation",
        "适老化改造（扶手、防滑）评估与安装",
        "home_adaptation",
        "other",
        "项",
        240,
        "300.00",
        PRO,
        "",
        "",
    ),
]


def item_rows() -> list[dict]:
    keys = [
        "code",
        "name",
        "category",
        "help",
        "unit",
        "standard_minutes",
        "price",
        "deliverers",
        "qualification",
        "description",
    ]
    return [dict(zip(keys, row, strict=True), sort=i * 10) for i, row in enumerate(DEFAULT_ITEMS)]


def ensure_catalogue(model) -> int:
    """Create the items that are missing (by code); existing items are left as edited."""
    have = set(model.objects.values_list("code", flat=True))
    new = [model(**row) for row in item_rows() if row["code"] not in have]
    model.objects.bulk_create(new)
    return len(new)
