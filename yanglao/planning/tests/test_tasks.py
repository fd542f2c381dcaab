"""The task table: Zhongyang Attachment 3 as printed, the totals check, progress counted
from facilities, .xlsx import and export."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook

from yanglao.demo.planning import ATTACHMENT_3, load_attachment_3
from yanglao.facilities.models import Facility
from yanglao.planning import selectors, services, sheets, tasks
from yanglao.planning.models import TaskRow

COLUMNS = tasks.zhongyang_columns()


def rows(table):
    return [
        tasks.Row(
            label, label == "合计", dict(zip([c["key"] for c in COLUMNS], values, strict=True))
        )
        for label, values in table
    ]


# (row, column, printed, parts) of every printed total that does not add up in
# Attachment 3 as printed. Everything else adds up: 76 = 23 + 53 in the totals row.
EXPECTED = {
    ("枝柯镇", "villages_to_build", 6, 5),
    ("合计", "2022.day_care_center", 5, 4),
}


def test_attachment_3_has_the_totals_the_seed_prints():
    total = dict(ATTACHMENT_3)["合计"]
    assert total[:3] == [76, 23, 53]


def test_the_totals_check_of_attachment_3_finds_exactly_the_printed_mismatches():
    found = {
        (m.row, m.column, m.printed, m.computed) for m in tasks.check(COLUMNS, rows(ATTACHMENT_3))
    }
    assert found == EXPECTED


@pytest.mark.parametrize(
    ("label", "values", "expected"),
    [
        # total, built, to build, then the year tasks
        ("甲镇", [3, 2, 1, 0, 1, 0, 0, 0, 0, 0], set()),
        ("甲镇", [4, 2, 1, 0, 1, 0, 0, 0, 0, 0], {("甲镇", "villages_total", 4, 3)}),
        ("甲镇", [3, 2, 1, 1, 1, 0, 0, 0, 0, 0], {("甲镇", "villages_to_build", 1, 2)}),
        # resettlement-site centres are not village tasks
        ("甲镇", [3, 2, 1, 0, 1, 5, 0, 0, 0, 0], set()),
    ],
)
def test_row_totals_are_checked_against_their_parts(label, values, expected):
    found = {
        (m.row, m.column, m.printed, m.computed)
        for m in tasks.check(COLUMNS, rows([(label, values)]))
    }
    assert found == expected


def test_a_totals_row_is_checked_column_by_column():
    table = [
        ("甲镇", [3, 2, 1, 0, 1, 0, 0, 0, 0, 0]),
        ("乙镇", [2, 1, 1, 1, 0, 0, 0, 0, 0, 0]),
        ("合计", [5, 3, 2, 1, 2, 0, 0, 0, 0, 0]),
    ]
    found = {(m.row, m.column, m.printed, m.computed) for m in tasks.check(COLUMNS, rows(table))}
    assert found == {
        ("合计", "2020.happiness_courtyard", 2, 1),
        ("合计", "villages_to_build", 2, 3),
    }


@pytest.fixture
def county(make_user):
    return make_user("county_admin", "141129")


def test_attachment_3_loads_as_printed_and_twice_changes_nothing(county):
    table = load_attachment_3(county)
    assert [r.label for r in table.rows.order_by("position")] == [
        label for label, _v in ATTACHMENT_3
    ]
    total = table.rows.get(is_total=True)
    assert [total.values[c["key"]] for c in table.columns] == dict(ATTACHMENT_3)["合计"]
    assert table.rows.get(label="车鸣峪乡").township_id == "141129202"
    again = load_attachment_3(county)
    assert again.pk == table.pk and TaskRow.objects.filter(table=table).count() == 8


def _facility(name, type_, region, opened, status="operating"):
    from yanglao.regions.models import Region

    r = Region.objects.get(code=region)
    return Facility.objects.create(
        name=name,
        type=type_,
        region=r,
        region_path=r.path,
        ownership="public",
        status=status,
        opened_on=opened,
    )


def test_progress_counts_facilities_built_in_each_township(county):
    table = load_attachment_3(county)
    village = "141129101201"  # 金罗镇
    _facility("金罗一号日照中心", "day_care_center", village, dt.date(2020, 6, 1))
    _facility("金罗二号日照中心", "day_care_center", village, dt.date(2021, 6, 1))
    _facility("金罗安置点日照中心", "day_care_center", village, dt.date(2020, 9, 1))
    _facility(
        "金罗在建日照中心", "day_care_center", village, dt.date(2020, 9, 1), status="building"
    )
    _facility("金罗旧日照中心", "day_care_center", village, dt.date(2015, 1, 1))
    view = selectors.table_view(county, table, dt.date(2023, 1, 1))
    jinluo = next(v for v in view.rows if v.row.label == "金罗镇")
    cells = {c.key: c for c in jinluo.cells}
    assert cells["2020.day_care_center"].built == 1
    assert cells["2021.day_care_center"].built == 2
    assert cells["2021.day_care_center"].planned_through == 1
    assert cells["2020.resettlement.day_care_center"].built == 1
    total = {c.key: c for c in next(v for v in view.rows if v.row.is_total).cells}
    assert total["2022.day_care_center"].mismatch is not None
    assert total["2021.day_care_center"].built == 2


def test_a_township_officer_sees_only_their_row(county, make_user):
    table = load_attachment_3(county)
    officer = make_user("township_officer", "141129101")
    view = selectors.table_view(
        officer, selectors.table_get(officer, table.pk), dt.date(2023, 1, 1)
    )
    assert [v.row.label for v in view.rows] == ["金罗镇"] and view.mismatches == []


def test_a_sibling_county_cannot_see_the_table(county, make_user):
    from yanglao.core.errors import NotFound

    table = load_attachment_3(county)
    with pytest.raises(NotFound):
        selectors.table_get(make_user("county_admin", "141125"), table.pk)


def _xlsx(rows_):
    wb = Workbook()
    ws = wb.active
    for row in rows_:
        ws.append(row)
    buffer = BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    return buffer


def test_export_then_import_of_the_same_file_changes_nothing(county):
    table = load_attachment_3(county)
    view = selectors.table_view(county, table, dt.date(2023, 1, 1))
    content = sheets.export(table, [v.row for v in view.rows], view.mismatches)
    book = load_workbook(BytesIO(content))
    assert book.worksheets[0]["A9"].value == "合计" and book.worksheets[0]["B9"].value == 76
    assert book.worksheets[1].max_row == 3  # header and two mismatches
    result = sheets.import_file(
        actor=county, table=table, handle=BytesIO(content), filename="t.xlsx"
    )
    assert (result.created, result.updated, result.unchanged, result.rejected) == (0, 0, 8, [])


def test_an_import_validates_every_row_and_returns_the_rejected(county):
    table = services.table_create(
        actor=county, region_code="141129", title="测试任务表", year_from=2023, year_to=2023
    )
    head = sheets.headers(table)
    upload = _xlsx(
        [
            head,
            ["金罗镇", 21, 10, 11, 1, 2],
            ["不存在镇", 1, 1, 0, 0, 0],
            ["暖泉镇", 15, "x", 12, -1, 0],
            ["合计", 21, 10, 11, 1, 2],
        ]
    )
    result = sheets.import_file(actor=county, table=table, handle=upload, filename="t.xlsx")
    assert (result.created, len(result.rejected)) == (2, 2)
    assert "不存在镇" in result.rejected[0][1]
    assert "已建成数量" in result.rejected[1][1]
    book = load_workbook(BytesIO(sheets.rejected_file(table, result)))
    assert book.worksheets[0].max_row == 3
    upload.seek(0)
    again = sheets.import_file(actor=county, table=table, handle=upload, filename="t.xlsx")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_an_import_without_the_columns_is_refused(county):
    from yanglao.core.errors import ValidationFailed

    table = load_attachment_3(county)
    with pytest.raises(ValidationFailed) as info:
        sheets.import_file(
            actor=county, table=table, handle=_xlsx([["乡镇", "x"]]), filename="t.xlsx"
        )
    assert "file" in info.value.fields


def test_the_demo_loads_attachment_3_and_the_applications_once(make_user):
    from yanglao.demo.planning import load_demo
    from yanglao.planning.models import ProjectApplication, TaskTable

    make_user("county_admin", "141129", username="zy_county")
    assert load_demo() == 5
    assert load_demo() == 1
    assert TaskTable.objects.count() == 1 and ProjectApplication.objects.count() == 4
