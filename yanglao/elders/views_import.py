"""Import pages: upload a sheet, follow the job, download the template and the rejects.

Mounted in ``yanglao/elders/urls.py`` as ``elders:import``, ``elders:import_template``,
``elders:import_job`` and ``elders:import_rejects``.
"""

from __future__ import annotations

import hashlib
import uuid
from io import BytesIO
from pathlib import Path
from urllib.parse import quote

from django import forms
from django.db import transaction
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yanglao.accounts.roles import ELDER_WRITERS
from yanglao.core.audit import AccessKind, log_access
from yanglao.core.decorators import role_required
from yanglao.core.errors import NotFound, ValidationFailed
from yanglao.core.exports import XLSX_MIME
from yanglao.core.forms import StyledForm
from yanglao.core.scope import get_in_scope, path_q
from yanglao.core.uploads import check_sheet

from . import importer
from .models import ImportJob, ImportStatus

# Files up to this size are imported during the upload request (a few thousand rows,
# about a second); larger ones go to the background worker with progress on the page.
INLINE_MAX_BYTES = 512 * 1024
MAX_UPLOAD_BYTES = importer.MAX_FILE_BYTES
RUNNING = (ImportStatus.QUEUED, ImportStatus.VALIDATING, ImportStatus.COMMITTING)


class ImportForm(StyledForm):
    file = forms.FileField(
        label=gettext_lazy("老年人信息表（.xlsx 或 .csv）"),
        help_text=gettext_lazy(
            "请使用导入模板的列；第一行为表头。同一文件重复导入不会产生重复档案。"
        ),
    )


def jobs_for(actor):
    """Jobs are seen by users whose region contains the job's region (404 otherwise)."""
    return ImportJob.objects.filter(path_q(actor.region.path, "region__path")).select_related(
        "region", "created_by"
    )


def _job(actor, job_id: int) -> ImportJob:
    qs = ImportJob.objects.select_related("region", "created_by")
    return get_in_scope(qs, actor, path_lookup="region__path", pk=job_id)


def _save_upload(upload) -> tuple[Path, str]:
    name = importer.safe_filename(upload.name)
    target = importer.imports_dir() / f"{uuid.uuid4().hex[:12]}-{name}"
    digest = hashlib.sha256()
    with open(target, "wb") as out:
        for chunk in upload.chunks():
            digest.update(chunk)
            out.write(chunk)
    return target, digest.hexdigest()


@role_required(ELDER_WRITERS)
def import_page(request):
    actor = request.user
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            # Type by its bytes, size, zip bomb; a large file's members are inflated
            # by the background job (importer.open_rows), not during the upload.
            check_sheet(
                upload,
                upload.name,
                max_bytes=MAX_UPLOAD_BYTES,
                inflate=upload.size <= INLINE_MAX_BYTES,
            )
        except ValidationFailed as error:
            form.add_domain_error(error)
        else:
            target, sha256 = _save_upload(upload)
            job = ImportJob.objects.create(
                region=actor.region,
                filename=upload.name[:200],
                sha256=sha256,
                upload_path=str(target),
                created_by=actor,
            )
            if upload.size <= INLINE_MAX_BYTES:
                importer.run_job(job, request=request)
            else:
                from .import_tasks import run_import_job

                transaction.on_commit(lambda: run_import_job(job.pk))
            return redirect("elders:import_job", job_id=job.pk)
    jobs = jobs_for(actor).filter(created_by=actor)[:15]
    return render(
        request,
        "elders/import.html",
        {"form": form, "jobs": jobs, "headers": importer.TEMPLATE_HEADERS},
        status=422 if form.errors else 200,
    )


@role_required(ELDER_WRITERS)
def import_job(request, job_id: int):
    job = _job(request.user, job_id)
    context = {"job": job, "running": job.status in RUNNING, "percent": _percent(job)}
    if getattr(request, "htmx", False):
        return render(request, "elders/_import_progress.html", context)
    return render(request, "elders/import_job.html", context)


def _percent(job: ImportJob) -> int | None:
    """How far the job is; None while running without a row count to go by (a file
    that does not say how many rows it has: the bar is then shown moving, unnumbered)."""
    if job.status in (ImportStatus.DONE, ImportStatus.COMMITTING):
        return 100
    if job.status == ImportStatus.FAILED:
        return 100
    if not job.total:
        return None
    return min(99, job.processed * 100 // job.total)


@role_required(ELDER_WRITERS)
def import_rejects(request, job_id: int):
    job = _job(request.user, job_id)
    if not job.rejects_path or not Path(job.rejects_path).exists():
        raise NotFound(_("该导入没有未导入的行"))
    log_access(
        actor=request.user,
        kind=AccessKind.EXPORT,
        obj=job,
        request=request,
        region=job.region,
        detail={"object_type": "elder_import_rejects", "rows": job.rejected, "job": job.pk},
    )
    stem = Path(job.filename).stem[:60] or "import"
    name = f"{stem}-{_('未导入的行')}.xlsx"
    response = FileResponse(open(job.rejects_path, "rb"), content_type=XLSX_MIME)  # noqa: SIM115
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@role_required(ELDER_WRITERS)
def import_template(request):
    response = HttpResponse(template_bytes(), content_type=XLSX_MIME)
    name = _("老年人信息导入模板") + ".xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def template_bytes() -> bytes:
    """The template: the columns (ID numbers as text, drop-down lists for the choices)
    and a second sheet that explains each column and the MZ/T 039-2013 codes."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("老年人信息")
    sheet.append(importer.TEMPLATE_HEADERS)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="FCE8E6")
    required = {importer.HEADER[k] for k in importer.REQUIRED}
    for index, column in enumerate(importer.COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = bold
        if column.header in required:
            cell.fill = fill
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = column.width + 2
        # Text format so Excel keeps all 18 characters of an ID number and leading zeros.
        sheet.column_dimensions[letter].number_format = "@"
    sheet.freeze_panes = "A2"
    lists = {
        "bool": '"是,否"',
        "residence": '"户籍且常住,户籍,常住"',
        "living_situation": '"独居,空巢,与子女同住,与其他亲属同住,养老机构,其他"',
        "welfare": '"无,特困,低保,经济困难"',
        "ltc_grade": '"0,1,2,3,4,5"',
    }
    for index, column in enumerate(importer.COLUMNS, start=1):
        kind = "bool" if column.key in importer.BOOL_KEYS else column.key
        if kind not in lists:
            continue
        letter = sheet.cell(row=1, column=index).column_letter
        # Codes and other words are accepted too: the list only helps, it does not refuse.
        check = DataValidation(
            type="list", formula1=lists[kind], allow_blank=True, showErrorMessage=False
        )
        check.add(f"{letter}2:{letter}100000")
        sheet.add_data_validation(check)
    notes = workbook.create_sheet(_("填写说明"))
    notes.append([_("列"), _("是否必填"), _("填写方法")])
    for cell in notes[1]:
        cell.font = bold
    for column in (*importer.COLUMNS, *importer.EXTRA_COLUMNS):
        notes.append(
            [
                column.header,
                _("必填") if column.key in importer.REQUIRED else _("选填"),
                column.hint or "",
            ]
        )
    notes.append([])
    notes.append([_("居住情况代码（MZ/T 039-2013 附录 A.2）")])
    for code, text in (
        ("1", "独居"),
        ("2", "与配偶/伴侣同住（空巢）"),
        ("3", "与子女同住"),
        ("4", "与父母同住"),
        ("5", "与兄弟姐妹同住"),
        ("6", "与其他亲属同住"),
        ("7", "与非亲属同住"),
        ("8", "养老机构"),
    ):
        notes.append([code, text])
    notes.append([])
    for line in (
        _("“农村”“失智诊断”两列可选：不填时，村为农村、社区为城镇。"),
        _("留空的选填项：新建档案取默认值，已有档案保持原值。"),
        _("身份证号相同的行视为同一位老人：再次导入会更新有变化的字段，不会重复建档。"),
        _("未通过校验的行不会导入，可下载“未导入的行”，改正后重新导入。"),
    ):
        notes.append([line])
    notes.column_dimensions["A"].width = 22
    notes.column_dimensions["B"].width = 10
    notes.column_dimensions["C"].width = 70
    for row in notes.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
