"""The region tree: the national import, codes and paths, generic sheets, pages, edits."""

from __future__ import annotations

import io
import time

import pytest
from django.conf import settings

from yanglao.core.errors import ValidationFailed
from yanglao.core.sheets import read_sheet
from yanglao.regions import codes, services
from yanglao.regions.importer import import_national
from yanglao.regions.models import Level, Region


def test_the_national_tree_is_loaded_in_full(db):
    assert Region.objects.filter(level=Level.PROVINCE).count() == 31
    assert Region.objects.filter(level=Level.CITY).count() == 342
    assert Region.objects.filter(level=Level.COUNTY).count() == 2978
    assert Region.objects.filter(level=Level.TOWNSHIP, source="统计用区划代码2022").count() == 41352
    zy = Region.objects.get(code="141129")
    assert zy.name == "中阳县" and zy.path == "00.14.1411.141129" and zy.parent_id == "1411"


def test_codes_are_never_padded(db):
    dongguan_city = Region.objects.get(code="4419")
    dongguan_county = Region.objects.get(code="441900")
    assert dongguan_city.level == Level.CITY and dongguan_county.level == Level.COUNTY
    assert dongguan_county.parent_id == "4419"
    assert codes.path_of("441900003") == "00.44.4419.441900.441900003"


def test_the_import_is_fast_and_idempotent(db):
    before = Region.objects.count()
    started = time.perf_counter()
    result = import_national(settings.REGION_DATA_DIR)
    elapsed = time.perf_counter() - started
    assert result.total == 44703 and result.created == 0
    assert Region.objects.count() == before
    assert elapsed < 30, f"national import took {elapsed:.1f}s"


def test_urban_districts_are_flagged(db):
    assert Region.objects.get(code="140403").is_urban_district  # 潞州区
    assert not Region.objects.get(code="141129").is_urban_district  # 中阳县
    assert Region.objects.get(code="350405").is_urban_district  # 沙县区


def test_an_edit_survives_a_reimport(db):
    luzhou = Region.objects.get(code="140403")
    services.region_update(
        actor=None,
        region=luzhou,
        is_urban_district=False,
        populations={"registered_60": 100000, "registered_total": 900000},
        population_year=2023,
    )
    import_national(settings.REGION_DATA_DIR)
    luzhou.refresh_from_db()
    assert luzhou.is_urban_district is False and luzhou.registered_60 == 100000


def test_zhongyang_keeps_its_abolished_township_and_76_villages(db):
    township = Region.objects.get(code="141129202")
    assert township.name == "车鸣峪乡" and township.valid_to is not None
    villages = Region.objects.filter(
        path__startswith="00.14.1411.141129.", level=Level.VILLAGE, name__endswith="村"
    )
    assert villages.count() == 76


def test_the_seed_communities_exist(db):
    assert Region.objects.get(code="140403001001").name == "长兴社区"
    assert Region.objects.get(parent__name="紫金街街道", name="八一社区")


def sheet(text: str):
    return read_sheet(io.BytesIO(text.encode("utf-8")), "regions.csv")


def test_a_generic_sheet_imports_good_rows_and_returns_bad_ones(make_user):
    admin = make_user("county_admin", "141129")
    data = (
        "区划代码,名称,上级代码,层级\n"
        "141129101301,新村甲,141129101,村\n"
        "141129101302,新村乙,141129101,\n"
        "141129101301,重复村,141129101,村\n"
        "141125100301,越界村,141125100,村\n"
        "141129101303,,141129101,村\n"
        "14112910130,短码村,141129101,村\n"
        "141129101304,孤儿村,999999999,村\n"
        "141129101301001,网格一,141129101301,网格\n"
    )
    created, updated, rejected = services.region_import_sheet(
        actor=admin, sheet=sheet(data), file_hash="x", filename="regions.csv"
    )
    assert (created, updated) == (3, 0)
    reasons = {row[1]: reason for row, reason in rejected}
    assert reasons == {
        "重复村": "区划代码在文件中重复",
        "越界村": "该区划不在您的管辖范围内",
        "": "名称不能为空",
        "短码村": "区划代码长度与层级不符",
        "孤儿村": "上级代码 999999999 不存在",
    }
    grid = Region.objects.get(code="141129101301001")
    assert grid.level == Level.GRID and grid.path.endswith("141129101.141129101301.141129101301001")
    # The same file again changes nothing.
    created, updated, rejected = services.region_import_sheet(
        actor=admin, sheet=sheet(data), file_hash="x", filename="regions.csv"
    )
    assert created == 0 and updated == 0 and len(rejected) == 5


def test_a_sheet_without_the_needed_columns_is_refused(make_user):
    admin = make_user("county_admin", "141129")
    with pytest.raises(ValidationFailed) as info:
        services.region_import_sheet(
            actor=admin, sheet=sheet("a,b\n1,2\n"), file_hash="x", filename="x.csv"
        )
    assert "file" in info.value.fields


def test_population_checks_name_the_field(make_user):
    admin = make_user("county_admin", "141129")
    region = Region.objects.get(code="141129")
    with pytest.raises(ValidationFailed) as info:
        services.region_update(
            actor=admin, region=region, populations={"registered_total": 10, "registered_60": 20}
        )
    assert "registered_60" in info.value.fields


def test_the_region_page_browses_down_and_shows_abolished_ones(client, make_user):
    admin = make_user("county_admin", "141129")
    client.force_login(admin)
    page = client.get("/regions/141129/").content.decode()
    assert "金罗镇" in page and "车鸣峪乡" in page and "已撤销" in page
    assert 'data-testid="breadcrumb"' in page and "吕梁市" in page
    assert client.get("/regions/141125/").status_code == 404
    found = client.get("/regions/141129/", {"q": "jlz"}).content.decode()
    assert "金罗镇" in found and "宁乡镇" not in found
    partial = client.get("/regions/141129/", {"q": "金罗"}, HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode()


def test_the_region_edit_page_saves_and_audits(client, make_user):
    from yanglao.core.models import AuditEvent

    admin = make_user("county_admin", "141129")
    client.force_login(admin)
    assert client.get("/regions/141129101/edit/").status_code == 200
    response = client.post(
        "/regions/141129101/edit/",
        {"population_year": 2024, "registered_total": 30000, "registered_60": 40000},
    )
    assert "60岁以上人口不能多于总人口" in response.content.decode()
    response = client.post(
        "/regions/141129101/edit/",
        {"population_year": 2024, "registered_total": 30000, "registered_60": 8000},
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="region.update", region_code="141129101").exists()


def test_the_import_page_takes_a_sheet(client, make_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    admin = make_user("county_admin", "141129")
    client.force_login(admin)
    upload = SimpleUploadedFile(
        "r.csv",
        "区划代码,名称,上级代码\n141129101305,丙村,141129101\n"
        "141129101306,丁村,141125100\n".encode(),
    )
    page = client.post("/regions/import/", {"file": upload}).content.decode()
    assert "新增 1 个" in page and "未导入 1 行" in page
    rejects = client.get("/regions/import/rejects.xlsx")
    assert rejects.status_code == 200 and rejects["Content-Type"].startswith("application/vnd")
