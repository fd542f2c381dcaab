"""Pages of the linked systems: the feed batches with their unmatched rows, a facility's
residents (and the roster upload for a home without a system of its own), the FHIR
download of an elder's file and the upper-level export with its code tables."""

from __future__ import annotations

import io
import json
import re

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yanglao.accounts.roles import ELDER_READERS, SENSITIVE_VIEWERS
from yanglao.core.decorators import role_required
from yanglao.core.errors import (
    DomainError,
    Forbidden,
    ValidationFailed,
    error_response,
    record_refusal,
)
from yanglao.core.exports import Column, xlsx_response
from yanglao.core.forms import DateInput, StyledForm
from yanglao.core.paging import paginate, query_without_page
from yanglao.core.sheets import map_headers, read_sheet
from yanglao.facilities import selectors as facility_selectors
from yanglao.facilities.models import RESIDENTIAL_TYPES

from . import codes, export, fhir, selectors, services
from .models import FeedKind

SHEET_ALIASES = {
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "证件号码"),
    "name": ("姓名", "老人姓名"),
    "bed": ("床位号", "床号", "床位"),
    "room": ("房间号", "房间", "房号"),
    "admitted_on": ("入住日期", "入院日期", "入住时间"),
    "care_level": ("护理等级", "照护等级", "护理级别"),
}
SHEET_HEADERS = {
    "id_number": "身份证号",
    "name": "姓名",
    "bed": "床位号",
    "room": "房间号",
    "admitted_on": "入住日期",
    "care_level": "护理等级",
}


def _checked(value) -> bool:
    return str(value or "").lower() in ("1", "true", "on", "yes")


# ---------------------------------------------------------------- batches


BATCH_COLUMNS = [
    Column(gettext_lazy("接收时间"), lambda b: b.received_at, 18),
    Column(gettext_lazy("养老机构"), lambda b: b.facility.name, 24),
    Column(gettext_lazy("报送内容"), lambda b: b.get_kind_display(), 10),
    Column(gettext_lazy("数据日期"), lambda b: b.as_of, 12),
    Column(gettext_lazy("行数"), lambda b: b.total, 8),
    Column(gettext_lazy("匹配"), lambda b: b.matched, 8),
    Column(gettext_lazy("未匹配"), lambda b: b.unmatched, 8),
    Column(gettext_lazy("新入住"), lambda b: b.created, 8),
    Column(gettext_lazy("离院"), lambda b: b.discharged, 8),
    Column(gettext_lazy("床位总数"), lambda b: b.beds_total, 8),
    Column(gettext_lazy("在住人数"), lambda b: b.beds_occupied, 8),
    Column(gettext_lazy("报送账号"), lambda b: getattr(b.created_by, "username", ""), 14),
]


@role_required(selectors.READERS)
def batch_list(request):
    g = request.GET
    facility_id = g.get("facility", "")
    qs = selectors.batches(
        request.user,
        q=g.get("q", ""),
        kind=g.get("kind", "") if g.get("kind", "") in FeedKind.values else "",
        facility_id=int(facility_id) if facility_id.isdigit() else None,
        unmatched=_checked(g.get("unmatched")),
        region_code=g.get("region", ""),
    )
    if g.get("export") == "xlsx":
        return xlsx_response(
            request=request,
            actor=request.user,
            title=_("机构报送批次"),
            filename="feed-batches",
            columns=BATCH_COLUMNS,
            rows=qs.iterator(),
            filters={k: v for k, v in g.items() if k not in ("export", "page")},
            object_type="FeedBatch",
        )
    return render(
        request,
        "interop/batch_list.html",
        {
            "page": paginate(request, qs),
            "qs": query_without_page(request),
            "params": g,
            "kinds": FeedKind.choices,
            "facilities": _feedable(request.user),
            "can_export": request.user.role in export.EXPORTERS,
        },
    )


def _feedable(user):
    """Facilities the user may send residents for (their own, or in their region)."""
    qs = facility_selectors.visible(user).filter(type__in=RESIDENTIAL_TYPES).order_by("name")
    return [f for f in qs[:200] if services.may_feed(user, f)]


REPORT_COLUMNS = [
    Column(gettext_lazy("序号"), lambda r: r["row"], 6),
    Column(gettext_lazy("姓名"), lambda r: r["name"], 10),
    Column(gettext_lazy("身份证号（脱敏）"), lambda r: r["id_number"], 22),
    Column(gettext_lazy("床位号"), lambda r: r.get("bed", ""), 8),
    Column(gettext_lazy("房间号"), lambda r: r.get("room", ""), 8),
    Column(gettext_lazy("原因代码"), lambda r: r["reason"], 16),
    Column(gettext_lazy("原因"), lambda r: r["label"], 14),
    Column(gettext_lazy("说明"), lambda r: r["message"], 48),
]


@role_required(selectors.READERS)
def batch_detail(request, pk: int):
    try:
        batch = selectors.batch_get(request.user, pk)
    except DomainError as error:
        return error_response(request, error)
    reason = request.GET.get("reason", "")
    q = (request.GET.get("q") or "").strip()
    rows = [
        r
        for r in batch.report or []
        if (not reason or r["reason"] == reason) and (not q or q in r["name"] or q in r["bed"])
    ]
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            request=request,
            actor=request.user,
            title=_("未匹配明细"),
            filename=f"feed-{batch.pk}-unmatched",
            columns=REPORT_COLUMNS,
            rows=rows,
            filters={"批次": str(batch.pk), "机构": batch.facility.name, "原因": reason, "搜索": q},
            object_type="FeedBatch",
        )
    paginator = Paginator(rows, 50)
    page = paginator.get_page(request.GET.get("page"))
    labels = services.reason_labels()
    reasons = sorted({r["reason"] for r in batch.report or []})
    return render(
        request,
        "interop/batch_detail.html",
        {
            "batch": batch,
            "page": page,
            "qs": query_without_page(request),
            "params": request.GET,
            "reasons": [(r, labels.get(r, r)) for r in reasons],
            "crumbs_facility": batch.facility,
        },
    )


# ---------------------------------------------------------------- residents


RESIDENT_COLUMNS = [
    Column(gettext_lazy("姓名"), lambda s: s.elder.person.name, 10),
    Column(gettext_lazy("身份证号"), lambda s: s.elder.person.masked_id_number, 22),
    Column(gettext_lazy("所属村(社区)"), lambda s: s.elder.region.name, 16),
    Column(gettext_lazy("房间号"), lambda s: s.room, 8),
    Column(gettext_lazy("床位号"), lambda s: s.bed, 8),
    Column(gettext_lazy("护理等级"), lambda s: s.care_level, 10),
    Column(gettext_lazy("入住日期"), lambda s: s.since, 12),
    Column(gettext_lazy("离院日期"), lambda s: s.until, 12),
]


@role_required(selectors.READERS)
def residents(request, pk: int):
    try:
        facility = selectors.facility_get(request.user, pk)
    except DomainError as error:
        return error_response(request, error)
    current = request.GET.get("all") != "1"
    qs = selectors.residents(request.user, facility, q=request.GET.get("q", ""), current=current)
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            request=request,
            actor=request.user,
            title=_("在住老人"),
            filename=f"facility-{facility.pk}-residents",
            columns=RESIDENT_COLUMNS,
            rows=qs.iterator(),
            filters={
                "机构": facility.name,
                "搜索": request.GET.get("q", ""),
                "含已离院": "" if current else "是",
            },
            object_type="Residency",
        )
    return render(
        request,
        "interop/residents.html",
        {
            "facility": facility,
            "page": paginate(request, qs),
            "qs": query_without_page(request),
            "params": request.GET,
            "current": current,
            "can_feed": services.may_feed(request.user, facility),
            "residential": facility.type in RESIDENTIAL_TYPES,
        },
    )


class RosterForm(StyledForm):
    file = forms.FileField(label=gettext_lazy("在住老人名单（.xlsx 或 .csv）"))
    as_of = forms.DateField(label=gettext_lazy("数据日期"), required=False, widget=DateInput())
    complete = forms.BooleanField(
        label=gettext_lazy("这是完整在住名单（名单上没有的在住老人记为离院）"), required=False
    )


class BedsForm(StyledForm):
    total = forms.IntegerField(label=gettext_lazy("床位总数"), min_value=0)
    occupied = forms.IntegerField(label=gettext_lazy("在住人数"), min_value=0)
    nursing = forms.IntegerField(label=gettext_lazy("护理型床位数"), min_value=0, required=False)
    as_of = forms.DateField(label=gettext_lazy("数据日期"), required=False, widget=DateInput())


_SLASH_DATE = re.compile(r"^(\d{4})[/.年-](\d{1,2})[/.月-](\d{1,2})日?")


def _sheet_date(text: str) -> str:
    match = _SLASH_DATE.match(text.strip())
    if not match:
        return text
    year, month, day = match.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}"


def sheet_rows(sheet) -> list[dict]:
    """The roster's rows as the feed takes them (header names in Chinese or English)."""
    columns = map_headers(sheet.headers, SHEET_ALIASES)
    missing = [SHEET_HEADERS[k] for k in ("id_number", "name") if k not in columns]
    if missing:
        raise ValidationFailed(
            fields={"file": [_("表头缺少：%(cols)s") % {"cols": "、".join(missing)}]}
        )
    rows = []
    for raw in sheet.rows:
        row = {key: (raw[i] if i < len(raw) else "") for key, i in columns.items()}
        if row.get("admitted_on"):
            row["admitted_on"] = _sheet_date(row["admitted_on"])
        rows.append(row)
    return rows


def _row_messages(error: DomainError) -> list[str]:
    """``residents.3.admitted_on`` -> 第 5 行（入住日期）: the sheet's own row number."""
    out = []
    for key, texts in (error.fields or {}).items():
        match = re.match(r"^residents\.(\d+)\.(\w+)$", key)
        for text in texts:
            if match:
                out.append(
                    _("表格第 %(row)s 行（%(col)s）：%(msg)s")
                    % {
                        "row": int(match.group(1)) + 2,
                        "col": SHEET_HEADERS.get(match.group(2), match.group(2)),
                        "msg": text,
                    }
                )
            else:
                out.append(text)
    return out or [error.message]


@role_required(selectors.READERS)
def feed(request, pk: int):
    """Upload the roster as a sheet, or type the beds: the same services as the API."""
    try:
        facility = selectors.facility_get(request.user, pk)
    except DomainError as error:
        return error_response(request, error)
    if not services.may_feed(request.user, facility):
        return error_response(
            request, Forbidden(_("只有本机构的运营方账号或辖区民政工作人员可以报送"))
        )
    roster = RosterForm(prefix="roster")
    beds = BedsForm(prefix="beds", initial={"total": facility.beds, "occupied": facility.residents})
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        which = request.POST.get("which")
        if which == "roster":
            roster = RosterForm(request.POST, request.FILES, prefix="roster")
            if roster.is_valid():
                upload = roster.cleaned_data["file"]
                try:
                    sheet = read_sheet(io.BytesIO(upload.read()), upload.name, field="file")
                    batch = services.feed_residents(
                        actor=request.user,
                        facility=facility,
                        residents=sheet_rows(sheet),
                        as_of=roster.cleaned_data["as_of"],
                        complete=roster.cleaned_data["complete"],
                        source="sheet",
                        request=request,
                    )
                except DomainError as error:
                    record_refusal(request, error)
                    problems = _row_messages(error)
                    status = error.status
                else:
                    messages.success(
                        request,
                        _("已报送 %(n)s 行：匹配 %(m)s，未匹配 %(u)s")
                        % {"n": batch.total, "m": batch.matched, "u": batch.unmatched},
                    )
                    return redirect("interop:batch", pk=batch.pk)
            else:
                status = 422
        elif which == "beds":
            beds = BedsForm(request.POST, prefix="beds")
            if beds.is_valid():
                data = beds.cleaned_data
                try:
                    batch = services.feed_beds(
                        actor=request.user,
                        facility=facility,
                        total=data["total"],
                        occupied=data["occupied"],
                        nursing=data["nursing"],
                        as_of=data["as_of"],
                        source="page",
                        request=request,
                    )
                except DomainError as error:
                    record_refusal(request, error)
                    for key, texts in (error.fields or {}).items():
                        for text in texts:
                            beds.add_error(key if key in beds.fields else None, text)
                    if not error.fields:
                        beds.add_error(None, error.message)
                    status = error.status
                else:
                    messages.success(request, _("床位已更新"))
                    return redirect("interop:batch", pk=batch.pk)
            else:
                status = 422
    return render(
        request,
        "interop/feed.html",
        {
            "facility": facility,
            "roster": roster,
            "beds": beds,
            "problems": problems,
            "residential": facility.type in RESIDENTIAL_TYPES,
            "headers": list(SHEET_HEADERS.values()),
        },
        status=status,
    )


# ---------------------------------------------------------------- FHIR


@role_required(ELDER_READERS)
def elder_fhir(request, pk: int):
    full = _checked(request.GET.get("full"))
    try:
        elder, data = fhir.export_bundle(
            actor=request.user, elder_id=pk, full=full, request=request
        )
    except DomainError as error:
        return error_response(request, error)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=1),
        content_type=f"{fhir.MEDIA_TYPE}; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="elder-{elder.pk}-fhir-r4.json"'
    return response


# ---------------------------------------------------------------- upper-level export


class ExportForm(StyledForm):
    kind = forms.ChoiceField(
        label=gettext_lazy("导出内容"),
        choices=[
            ("elders", gettext_lazy("老年人")),
            ("facilities", gettext_lazy("养老服务设施")),
            ("services", gettext_lazy("服务工单")),
        ],
    )
    region = forms.CharField(label=gettext_lazy("区划代码"), required=False, max_length=12)
    format = forms.ChoiceField(
        label=gettext_lazy("格式"),
        choices=[("xlsx", "Excel (.xlsx)"), ("csv", "CSV (UTF-8)"), ("json", "JSON")],
    )
    date_from = forms.DateField(
        label=gettext_lazy("服务日期起"), required=False, widget=DateInput()
    )
    date_to = forms.DateField(label=gettext_lazy("服务日期止"), required=False, widget=DateInput())
    full = forms.BooleanField(
        label=gettext_lazy("导出完整身份证号和电话（记录日志）"), required=False
    )


JSON_FILE_LIMIT = 200  # rows per JSON file from the page; the API pages through the rest


@role_required(export.EXPORTERS)
def export_page(request):
    form = ExportForm(request.GET or None, initial={"region": request.user.region_id})
    if request.user.role not in SENSITIVE_VIEWERS:
        del form.fields["full"]
    status = 200
    if request.GET.get("download") and form.is_valid():
        data = form.cleaned_data
        try:
            prepared = export.prepare(
                actor=request.user,
                kind=data["kind"],
                region_code=(data["region"] or "").strip(),
                full=bool(data.get("full")),
                date_from=data["date_from"],
                date_to=data["date_to"],
            )
            if data["format"] == "xlsx":
                return export.xlsx(actor=request.user, export=prepared, request=request)
            if data["format"] == "csv":
                return export.csv_response(actor=request.user, export=prepared, request=request)
            body = export.json_page(
                actor=request.user,
                export=prepared,
                page=1,
                page_size=JSON_FILE_LIMIT,
                request=request,
            )
        except DomainError as error:
            record_refusal(request, error)
            if error.status == 404:
                form.add_error("region", _("区划代码不存在或不在您的管辖范围内"))
            else:
                form.add_domain_error(error)
            status = error.status
        else:
            response = HttpResponse(
                json.dumps(body, ensure_ascii=False, indent=1),
                content_type="application/json; charset=utf-8",
            )
            response["Content-Disposition"] = (
                f'attachment; filename="{data["kind"]}-{prepared.region.code}.json"'
            )
            return response
    elif request.GET.get("download"):
        status = 422
    return render(
        request,
        "interop/export.html",
        {
            "form": form,
            "tables": codes.TABLES,
            "fields": {
                kind: export.FIELDS[kind](False) for kind in ("elders", "facilities", "services")
            },
            "kinds": export.KINDS,
            "json_limit": JSON_FILE_LIMIT,
            "can_export": True,
        },
        status=status,
    )
