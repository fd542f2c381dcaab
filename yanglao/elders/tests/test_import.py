"""Import and export of the registry: a file mixing good, bad and duplicate rows, the
rejects spreadsheet, all-or-nothing, idempotence, one audit event per import, the
officers' code tables, the pages, and the masked export."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from yanglao.core.models import AccessKind, AccessLog, AuditEvent
from yanglao.core.scope import path_q
from yanglao.elders import importer, risk, services
from yanglao.elders.exporter import export_elders
from yanglao.elders.models import Elder, ElderStatus, ImportJob, ImportStatus
from yanglao.people.idnumbers import check_character, make_id_number
from yanglao.people.models import Person

VILLAGE = "141129101201"  # a village of 金罗镇, 中阳县
OTHER_VILLAGE = "141129104205"  # a village of 暖泉镇, 中阳县
LUZHOU_COMMUNITY = "140403001001"  # 长兴社区, 潞州区 (outside 中阳县)
HEAD = importer.TEMPLATE_HEADERS
REASON = importer.REASON_HEADER


@pytest.fixture(autouse=True)
def _var_dir(settings, tmp_path):
    """Uploads, stages and rejects go under a temporary VAR_DIR, not the developer's."""
    settings.VAR_DIR = tmp_path / "var"


def number(birth=dt.date(1945, 3, 1), seq=123, region="141129") -> str:
    return make_id_number(region, birth, seq)


def row(
    name="张桂兰",
    id_number=None,
    phone="13812345678",
    address="金罗镇一村3组5号",
    region=VILLAGE,
    residence="户籍且常住",
    living="独居",
    left="否",
    carer="是",
    no_children="否",
    outside="否",
    welfare="无",
    fps="否",
    widowed="否",
    party="否",
    ltc="",
    note="",
) -> list[str]:
    return [
        name,
        id_number or number(),
        phone,
        address,
        region,
        residence,
        living,
        left,
        carer,
        no_children,
        outside,
        welfare,
        fps,
        widowed,
        party,
        ltc,
        note,
    ]


def xlsx(tmp_path, rows, name="elders.xlsx", headers=HEAD):
    path = tmp_path / name
    importer.write_xlsx(path, list(headers), rows, safe=False, rows_hint=len(rows))
    return path


def run_file(user, path) -> ImportJob:
    job = ImportJob.objects.create(
        region=user.region,
        filename=path.name,
        sha256=importer.file_sha256(path),
        upload_path=str(path),
        created_by=user,
    )
    return importer.run_job(job)


def read_xlsx(path_or_bytes, raw: bool = False) -> list[list]:
    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else str(path_or_bytes)
    if isinstance(source, str):
        book = CalamineWorkbook.from_path(source)
    else:
        book = CalamineWorkbook.from_filelike(source)
    rows = book.get_sheet_by_index(0).to_python()
    return rows if raw else [[importer.cell_text(c) for c in r] for r in rows]


@pytest.fixture
def county(make_user):
    return make_user("county_admin", "141129")


@pytest.fixture
def luzhou(make_user):
    return make_user("county_admin", "140403")


def elder_of(id_number: str) -> Elder:
    from yanglao.people.services import id_hash

    return Elder.objects.select_related("person").get(id_number_hash=id_hash(id_number))


# The mixed file ---------------------------------------------------------------------------


@pytest.fixture
def mixed(tmp_path, county, luzhou):
    """Good rows, every kind of bad row, and duplicates (twice in the file, already on
    file in scope, already active outside the scope)."""
    on_file = number(dt.date(1940, 5, 6), 201)
    services.elder_register(
        actor=county, name="王德明", id_number=on_file, region_code=VILLAGE, phone="13900000000"
    )
    elsewhere = number(dt.date(1941, 7, 8), 301)
    services.elder_register(
        actor=luzhou, name="李凤英", id_number=elsewhere, region_code=LUZHOU_COMMUNITY
    )
    good_a = number(dt.date(1944, 1, 2), 11)
    good_b = number(dt.date(1930, 2, 3), 12)
    twice = number(dt.date(1950, 9, 9), 13)
    valid = number(dt.date(1946, 4, 4), 14)
    bad_check = valid[:17] + ("0" if valid[17] != "0" else "1")
    bad_date17 = "14112919500230" + "123"
    bad_date = bad_date17 + check_character(bad_date17)
    rows = {
        "good_a": row("张桂兰", good_a, living="1"),
        "good_b": row("赵长福", good_b, living="8", welfare="特困", carer="否"),
        "twice_1": row("刘秀英", twice, living="2"),
        "bad_check": row("陈玉兰", bad_check),
        "bad_date": row("孙有才", bad_date),
        "under_60": row("周小明", number(dt.date(1990, 1, 1), 15)),
        "unknown_region": row("吴桂芳", number(dt.date(1943, 3, 3), 16), region="141129999999"),
        "out_of_scope_region": row(
            "郑建国", number(dt.date(1942, 2, 2), 17), region=LUZHOU_COMMUNITY
        ),
        "bad_choice": row("冯淑珍", number(dt.date(1941, 1, 1), 18), living="随便"),
        "empty_name": row("", number(dt.date(1940, 1, 1), 19)),
        "twice_2": row("刘秀英", twice, living="2"),
        "update": row("王德明", on_file, phone="13811112222", living="空巢"),
        "elsewhere": row("李凤英", elsewhere),
    }
    path = xlsx(tmp_path, list(rows.values()))
    return path, rows


@pytest.mark.parametrize("workers", [0, 2], ids=["in-process", "worker-processes"])
def test_a_mixed_file_imports_the_good_rows_and_returns_every_bad_one(
    mixed, county, workers, monkeypatch
):
    if workers:  # check in forked worker processes, in batches of 4, as a large file is
        monkeypatch.setattr(importer, "PARALLEL_MIN_ROWS", 1)
        monkeypatch.setattr(importer, "PARALLEL_MIN_CORES", 2)
        monkeypatch.setattr(importer, "CHECK_BATCH", 4)
        assert importer.worker_count(13) >= 1 or (os.cpu_count() or 1) < 2
    path, rows = mixed
    before = Elder.objects.count()
    job = run_file(county, path)
    assert job.status == ImportStatus.DONE, job.error
    assert (job.total, job.created, job.updated, job.unchanged, job.rejected) == (13, 3, 1, 0, 9)
    assert Elder.objects.count() == before + 3
    updated = elder_of(rows["update"][1])
    assert updated.person.phone == "13811112222" and updated.living_situation == "spouse_only"
    assert elder_of(rows["good_b"][1]).living_situation == "institution"
    assert elder_of(rows["good_b"][1]).welfare == "extreme_poverty"

    sheet = read_xlsx(job.rejects_path)
    assert sheet[0] == [*HEAD, REASON]
    reasons = {tuple(r[: len(HEAD)]): r[-1] for r in sheet[1:]}
    assert len(reasons) == 9
    expected = {
        "bad_check": "校验位错误",
        "bad_date": "不是有效日期",
        "under_60": "未满 60 周岁",
        "unknown_region": "不存在",
        "out_of_scope_region": "只能在本人管辖的区划内建档",
        "bad_choice": "居住情况：无法识别“随便”",
        "empty_name": "姓名不能为空",
        "twice_2": "与第 4 行的身份证号重复",
        "elsewhere": "已在 山西省长治市潞州区",
    }
    for key, text in expected.items():
        reason = reasons[tuple(rows[key])]
        assert text in reason, (key, reason)
        assert "原第" in reason
    # The conflict names the other region and nothing more about the file kept there.
    conflict = reasons[tuple(rows["elsewhere"])]
    assert "长兴社区" in conflict and "李凤英" not in conflict.split("建档")[0]


def test_nothing_is_written_when_every_row_is_bad(tmp_path, county):
    rows = [
        row("", number(dt.date(1940, 1, 1), 1)),
        row("甲", number(dt.date(1995, 1, 1), 3)),
        row("乙", number(dt.date(1944, 1, 1), 5), region="141129999999"),
    ]
    people, elders = Person.objects.count(), Elder.objects.count()
    job = run_file(county, xlsx(tmp_path, rows))
    assert job.status == ImportStatus.DONE
    assert (job.created, job.updated, job.rejected) == (0, 0, 3)
    assert Person.objects.count() == people and Elder.objects.count() == elders


def test_importing_the_same_file_twice_changes_nothing(tmp_path, county):
    rows = [row(f"老人{i}", number(dt.date(1940 + i, 1, 1), 100 + i)) for i in range(5)]
    path = xlsx(tmp_path, rows)
    first = run_file(county, path)
    assert first.created == 5
    stamps = dict(Elder.objects.values_list("pk", "updated_at"))
    second = run_file(county, path)
    assert (second.created, second.updated, second.unchanged, second.rejected) == (0, 0, 5, 0)
    assert dict(Elder.objects.values_list("pk", "updated_at")) == stamps


def test_a_reimport_updates_changed_fields_and_keeps_what_is_left_blank(tmp_path, county):
    id_number = number(dt.date(1939, 9, 9), 77)
    run_file(county, xlsx(tmp_path, [row("黄金凤", id_number, party="是", note="需定期送药")]))
    changed = row("黄金凤", id_number, phone="13766665555", party="", note="", region=OTHER_VILLAGE)
    job = run_file(county, xlsx(tmp_path, [changed], name="second.xlsx"))
    assert (job.created, job.updated, job.unchanged) == (0, 1, 0)
    elder = elder_of(id_number)
    assert elder.person.phone == "13766665555"
    assert elder.region_id == OTHER_VILLAGE and elder.person.region_id == OTHER_VILLAGE
    assert elder.region_path.endswith(OTHER_VILLAGE)
    assert elder.party_member is True and elder.note == "需定期送药"  # blank keeps


def test_an_import_is_audited_as_one_event(tmp_path, county):
    rows = [row(f"老人{i}", number(dt.date(1941, 1, 1 + i), 200 + i)) for i in range(4)]
    path = xlsx(tmp_path, rows, name="四人.xlsx")
    job = run_file(county, path)
    events = AuditEvent.objects.filter(action__startswith="elder.")
    assert events.count() == 1
    event = events.get()
    assert event.action == "elder.import" and event.actor_id == county.pk
    assert event.detail["sha256"] == job.sha256 == importer.file_sha256(path)
    assert event.detail["filename"] == "四人.xlsx"
    assert (event.detail["created"], event.detail["rejected"], event.detail["total"]) == (4, 0, 4)


def test_the_mzt_living_codes_and_words_are_accepted(tmp_path, county):
    cases = {
        "1": "alone",
        "2": "spouse_only",
        "3": "with_family",
        "4": "with_family",
        "6": "with_family",
        "7": "other",
        "8": "institution",
        "空巢": "spouse_only",
        "与子女同住": "with_family",
        "养老机构": "institution",
    }
    rows = [
        row(f"老人{i}", number(dt.date(1940, 2, 1 + i), 300 + i), living=code)
        for i, code in enumerate(cases)
    ]
    job = run_file(county, xlsx(tmp_path, rows))
    assert job.created == len(cases), job.error
    for r, want in zip(rows, cases.values(), strict=True):
        assert elder_of(r[1]).living_situation == want


def test_a_15_digit_number_is_converted_to_18(tmp_path, county):
    legacy = "141129450301123"  # issued before 1999: no century, no check character
    job = run_file(county, xlsx(tmp_path, [row("宋长贵", legacy)]))
    assert job.created == 1
    person = Person.objects.get(name="宋长贵")
    assert person.birth_date == dt.date(1945, 3, 1)
    converted = "14112919450301123"
    assert person.id_tail == (converted + check_character(converted))[-4:]


def test_an_id_number_saved_as_a_number_by_excel_is_rejected_with_why(tmp_path, county):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEAD)
    cells = row("钱秀珍")
    cells[1] = int(number(dt.date(1944, 4, 4), 21)[:17] + "1")  # a number cell
    sheet.append(cells)
    path = tmp_path / "numbers.xlsx"
    book.save(path)
    job = run_file(county, path)
    assert job.rejected == 1
    assert "存成了数字" in read_xlsx(job.rejects_path)[1][-1]


def test_the_risk_of_a_new_file_is_the_one_the_service_computes(tmp_path, county):
    rows = [
        row("独居高龄", number(dt.date(1935, 1, 1), 41), living="1", carer="否"),
        row("留守老人", number(dt.date(1950, 1, 1), 43), living="2", left="是", outside="是"),
        row("一般老人", number(dt.date(1958, 1, 1), 45), living="3"),
    ]
    run_file(county, xlsx(tmp_path, rows))
    today = timezone.localdate()
    for r in rows:
        elder = elder_of(r[1])
        assert elder.risk_computed_at is not None
        assert elder.risk_level == risk.compute_risk(elder, today).level


def test_a_deceased_elder_is_not_brought_back(tmp_path, county):
    id_number = number(dt.date(1930, 6, 6), 51)
    elder = services.elder_register(
        actor=county, name="冯老汉", id_number=id_number, region_code=VILLAGE
    )
    services.elder_set_status(
        actor=county, elder=elder, status=ElderStatus.DECEASED, on=dt.date(2025, 1, 1)
    )
    job = run_file(county, xlsx(tmp_path, [row("冯老汉", id_number)]))
    assert job.rejected == 1 and "已故" in read_xlsx(job.rejects_path)[1][-1]


# Reading what officers send -------------------------------------------------------------


def test_the_streaming_reader_reads_excel_files_as_calamine_does(tmp_path):
    from openpyxl import Workbook

    book = Workbook()  # shared strings, styles, a number cell, an empty cell
    sheet = book.active
    sheet.append(["老年人信息表"])
    sheet.append(HEAD)
    sheet.append(row("A&B <c>", note="  空格 "))
    sheet.append([*row()[:4], 141129101201, *row()[5:]])
    sheet.append(row(phone="", note="第二行\n换行"))
    path = tmp_path / "excel.xlsx"
    book.save(path)
    _estimate, streamed = importer.iter_xlsx(path)
    _h, calamine = importer._iter_calamine(path)
    a = [r for _n, r in streamed]
    b = [r for _n, r in calamine]
    strip = [[c for c in r] + [""] * (17 - len(r)) for r in a]
    assert strip == [[c for c in r] + [""] * (17 - len(r)) for r in b]
    assert a[2][0] == "A&B <c>" and a[3][4] == "141129101201"


def test_a_gbk_csv_with_a_title_row_is_read(tmp_path, county):
    path = tmp_path / "gbk.csv"
    with codecs.open(path, "w", encoding="gb18030") as handle:
        writer = csv.writer(handle)
        writer.writerow(["中阳县老年人信息"])
        writer.writerow(HEAD)
        writer.writerow(row("郭玉梅", number(dt.date(1947, 7, 7), 61)))
    job = run_file(county, path)
    assert job.created == 1, job.error


def test_a_file_without_the_required_columns_fails_with_a_clear_message(tmp_path, county):
    job = run_file(county, xlsx(tmp_path, [["x", "y"]], headers=["姓名", "身份证号"]))
    assert job.status == ImportStatus.FAILED
    assert "所属村(社区)代码" in job.error


# Pages ---------------------------------------------------------------------------------------


def test_the_template_downloads_with_the_chinese_headers(client, county):
    client.force_login(county)
    response = client.get(reverse("elders:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    assert book.get_sheet_by_index(0).to_python()[0] == HEAD
    assert "填写说明" in book.sheet_names


def test_an_upload_through_the_page_shows_the_result_and_the_rejects(client, county, tmp_path):
    client.force_login(county)
    rows = [row("马春花", number(dt.date(1948, 8, 8), 81)), row("", number())]
    path = xlsx(tmp_path, rows)
    with open(path, "rb") as handle:
        response = client.post(reverse("elders:import"), {"file": handle})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert not os.path.exists(job.upload_path)  # full ID numbers are not kept once imported
    assert response["Location"] == reverse("elders:import_job", args=[job.pk])
    page = client.get(response["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert "已完成" in text and "下载未导入的行及原因" in text
    rejects = client.get(reverse("elders:import_rejects", args=[job.pk]))
    assert rejects.status_code == 200
    sheet = read_xlsx(b"".join(rejects.streaming_content))
    assert sheet[0][-1] == REASON and "姓名不能为空" in sheet[1][-1]
    assert AccessLog.objects.filter(kind=AccessKind.EXPORT, object_type="ImportJob").exists()
    listing = client.get(reverse("elders:import"))
    assert path.name in listing.content.decode()


def test_a_large_file_goes_to_the_background_job(
    client, county, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    from yanglao.elders import import_tasks, views_import

    monkeypatch.setattr(views_import, "INLINE_MAX_BYTES", 0)  # every file is "large"
    client.force_login(county)
    path = xlsx(tmp_path, [row("钟秀兰", number(dt.date(1942, 2, 2), 71))])
    with open(path, "rb") as handle, django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("elders:import"), {"file": handle})
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("elders:import_job", args=[job.pk])
    assert job.status == ImportStatus.DONE and job.created == 1  # Huey is immediate in tests
    assert import_tasks.run_import_job.call_local(job.pk) == "skipped"  # never twice


def test_the_job_page_shows_progress_and_polls_while_running(client, county):
    client.force_login(county)
    job = ImportJob.objects.create(
        region=county.region,
        filename="big.xlsx",
        sha256="0" * 64,
        upload_path="/nowhere",
        created_by=county,
        status=ImportStatus.VALIDATING,
        total=200,
        processed=50,
    )
    url = reverse("elders:import_job", args=[job.pk])
    text = client.get(url).content.decode()
    assert "25%" in text and 'hx-trigger="every 2s"' in text and "校验中" in text
    partial = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<div class="card" id="import-progress"')
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.DONE, processed=200)
    done = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in done and "100%" in done


def test_a_job_is_out_of_sight_outside_its_region_and_roles_are_checked(client, county, make_user):
    job = ImportJob.objects.create(
        region=county.region,
        filename="a.xlsx",
        sha256="0" * 64,
        upload_path="/x",
        created_by=county,
    )
    client.force_login(make_user("county_admin", "141125"))  # a sibling county
    assert client.get(reverse("elders:import_job", args=[job.pk])).status_code == 404
    client.force_login(make_user("city_admin", "1411"))  # above: sees it
    assert client.get(reverse("elders:import_job", args=[job.pk])).status_code == 200
    client.force_login(make_user("party_officer", "141129"))  # reads the registry, no import
    assert client.get(reverse("elders:import")).status_code == 403


# Export --------------------------------------------------------------------------------------


def _export(user, full=False):
    request = RequestFactory().get(
        "/elders/", {"export": "xlsx", **({"full": "1"} if full else {})}
    )
    request.user = user
    qs = Elder.objects.filter(path_q(user.region.path, "region_path")).order_by("pk")
    return export_elders(request, user, qs, {"q": ""}, full)


def test_the_export_masks_neutralises_and_logs(county):
    id_number = number(dt.date(1944, 4, 4), 91)
    services.elder_register(
        actor=county,
        name="=HYPERLINK(1)",
        id_number=id_number,
        region_code=VILLAGE,
        phone="13812345678",
    )
    response = _export(county)
    assert response.status_code == 200
    sheet = read_xlsx(response.content, raw=True)
    header, data = sheet[1], sheet[2]
    values = dict(zip(header, data, strict=False))
    assert values["姓名"] == "'=HYPERLINK(1)"
    assert values["身份证号"] == id_number[:6] + "********" + id_number[-4:]
    assert values["联系电话"] == "138****5678"
    assert values["所属村(社区)"] and values["风险等级"] and values["状态"] == "在册"
    log = AccessLog.objects.get(kind=AccessKind.EXPORT)
    assert log.detail["full_values"] is False and log.detail["rows"] == 1


def test_a_full_export_is_refused_without_the_permission_and_logged_with_it(make_user, county):
    id_number = number(dt.date(1943, 3, 3), 93)
    services.elder_register(
        actor=county, name="林玉珍", id_number=id_number, region_code=VILLAGE, phone="13812345678"
    )
    party = make_user("party_officer", "141129")
    assert _export(party, full=True).status_code == 403
    assert not AccessLog.objects.filter(kind=AccessKind.EXPORT).exists()
    response = _export(county, full=True)
    values = dict(zip(*read_xlsx(response.content)[1:3], strict=False))
    assert values["身份证号"] == id_number and values["联系电话"] == "13812345678"
    assert AccessLog.objects.get(kind=AccessKind.EXPORT).detail["full_values"] is True


# The generator --------------------------------------------------------------------------------


def test_the_generator_writes_an_import_file_that_imports_cleanly(tmp_path, county):
    from django.core.management import call_command

    path = tmp_path / "generated.csv"
    call_command("generate_elders", 300, "--region", "141129", "--seed", "3", "--csv", str(path))
    job = run_file(county, path)
    assert (job.total, job.created, job.rejected) == (300, 300, 0), job.error
    today = timezone.localdate()
    elders = Elder.objects.select_related("person").filter(region_path__startswith="00.14.1411.")
    ages = [services.age_on(e.person.birth_date, today) for e in elders]
    assert min(ages) >= 60 and max(ages) <= 103
    assert {e.living_situation for e in elders} >= {"alone", "spouse_only", "with_family"}
    assert len({e.person.name for e in elders}) > 250  # Faker zh_CN surnames, older given names


def test_load_elders_fills_the_demo_once(db):
    from yanglao.demo.elders import load_elders

    assert load_elders(40, seed=5) == 40
    assert load_elders(40, seed=5) == 0  # idempotent: already 40
    assert Elder.objects.count() == 40
    assert AuditEvent.objects.filter(action="elder.import").count() == 1
