"""Pages: the batches with their unmatched rows, residents, the roster upload, the
export page, the cards on the facility page and the elder file, the workbench."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from yanglao.interop import services
from yanglao.interop.models import FeedBatch, Residency

from .conftest import new_id


def _feed(operator, home, number, unknown):
    return services.feed_residents(
        actor=operator,
        facility=home,
        residents=[
            {"id_number": number, "name": "张桂兰", "bed": "3", "room": "101"},
            {"id_number": unknown, "name": "赵大山", "bed": "4"},
        ],
    )


def test_the_batch_pages_show_the_unmatched_rows(client, operator, officer, home, elder_at):
    _zhang, number = elder_at()
    unknown = new_id()
    batch = _feed(operator, home, number, unknown)
    for user in (operator, officer):
        client.force_login(user)
        page = client.get("/interop/?unmatched=1").content.decode()
        assert "宁乡镇敬老院" in page and f"/interop/batches/{batch.pk}/" in page
        detail = client.get(f"/interop/batches/{batch.pk}/")
        assert detail.status_code == 200
        text = detail.content.decode()
        assert "赵大山" in text and "平台无此人档案" in text and unknown not in text
    filtered = client.get(f"/interop/batches/{batch.pk}/?reason=duplicate").content.decode()
    assert "赵大山" not in filtered
    export = client.get(f"/interop/batches/{batch.pk}/?export=xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd")
    assert client.get("/interop/?export=xlsx").status_code == 200


def test_the_residents_page_and_the_cards(client, operator, officer, home, elder_at):
    zhang, number = elder_at()
    _feed(operator, home, number, new_id())
    client.force_login(officer)
    page = client.get(f"/interop/facilities/{home.pk}/residents/").content.decode()
    assert "张桂兰" in page and "101 / 3" in page
    assert client.get(f"/interop/facilities/{home.pk}/residents/?q=zgl").status_code == 200
    facility_page = client.get(f"/facilities/{home.pk}/").content.decode()
    assert "在住老人 1 人" in facility_page and "1 行未匹配" in facility_page
    elder_page = client.get(f"/elders/{zhang.pk}/").content.decode()
    assert "宁乡镇敬老院" in elder_page and "入住机构与数据交换" in elder_page


def test_a_roster_sheet_goes_through_the_same_feed(client, operator, home, elder_at):
    _zhang, number = elder_at()
    client.force_login(operator)
    assert "上传在住老人名单" in client.get(f"/interop/facilities/{home.pk}/feed/").content.decode()
    sheet = f"身份证号,姓名,床位号,房间号,入住日期\n{number},张桂兰,2,201,2024/3/8\n".encode()
    response = client.post(
        f"/interop/facilities/{home.pk}/feed/",
        {
            "which": "roster",
            "roster-file": SimpleUploadedFile("roster.csv", sheet, content_type="text/csv"),
        },
    )
    batch = FeedBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/interop/batches/{batch.pk}/"
    assert batch.source == "sheet" and batch.matched == 1
    assert str(Residency.objects.get().since) == "2024-03-08"
    bad = f"身份证号,姓名,入住日期\n{number},张桂兰,明天\n".encode()
    refused = client.post(
        f"/interop/facilities/{home.pk}/feed/",
        {
            "which": "roster",
            "roster-file": SimpleUploadedFile("r.csv", bad, content_type="text/csv"),
        },
    )
    assert refused.status_code == 422
    assert "表格第 2 行（入住日期）" in refused.content.decode()
    assert FeedBatch.objects.count() == 1


def test_beds_typed_on_the_page(client, operator, home):
    client.force_login(operator)
    response = client.post(
        f"/interop/facilities/{home.pk}/feed/",
        {"which": "beds", "beds-total": "66", "beds-occupied": "70"},
    )
    assert response.status_code == 422 and "在住人数不能多于床位总数" in response.content.decode()
    response = client.post(
        f"/interop/facilities/{home.pk}/feed/",
        {"which": "beds", "beds-total": "66", "beds-occupied": "50"},
    )
    assert response.status_code == 302
    home.refresh_from_db()
    assert (home.beds, home.residents) == (66, 50)


def test_the_feed_page_is_closed_to_others(client, make_user, home):
    other = make_user("facility_operator", "141129100")
    client.force_login(other)
    assert client.get(f"/interop/facilities/{home.pk}/feed/").status_code == 404
    party = make_user("party_officer", "141129")
    client.force_login(party)
    assert client.get(f"/interop/facilities/{home.pk}/feed/").status_code == 403
    visitor = make_user("visitor", "141129101201")
    client.force_login(visitor)
    assert client.get("/interop/").status_code == 403


def test_the_export_page_downloads_with_code_tables(client, officer, make_user):
    client.force_login(officer)
    page = client.get("/interop/exports/").content.decode()
    assert "代码表" in page and "GB/T 2261.1" in page and "living_situation_code" in page
    download = client.get("/interop/exports/?kind=facilities&region=141129&format=xlsx&download=1")
    assert download.status_code == 200 and download["Content-Type"].startswith("application/vnd")
    json_file = client.get("/interop/exports/?kind=elders&format=json&download=1")
    assert json_file.status_code == 200 and json_file.json()["kind"] == "elders"
    outside = client.get("/interop/exports/?kind=elders&region=141125&format=xlsx&download=1")
    assert outside.status_code == 404 and "不在您的管辖范围内" in outside.content.decode()
    operator = make_user("facility_operator", "141129100")
    client.force_login(operator)
    assert client.get("/interop/exports/").status_code == 403


def test_the_workbench_panel_counts_unmatched_rows(make_user, operator, home, elder_at):
    from yanglao.interop.workbench import feed_panel

    assert feed_panel(operator) is None
    _zhang, number = elder_at()
    _feed(operator, home, number, new_id())
    panel = feed_panel(operator)
    assert panel.title == "机构系统报送"
    assert [(i.label, i.value) for i in panel.items][:2] == [
        ("未匹配的在住老人（近 30 天）", 1),
        ("有未匹配行的批次", 1),
    ]
    assert feed_panel(make_user("facility_operator", "141129100")) is None
