"""The documented export for upper-level systems (向上级系统报送的数据导出): elders,
facilities and service orders of one region, in .xlsx, CSV or JSON, with the code tables
of ``codes.py``. Every column is documented in docs/user-guide/interop.md.

Every read is scoped to the caller's region (``core.scope.scoped``) and then to the
region asked for, which must be in the caller's scope (404 otherwise); ID numbers and
phones are masked unless the caller holds the permission and asks for full values
(``full``: 403 otherwise); every export is logged
(``AccessLog`` kind ``export``) with its filters, row count and whether it carried full
values.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.db.models import Count, Q, QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.accounts.roles import SENSITIVE_VIEWERS, VISIT_OFFICERS
from yanglao.core import audit
from yanglao.core.audit import AccessKind, Outcome, log_access
from yanglao.core.errors import Forbidden, NotFound, ValidationFailed
from yanglao.core.exports import XLSX_MIME, build_xlsx, neutralise
from yanglao.core.exports import Column as XlsxColumn
from yanglao.core.masking import mask_phone
from yanglao.core.scope import in_subtree, path_q, scoped
from yanglao.elders.models import Elder
from yanglao.facilities.models import Facility
from yanglao.people.services import reveal_id
from yanglao.regions.models import Region
from yanglao.services.models import Order

from . import codes
from .models import Residency

EXPORTERS = VISIT_OFFICERS
KINDS = {"elders": _("老年人"), "facilities": _("养老服务设施"), "services": _("服务工单")}
FORMATS = ("xlsx", "csv", "json")


@dataclass(frozen=True)
class Field:
    key: str
    header: str
    value: Callable[[Any], Any]
    table: str = ""
    width: int = 14


def coded(key: str, header: str, code: Callable[[Any], str], table: codes.CodeTable) -> list[Field]:
    """A coded value goes out twice: the code (``<key>_code``) and its label."""
    return [
        Field(f"{key}_code", f"{header}代码", code, table.name, 10),
        Field(key, header, lambda obj: table.label(code(obj)), "", 14),
    ]


def _yes(value: bool) -> str:
    return "1" if value else "0"


def _county_code(path: str) -> str:
    parts = path.split(".")
    return parts[3] if len(parts) > 3 else ""


# ---------------------------------------------------------------- elders


def elder_fields(full: bool) -> list[Field]:
    def id_number(e: Elder) -> str:
        return reveal_id(e.person) if full else e.person.masked_id_number

    def phone(e: Elder) -> str:
        return e.person.phone if full else mask_phone(e.person.phone)

    flags = [
        ("rural", "农村"),
        ("left_behind", "留守"),
        ("has_carer", "有人照料"),
        ("no_children", "无子女"),
        ("children_outside_county", "子女不在本县"),
        ("widowed_childless", "孤寡"),
        ("family_planning_special", "计生特殊家庭"),
        ("party_member", "党员"),
        ("dementia", "失智诊断"),
    ]
    return [
        Field("elder_id", "档案编号", lambda e: e.pk, width=10),
        Field("name", "姓名", lambda e: e.person.name, width=10),
        Field("id_number", "身份证号", id_number, width=22),
        *coded(
            "gender", "性别", lambda e: codes.GENDER_OF_SEX.get(e.person.sex, "0"), codes.GENDER
        ),
        Field("birth_date", "出生日期", lambda e: e.person.birth_date, width=12),
        Field("phone", "联系电话", phone, width=14),
        Field("region_code", "所属村(社区)区划代码", lambda e: e.region_id, "region", 14),
        Field("region_name", "所属村(社区)", lambda e: e.region.name, width=16),
        Field("county_code", "县(区)区划代码", lambda e: _county_code(e.region_path), "region", 10),
        *coded("residence", "户籍/常住", lambda e: e.residence, codes.RESIDENCE),
        *coded(
            "living_situation",
            "居住情况",
            lambda e: codes.LIVING_CODE.get(e.living_situation, ""),
            codes.LIVING_SITUATION,
        ),
        *[
            Field(key, label, (lambda k: lambda e: _yes(getattr(e, k)))(key), "yes_no", 8)
            for key, label in flags
        ],
        *coded("welfare", "救助类别", lambda e: e.welfare, codes.WELFARE),
        *coded(
            "ability_level",
            "能力等级",
            lambda e: codes.ABILITY_CODE.get(e.ability_level, ""),
            codes.ABILITY_LEVEL,
        ),
        Field("last_assessed_on", "最近评估日期", lambda e: e.last_assessed_on, width=12),
        Field(
            "ltc_grade",
            "长护险失能等级",
            lambda e: "" if e.ltc_grade is None else str(e.ltc_grade),
            "ltc_grade",
            10,
        ),
        *coded("risk_level", "风险等级", lambda e: e.risk_level, codes.RISK_LEVEL),
        *coded("status", "档案状态", lambda e: e.status, codes.ELDER_STATUS),
        Field("facility_id", "入住机构编号", lambda e: _stay(e, "facility_id"), width=10),
        Field("facility_name", "入住机构", lambda e: _stay(e, "facility__name"), width=20),
        Field(
            "created_on", "建档日期", lambda e: timezone.localtime(e.created_at).date(), width=12
        ),
    ]


def _stay(elder: Elder, key: str) -> Any:
    return getattr(elder, "_stay", {}).get(key, "")


def _elder_rows(qs: QuerySet[Elder]) -> Iterator[Elder]:
    """Rows in chunks, each chunk's open stays read in one query."""
    batch: list[Elder] = []
    for elder in qs.iterator(chunk_size=2000):
        batch.append(elder)
        if len(batch) == 2000:
            yield from _with_stays(batch)
            batch = []
    yield from _with_stays(batch)


def _with_stays(elders: list[Elder]) -> list[Elder]:
    if not elders:
        return elders
    stays = {
        row["elder_id"]: row
        for row in Residency.objects.filter(
            elder_id__in=[e.pk for e in elders], until__isnull=True
        ).values("elder_id", "facility_id", "facility__name")
    }
    for elder in elders:
        elder._stay = stays.get(elder.pk, {})
    return elders


def elders_qs(actor, region: Region) -> QuerySet[Elder]:
    return (
        scoped(Elder.objects.all(), actor, path_lookup="region_path")
        .filter(path_q(region.path, "region_path"))
        .select_related("person", "region")
        .order_by("region_path", "person__name_pinyin", "pk")
    )


# ---------------------------------------------------------------- facilities


def facility_fields(full: bool) -> list[Field]:
    return [
        Field("facility_id", "设施编号", lambda f: f.pk, width=10),
        Field("name", "名称", lambda f: f.name, width=24),
        *coded("type", "设施类型", lambda f: f.type, codes.FACILITY_TYPE),
        *coded("ownership", "运营模式", lambda f: f.ownership, codes.OWNERSHIP),
        *coded("status", "状态", lambda f: f.status, codes.FACILITY_STATUS),
        Field("region_code", "所在区划代码", lambda f: f.region_id, "region", 14),
        Field("region_name", "所在区划", lambda f: f.region.name, width=14),
        Field("county_code", "县(区)区划代码", lambda f: _county_code(f.region_path), "region", 10),
        Field("address", "地址", lambda f: f.address, width=24),
        Field("floor_area_m2", "建筑面积(m²)", lambda f: f.floor_area_m2, width=10),
        Field("beds", "床位数", lambda f: f.beds, width=8),
        Field("nursing_beds", "护理型床位数", lambda f: f.nursing_beds, width=8),
        Field("residents", "入住/服务老人数", lambda f: f.residents, width=8),
        Field("linked_residents", "平台在住老人数", lambda f: f.linked_residents, width=8),
        Field("serves_meals", "提供用餐", lambda f: _yes(f.serves_meals), "yes_no", 8),
        Field("public_welfare_posts", "公益性岗位数", lambda f: f.public_welfare_posts, width=8),
        Field("other_staff", "其他工作人员数", lambda f: f.other_staff, width=8),
        Field("operator_name", "运营方", lambda f: f.operator_name, width=20),
        Field("opened_on", "投入运营日期", lambda f: f.opened_on, width=12),
        Field("closed_on", "停止运营日期", lambda f: f.closed_on, width=12),
        Field("filed_on", "养老机构备案日期", lambda f: f.filed_on, width=12),
        Field("has_medical_unit", "内设医疗机构", lambda f: _yes(f.has_medical_unit), "yes_no", 8),
    ]


def facilities_qs(actor, region: Region) -> QuerySet[Facility]:
    return (
        scoped(Facility.objects.all(), actor, path_lookup="region_path")
        .filter(path_q(region.path, "region_path"))
        .select_related("region")
        .annotate(linked_residents=Count("residencies", filter=Q(residencies__until__isnull=True)))
        .order_by("region_path", "type", "name", "pk")
    )


# ---------------------------------------------------------------- services


def service_fields(full: bool) -> list[Field]:
    def local(value):
        return timezone.localtime(value).replace(tzinfo=None) if value else None

    return [
        Field("order_number", "工单号", lambda o: o.number, width=16),
        Field("elder_id", "档案编号", lambda o: o.elder_id, width=10),
        Field("elder_name", "老人姓名", lambda o: o.elder.person.name, width=10),
        Field("region_code", "老人所属村(社区)区划代码", lambda o: o.elder.region_id, "region", 14),
        Field("county_code", "县(区)区划代码", lambda o: _county_code(o.region_path), "region", 10),
        Field("item_code", "服务项目编码", lambda o: o.item.code, width=16),
        Field("item_name", "服务项目", lambda o: o.item.name, width=16),
        *coded("content", "服务内容", lambda o: o.item.category, codes.SERVICE_CONTENT),
        *coded("help", "六助分类", lambda o: o.item.help, codes.SIX_HELPS),
        Field("quantity", "数量", lambda o: o.quantity, width=8),
        Field("unit", "单位", lambda o: o.item.unit, width=6),
        Field("amount", "金额(元)", lambda o: o.amount, width=10),
        *coded("status", "工单状态", lambda o: o.status, codes.ORDER_STATUS),
        *coded("channel", "受理渠道", lambda o: o.channel, codes.CHANNEL),
        Field("scheduled_for", "预约服务时间", lambda o: local(o.scheduled_for), width=18),
        Field("finished_at", "完成时间", lambda o: local(o.finished_at), width=18),
        Field("rating", "满意度(1–5)", lambda o: "" if o.rating is None else o.rating, width=8),
        Field(
            "provider_name", "服务方", lambda o: o.provider.name if o.provider_id else "", width=20
        ),
        *coded(
            "provider_kind",
            "服务方类型",
            lambda o: o.provider.kind if o.provider_id else "",
            codes.PROVIDER_KIND,
        ),
        Field("created_at", "受理时间", lambda o: local(o.created_at), width=18),
    ]


def services_qs(actor, region: Region, date_from=None, date_to=None) -> QuerySet[Order]:
    qs = scoped(Order.objects.all(), actor, path_lookup="region_path")
    qs = qs.filter(path_q(region.path, "region_path")).select_related(
        "elder__person", "elder__region", "item", "provider"
    )
    if date_from:
        qs = qs.filter(scheduled_for__date__gte=date_from)
    if date_to:
        qs = qs.filter(scheduled_for__date__lte=date_to)
    return qs.order_by("scheduled_for", "pk")


FIELDS = {"elders": elder_fields, "facilities": facility_fields, "services": service_fields}


# ---------------------------------------------------------------- the export


@dataclass
class Export:
    kind: str
    region: Region
    full: bool
    fields: list[Field]
    rows: Iterable[Any]
    count_qs: QuerySet
    filters: dict[str, str]


def region_for(actor, code: str) -> Region:
    """The region to export: the caller's own by default; another must be in scope."""
    if not code:
        return actor.region
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise NotFound()
    if not in_subtree(region.path, actor.region.path):
        audit.record(
            actor=actor,
            action="access.out_of_scope",
            outcome=Outcome.DENIED,
            detail={"model": "Region", "lookup": {"code": code}, "use": "interop.export"},
        )
        raise NotFound()
    return region


def prepare(
    *,
    actor,
    kind: str,
    region_code: str = "",
    full: bool = False,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> Export:
    if actor.role not in EXPORTERS:
        raise Forbidden()
    if kind not in FIELDS:
        raise ValidationFailed(fields={"kind": [_("应为 elders、facilities 或 services 之一")]})
    region = region_for(actor, region_code)
    if full and actor.role not in SENSITIVE_VIEWERS:
        raise Forbidden(_("您的角色无权导出完整的身份证号和电话"))
    if date_from and date_to and date_to < date_from:
        raise ValidationFailed(fields={"date_to": [_("结束日期不能早于开始日期")]})
    filters = {"类别": str(KINDS[kind]), "区划": f"{region.name}（{region.code}）"}
    if kind == "elders":
        qs = elders_qs(actor, region)
        rows: Iterable[Any] = _elder_rows(qs)
    elif kind == "facilities":
        qs = facilities_qs(actor, region)
        rows = qs.iterator(chunk_size=2000)
    else:
        qs = services_qs(actor, region, date_from, date_to)
        rows = qs.iterator(chunk_size=2000)
        if date_from:
            filters["服务日期起"] = date_from.isoformat()
        if date_to:
            filters["服务日期止"] = date_to.isoformat()
    if full:
        filters["完整信息"] = "是"
    return Export(kind, region, full, FIELDS[kind](full), rows, qs, filters)


def _log(actor, export: Export, fmt: str, rows: int, request) -> None:
    log_access(
        actor=actor,
        kind=AccessKind.EXPORT,
        region=export.region,
        request=request,
        detail={
            "object_type": {"elders": "Elder", "facilities": "Facility", "services": "Order"}[
                export.kind
            ],
            "filters": export.filters,
            "rows": rows,
            "full_values": export.full,
            "format": fmt,
            "filename": f"interop-{export.kind}",
        },
    )


def _filename(export: Export, ext: str) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return f"{export.kind}-{export.region.code}-{stamp}.{ext}"


def _plain(value: Any) -> Any:
    """A JSON value: dates ISO, decimals as strings (money and areas), None as null."""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if value == "":
        return None
    return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = neutralise(value)
    return str(text)


def xlsx(*, actor, export: Export, request=None) -> HttpResponse:
    content, count = build_xlsx(
        title=str(KINDS[export.kind]),
        columns=[XlsxColumn(f.header, f.value, f.width) for f in export.fields],
        rows=export.rows,
        filters=export.filters,
    )
    _log(actor, export, "xlsx", count, request)
    response = HttpResponse(content, content_type=XLSX_MIME)
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{quote(_filename(export, 'xlsx'))}"
    )
    return response


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(*, actor, export: Export, request=None) -> StreamingHttpResponse:
    """UTF-8 with a byte-order mark (Excel opens it right), one header row of the
    Chinese column names; streamed, so a county of elders never sits in memory."""
    count = export.count_qs.count()
    _log(actor, export, "csv", count, request)
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow([f.header for f in export.fields])
        for row in export.rows:
            yield writer.writerow([_cell(f.value(row)) for f in export.fields])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{quote(_filename(export, 'csv'))}"
    )
    return response


def json_page(*, actor, export: Export, page: int, page_size: int, request=None) -> dict:
    """One page of rows, keyed by the columns' ``key``; the columns and their code tables
    come with it so a receiving system can check what it got."""
    count = export.count_qs.count()
    start = (page - 1) * page_size
    if export.kind == "elders":
        items_src: Iterable[Any] = _with_stays(list(export.count_qs[start : start + page_size]))
    else:
        items_src = export.count_qs[start : start + page_size]
    items = [{f.key: _plain(f.value(row)) for f in export.fields} for row in items_src]
    _log(actor, export, "json", len(items), request)
    return {
        "kind": export.kind,
        "region_code": export.region.code,
        "region_name": export.region.name,
        "generated_at": timezone.localtime().isoformat(timespec="seconds"),
        "full_values": export.full,
        "columns": [
            {"key": f.key, "header": f.header, "code_table": f.table} for f in export.fields
        ],
        "items": items,
        "count": count,
    }


def code_tables() -> list[dict]:
    return [
        {
            "name": t.name,
            "title": t.title,
            "source": t.source,
            "codes": [{"code": c, "label": label} for c, label in t.codes],
        }
        for t in codes.TABLES
    ]
