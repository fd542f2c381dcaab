"""A county officer opens an elder's file, prints the 明白卡 to PDF through Chromium, and
the PDF's text says what the card must: the elder's name, the groups they belong to and
their paired visitor with the phone number, on one A4 page, without the ID number."""

from __future__ import annotations

import unicodedata
from io import BytesIO

from pypdf import PdfReader

from tests.browser.conftest import login

VILLAGE_TOWN = "141129101"  # 金罗镇, 中阳县

# Chromium embeds Noto CJK, whose glyphs for some characters are shared with radicals;
# the PDF's text map then names the radical. NFKC folds the Kangxi radicals back; these
# simplified radicals have no decomposition, so they are folded here.
RADICALS = dict(
    zip(
        "⺰⻅⻆⻈⻉⻋⻐⻓⻔⻙⻚⻛⻜⻠⻢⻥⻦⻧⻨⻩⻪⻬⻮⻰⻳",
        "纟见角讠贝车钅长门韦页风飞饣马鱼鸟卤麦黄黾齐齿龙龟",
        strict=True,
    )
)


def pdf_text(data: bytes) -> tuple[int, str]:
    reader = PdfReader(BytesIO(data))
    text = "".join(page.extract_text() for page in reader.pages)
    text = unicodedata.normalize("NFKC", text)
    return len(reader.pages), "".join(RADICALS.get(c, c) for c in text)


def a_card_with_groups_and_a_visitor(page) -> dict:
    """The card data (API) of an elder of 金罗镇 on a weekly visit list with a visitor."""
    listing = page.request.get(
        f"/api/v1/elders?region={VILLAGE_TOWN}&group=weekly_visit&page_size=50"
    ).json()
    for item in listing["items"]:
        card = page.request.get(f"/api/v1/reports/cards/{item['id']}").json()
        if card["groups"] and card["visitors"] and card["visitors"][0]["phone"]:
            return card
    raise AssertionError("the demo has no elder of 金罗镇 with groups and a paired visitor")


def test_an_officer_prints_a_card_and_the_pdf_says_what_it_must(page):
    login(page, "zy_county")
    card = a_card_with_groups_and_a_visitor(page)
    page.goto(f"/elders/{card['elder_id']}/")
    page.get_by_role("link", name="明白卡", exact=True).click()
    page.wait_for_url(f"**/reports/card/{card['elder_id']}/")
    shown = page.get_by_test_id("card")
    assert card["name"] in shown.inner_text()

    pages, text = pdf_text(page.pdf(format="A4", print_background=True))

    assert pages == 1
    assert "明白卡" in text and "长辈版" in text
    assert card["name"] in text
    for group in card["groups"]:
        assert group in text, group
    visitor = card["visitors"][0]
    assert visitor["name"] in text and visitor["phone"] in text
    assert card["hotline"]["phone"] in text
    assert "依据" in text  # every entitlement names its source
    assert "身份证" not in text
    assert "导出 Excel" not in text and "工作台" not in text  # the page's chrome is not printed


def test_a_village_prints_one_page_per_elder(page):
    login(page, "zy_village")
    page.goto("/workbench/")
    page.get_by_role("link", name="打印本村明白卡").click()
    cards = page.get_by_test_id("card")
    count = cards.count()
    assert count >= 1
    pages, text = pdf_text(page.pdf(format="A4", print_background=True))
    assert pages == count
    assert text.count("明白卡") >= count
