"""Bad uploads on every page that takes a file: a clear Chinese refusal naming the field,
a 4xx status, and nothing written.

The upload pages: the region sheet (/regions/import/), the elder import
(/elders/import/), a planning task table's import (/planning/tables/<pk>/import/), a
care home's roster (/interop/facilities/<pk>/feed/), the visit photo
(/visits/new/<elder>/), the photos closing a community activity
(/community/activities/<pk>/), the photos of an inspection's findings
(/supervision/inspections/<pk>/findings/new/ and the rectification and re-inspection on
the finding's page) and the photos of a service order's start and finish
(``services.order_start``/``order_finish``, the order page). ``test_every_upload_is_listed``
fails when a new view reads ``request.FILES`` without a case here.
"""

from __future__ import annotations

import datetime as dt
import re
from io import BytesIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests import files

COUNTY = "141129"
VILLAGE = "141129101201"

# Each file (relative to yanglao/) whose views read request.FILES, and the test(s) here
# that send it bad files.
UPLOAD_VIEWS = {
    "regions/views.py": "test_a_bad_sheet_is_refused_by_every_sheet_page",
    "elders/views_import.py": "test_a_bad_sheet_is_refused_by_every_sheet_page",
    "planning/views.py": "test_a_bad_sheet_is_refused_by_every_sheet_page",
    "visits/views.py": "test_a_bad_visit_photo_is_refused",
    "community/views_activities.py": "test_bad_activity_photos_are_refused",
    "services/views.py": "test_a_bad_order_photo_is_refused",
    "interop/views.py": "test_a_bad_sheet_is_refused_by_every_sheet_page",
    "supervision/views.py": "test_bad_inspection_photos_are_refused",
}


def test_every_upload_is_listed():
    root = Path(__file__).resolve().parent.parent / "yanglao"
    readers = set()
    for path in root.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"request\.FILES|UploadedFile\b|File\(\s*\.\.\.", text):
            readers.add(str(path.relative_to(root)))
    missing = readers - set(UPLOAD_VIEWS)
    assert not missing, f"add bad-file cases for these uploads: {sorted(missing)}"


# ---------------------------------------------------------------- spreadsheets

BAD_SHEETS = [
    # (name, filename, bytes, a word the refusal must hold)
    ("wrong type", "people.exe", files.renamed_exe, "只接受"),
    ("program renamed .xlsx", "people.xlsx", files.renamed_exe, "内容与扩展名不符"),
    ("binary renamed .csv", "people.csv", files.renamed_exe, "内容与扩展名不符"),
    ("corrupt .xlsx", "people.xlsx", files.truncated(files.xlsx([["a"], ["b"]])), "损坏"),
    ("zip bomb", "people.xlsx", files.zip_bomb(64), "压缩炸弹"),
    ("zip lying about sizes", "people.xlsx", files.lying_zip(8), "损坏"),
    ("empty", "people.csv", b"", "空"),
]


@pytest.fixture
def sheet_pages(client, make_user):
    """(url, form data, the file's field, counter of what an import writes) for each
    page that takes a sheet."""
    from yanglao.elders.models import Elder, ImportJob
    from yanglao.facilities.models import Facility
    from yanglao.interop.models import FeedBatch
    from yanglao.planning.models import TaskRow, TaskTable
    from yanglao.regions.models import Region

    admin = make_user("county_admin", COUNTY)
    client.force_login(admin)
    county = Region.objects.get(code=COUNTY)
    table = TaskTable.objects.create(
        region=county,
        region_path=county.path,
        title="中阳县任务表",
        year_from=2026,
        year_to=2026,
        columns=[],
    )
    town = Region.objects.get(code="141129101")
    home = Facility.objects.create(
        name="金罗镇敬老院",
        type="nursing_home",
        region=town,
        region_path=town.path,
        ownership="public",
    )
    return [
        ("/regions/import/", {}, "file", lambda: Region.objects.count()),
        (
            "/elders/import/",
            {},
            "file",
            lambda: (Elder.objects.count(), ImportJob.objects.count()),
        ),
        (f"/planning/tables/{table.pk}/import/", {}, "file", lambda: TaskRow.objects.count()),
        (
            f"/interop/facilities/{home.pk}/feed/",
            {"which": "roster", "roster-as_of": "2026-01-05"},
            "roster-file",
            lambda: FeedBatch.objects.count(),
        ),
    ]


@pytest.mark.parametrize(
    ("name", "filename", "data", "word"), BAD_SHEETS, ids=[b[0] for b in BAD_SHEETS]
)
def test_a_bad_sheet_is_refused_by_every_sheet_page(
    client, sheet_pages, tmp_path, settings, name, filename, data, word
):
    settings.VAR_DIR = tmp_path
    for url, form, field, written in sheet_pages:
        before = written()
        response = client.post(url, {**form, field: SimpleUploadedFile(filename, data)})
        page = response.content.decode()
        assert 400 <= response.status_code < 500, (url, response.status_code)
        assert word in page, (url, page[-2000:])
        assert written() == before, url


def test_a_sheet_over_the_size_limit_is_refused(client, sheet_pages, settings, monkeypatch):
    from yanglao.elders import views_import

    settings.YANGLAO_SHEET_MAX_BYTES = 64 * 1024
    monkeypatch.setattr(views_import, "MAX_UPLOAD_BYTES", 64 * 1024)
    big = ("区划代码,名称,上级代码\n" + "141129101999,某村,141129101\n" * 4000).encode()
    assert len(big) > 64 * 1024
    for url, form, field, written in sheet_pages:
        before = written()
        response = client.post(url, {**form, field: SimpleUploadedFile("big.csv", big)})
        assert response.status_code == 422, url
        assert "文件过大" in response.content.decode() and "最大 0.0625 MB" in (
            response.content.decode()
        )
        assert written() == before, url


def test_the_sheet_guard_inflates_members_and_refuses_a_big_total(settings):
    """A zip of many members each inflating within the ratio but over the total."""
    import zipfile

    from yanglao.core.errors import ValidationFailed
    from yanglao.core.uploads import check_sheet

    settings.YANGLAO_SHEET_MAX_BYTES = 1024 * 1024  # inflated total allowed: 64 MB
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for n in range(70):
            archive.writestr(f"xl/worksheets/sheet{n}.xml", b"x" * (1024 * 1024))
    with pytest.raises(ValidationFailed) as refused:
        check_sheet(BytesIO(out.getvalue()), "many.xlsx", max_bytes=None)
    assert "压缩炸弹" in refused.value.fields["file"][0]
    good = files.xlsx([["姓名"], ["张三"]])
    check_sheet(BytesIO(good), "good.xlsx")  # a real workbook passes


def test_formula_cells_are_stored_as_text_and_neutralised_in_exports(
    client, make_user, tmp_path, settings
):
    """A text cell that looks like a formula is kept as that text; a real formula cell is
    never evaluated; the export writes both as inert text (a leading quote)."""
    from openpyxl import load_workbook

    from yanglao.elders.models import Elder
    from yanglao.people.idnumbers import make_id_number

    settings.VAR_DIR = tmp_path
    admin = make_user("county_admin", COUNTY)
    client.force_login(admin)
    header = ["姓名", "身份证号", "所属村(社区)代码", "住址", "备注"]
    first = make_id_number(COUNTY, dt.date(1940, 3, 1), 11)
    second = make_id_number(COUNTY, dt.date(1941, 3, 1), 12)
    data = files.xlsx_with_formula(
        [
            header,
            ['=HYPERLINK("http://x.invalid","点我")', first, VILLAGE, "+1-2", "@SUM(A1)"],
            ["王秀英", second, VILLAGE, "金罗村", ""],
        ],
        "D3",
        '=cmd|" /C calc"!A0',
    )
    response = client.post("/elders/import/", {"file": SimpleUploadedFile("e.xlsx", data)})
    assert response.status_code == 302, response.content.decode()[-1500:]
    elder = Elder.objects.select_related("person").get(person__name__startswith="=HYPERLINK")
    assert elder.person.name == '=HYPERLINK("http://x.invalid","点我")'
    assert (elder.person.address, elder.note) == ("+1-2", "@SUM(A1)")
    other = Elder.objects.select_related("person").get(person__name="王秀英")
    # calamine gives a formula cell's cached value (none here), never runs it
    assert other.person.address in ("", '=cmd|" /C calc"!A0')
    export = client.get("/elders/", {"export": "xlsx"})
    assert export.status_code == 200
    sheet = load_workbook(BytesIO(export.content)).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value]
    assert all(c.data_type != "f" for c in cells)
    names = [c.value for c in cells if "HYPERLINK" in str(c.value)]
    assert names == ['\'=HYPERLINK("http://x.invalid","点我")']


# ---------------------------------------------------------------- photos

BAD_PHOTOS = [
    ("program named .jpg", "door.jpg", files.renamed_exe),
    ("truncated jpeg", "door.jpg", files.truncated(files.jpeg(), 0.5)),
    ("truncated png", "door.png", files.truncated(files.png(), 0.8)),
    ("a sheet named .png", "door.png", files.xlsx([["x"]])),
    ("huge", "door.jpg", files.jpeg()[:-2] + b"\x00" * (5 * 1024 * 1024) + b"\xff\xd9"),
]


def test_the_good_test_pictures_pass():
    from yanglao.core.uploads import image_ok

    for data in (files.png(), files.jpeg()):
        assert image_ok(BytesIO(data), max_bytes=1024)


@pytest.fixture
def elder(make_user):
    from yanglao.elders.services import elder_register
    from yanglao.people.idnumbers import make_id_number

    officer = make_user("county_admin", COUNTY)
    return officer, elder_register(
        actor=officer,
        name="张桂兰",
        region_code=VILLAGE,
        id_number=make_id_number(COUNTY, dt.date(1940, 5, 1), 77),
    )


@pytest.mark.parametrize(("name", "filename", "data"), BAD_PHOTOS, ids=[b[0] for b in BAD_PHOTOS])
def test_a_bad_visit_photo_is_refused(client, elder, settings, tmp_path, name, filename, data):
    from django.utils import timezone

    from yanglao.visits.models import Visit

    settings.MEDIA_ROOT = tmp_path
    officer, old = elder
    client.force_login(officer)
    response = client.post(
        f"/visits/new/{old.pk}/",
        {
            "method": "door",
            "visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            **{
                f"check_{k}": "fine"
                for k in ("health", "mental_state", "safety", "hygiene", "living_environment")
            },
            "photo": SimpleUploadedFile(filename, data, content_type="image/jpeg"),
        },
    )
    assert response.status_code == 422
    assert "照片须为 JPEG 或 PNG" in response.content.decode()
    assert not Visit.objects.exists()
    assert not any(tmp_path.rglob("*.*"))


@pytest.mark.parametrize(("name", "filename", "data"), BAD_PHOTOS, ids=[b[0] for b in BAD_PHOTOS])
def test_bad_activity_photos_are_refused(
    client, make_user, settings, tmp_path, name, filename, data
):
    from yanglao.community.models import ActivityPhoto
    from yanglao.party.models import Activity
    from yanglao.regions.models import Region

    settings.MEDIA_ROOT = tmp_path
    officer = make_user("county_admin", COUNTY)
    client.force_login(officer)
    village = Region.objects.get(code=VILLAGE)
    activity = Activity.objects.create(
        kind="health_talk",
        held_on=dt.date.today() - dt.timedelta(days=1),
        region=village,
        region_path=village.path,
        title="健康讲座",
    )
    good = SimpleUploadedFile("ok.png", files.png(), content_type="image/png")
    bad = SimpleUploadedFile(filename, data, content_type="image/png")
    response = client.post(
        f"/community/activities/{activity.pk}/",
        {"action": "close", "summary": "讲了防跌倒。", "photos": [good, bad]},
    )
    assert response.status_code == 422
    assert "照片须为 JPEG 或 PNG" in response.content.decode()
    assert not ActivityPhoto.objects.exists()
    activity.refresh_from_db()
    assert not getattr(activity, "summary", "")
    assert not any(tmp_path.rglob("*.*"))


@pytest.mark.parametrize(("name", "filename", "data"), BAD_PHOTOS, ids=[b[0] for b in BAD_PHOTOS])
def test_a_bad_order_photo_is_refused(make_user, elder, settings, tmp_path, name, filename, data):
    from django.utils import timezone

    from yanglao.core.errors import ValidationFailed
    from yanglao.services import services
    from yanglao.services.models import Order, ServiceItem

    settings.MEDIA_ROOT = tmp_path
    officer, old = elder
    provider = services.provider_save(
        actor=officer,
        data={
            "name": "金罗服务中心",
            "kind": "company",
            "region": "141129101",
            "areas": ["141129101"],
            "items": ["clean_home"],
            "work_days": "1234567",
            "work_start": "00:00",
            "work_end": "23:59",
            "daily_capacity": 5,
        },
    )
    order = services.order_create(
        actor=officer,
        elder=old,
        item=ServiceItem.objects.get(code="clean_home"),
        scheduled_for=timezone.now() + dt.timedelta(hours=1),
        channel="phone",
    )
    order = services.order_assign(actor=officer, order=order, provider=provider)
    worker = make_user("facility_operator", "141129101")
    provider.users.add(worker)
    order = services.order_accept(actor=worker, order=Order.objects.get(pk=order.pk))
    photo = SimpleUploadedFile(filename, data, content_type="image/jpeg")
    with pytest.raises(ValidationFailed) as refused:
        services.order_start(actor=worker, order=order, photo=photo)
    assert refused.value.status == 422
    assert "照片须为 JPEG 或 PNG" in refused.value.fields["photo"][0]
    order.refresh_from_db()
    assert order.status == "accepted" and not order.start_photo
    assert not any(tmp_path.rglob("*.*"))


@pytest.mark.parametrize(("name", "filename", "data"), BAD_PHOTOS, ids=[b[0] for b in BAD_PHOTOS])
def test_bad_inspection_photos_are_refused(
    client, make_user, settings, tmp_path, name, filename, data
):
    from yanglao.regions.models import Region
    from yanglao.supervision.models import Finding, Inspection, Photo

    settings.MEDIA_ROOT = tmp_path
    officer = make_user("county_admin", COUNTY)
    client.force_login(officer)
    town = Region.objects.get(code="141129101")
    county = Region.objects.get(code=COUNTY)
    inspection = Inspection.objects.create(
        target_kind="region",
        region=town,
        region_path=town.path,
        organizer_region=county,
        organizer_path=county.path,
        kind="planned",
        planned_on=dt.date.today() - dt.timedelta(days=2),
        inspected_on=dt.date.today() - dt.timedelta(days=2),
        inspectors="县民政局",
        status="recorded",
    )
    url = f"/supervision/inspections/{inspection.pk}/findings/new/"
    form = {
        "severity": "minor",
        "description": "台账不全",
        "responsible": "金罗镇",
        "deadline": (dt.date.today() + dt.timedelta(days=10)).isoformat(),
    }
    good = SimpleUploadedFile("ok.png", files.png(), content_type="image/png")
    bad = SimpleUploadedFile(filename, data, content_type="image/jpeg")
    response = client.post(url, {**form, "photos": [good, bad]})
    assert response.status_code == 422
    assert "照片须为 JPEG 或 PNG" in response.content.decode()
    assert not Finding.objects.exists() and not Photo.objects.exists()
    assert not any(tmp_path.rglob("*.*"))
    good.seek(0)
    assert client.post(url, {**form, "photos": [good]}).status_code == 302  # the photo it was
    assert Finding.objects.count() == 1 and Photo.objects.count() == 1
