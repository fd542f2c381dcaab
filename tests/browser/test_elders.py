"""The registry in headless Chromium: import a small file through the page, read the
rejected rows report, find an imported elder by pinyin initials and open the file."""

from __future__ import annotations

import datetime as dt

from python_calamine import CalamineWorkbook

from tests.browser.conftest import login
from yanglao.elders.importer import REASON_HEADER, TEMPLATE_HEADERS, write_xlsx
from yanglao.people.idnumbers import make_id_number

VILLAGE = "141129101201"  # a village of 金罗镇, 中阳县 (demo data)


def _row(name: str, id_number: str, region: str = VILLAGE, living: str = "1") -> list[str]:
    return [
        name,
        id_number,
        "13812340000",
        "金罗镇3组7号",
        region,
        "户籍且常住",
        living,
        "否",
        "是",
        "否",
        "否",
        "低保",
        "否",
        "否",
        "否",
        "",
        "",
    ]


def test_an_officer_imports_a_file_reads_the_rejects_and_finds_the_elder(page, tmp_path):
    rare = "诸葛秋菊"  # pinyin initials zgqj: no generated demo name has them
    good = make_id_number("141129", dt.date(1931, 1, 11), 997)
    other = make_id_number("141129", dt.date(1933, 3, 13), 995)
    path = tmp_path / "中阳县老人.xlsx"
    write_xlsx(
        path,
        TEMPLATE_HEADERS,
        [
            _row(rare, good),
            _row("上官秀英", other, living="8"),
            _row("", make_id_number("141129", dt.date(1990, 1, 1), 1)),  # no name, under 60
        ],
    )

    login(page, "zy_county")
    page.goto("/elders/import/")
    assert page.get_by_role("heading", name="导入老年人档案").is_visible()
    page.locator("input[type=file]").set_input_files(str(path))
    page.get_by_role("button", name="上传并导入").click()
    page.wait_for_url("**/elders/import/*/")
    progress = page.get_by_test_id("import-progress")
    progress.locator("[data-testid=import-counts]").wait_for()
    assert page.get_by_test_id("import-status").inner_text() == "已完成"
    assert "1 行未导入" in page.get_by_test_id("import-rejected").inner_text()

    with page.expect_download() as download:
        page.get_by_test_id("rejects-link").click()
    rows = CalamineWorkbook.from_path(download.value.path()).get_sheet_by_index(0).to_python()
    assert rows[0] == [*TEMPLATE_HEADERS, REASON_HEADER]
    assert len(rows) == 2 and "姓名不能为空" in rows[1][-1] and "未满 60 周岁" in rows[1][-1]

    page.goto("/elders/?q=zgqj")
    listing = page.get_by_test_id("elder-list")
    assert rare in listing.inner_text()
    assert good[:6] + "********" + good[-4:] in listing.inner_text()  # masked on the list
    listing.get_by_role("link", name=rare).click()
    page.wait_for_url("**/elders/*/")
    assert rare in page.content()
