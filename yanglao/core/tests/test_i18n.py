"""The English catalog: compiled, complete, and used by the language switch.

msgids are Simplified Chinese (LANGUAGE_CODE = zh-hans). After changing strings, run
makemessages, translate, then `yanglao compile_catalogs` (see docs/developer.md).
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from yanglao.core.management.commands.compile_catalogs import (
    compiled_catalog,
    expected_catalog,
    mo_path,
    po_files,
    read_po,
)

PO_FILES = po_files()
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]")


def test_every_offered_language_but_the_source_one_has_a_catalog():
    langs = {p.parent.parent.name for p in PO_FILES}
    offered = {code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE}
    assert offered <= langs


@pytest.mark.parametrize("po_path", PO_FILES, ids=lambda p: p.parent.parent.name)
def test_committed_mo_matches_the_po(po_path):
    mo = mo_path(po_path)
    assert mo.exists(), f"{mo} missing: run `yanglao compile_catalogs`"
    assert compiled_catalog(mo) == expected_catalog(read_po(po_path)), (
        f"{mo} is stale: run `yanglao compile_catalogs`"
    )


@pytest.mark.parametrize("po_path", PO_FILES, ids=lambda p: p.parent.parent.name)
def test_every_entry_is_translated(po_path):
    po = read_po(po_path)
    assert not po.metadata_is_fuzzy, "remove '#, fuzzy' from the header"
    live = [e for e in po if not e.obsolete]
    assert live
    fuzzy = [e.msgid for e in live if "fuzzy" in e.flags]
    untranslated = [e.msgid for e in live if not e.translated() and "fuzzy" not in e.flags]
    assert not fuzzy, f"fuzzy entries: {fuzzy}"
    assert not untranslated, f"untranslated entries: {untranslated}"


@pytest.mark.parametrize("po_path", PO_FILES, ids=lambda p: p.parent.parent.name)
def test_translations_keep_the_placeholders(po_path):
    for e in read_po(po_path):
        if e.obsolete or e.msgid_plural:
            continue
        assert sorted(PLACEHOLDER.findall(e.msgstr)) == sorted(PLACEHOLDER.findall(e.msgid)), (
            e.msgid
        )


def test_login_page_is_chinese_by_default(db):
    html = Client().get("/accounts/login/").content.decode()
    assert "登录" in html
    assert 'lang="zh-hans"' in html


def test_login_page_in_english_by_cookie(db):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/accounts/login/").content.decode()
    assert 'lang="en"' in html
    assert "Log in" in html
    assert "Password" in html
    assert "登录" not in html


def test_set_language_view_switches_to_english(db):
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get("/accounts/login/").content.decode()
    assert "Log in" in html
    assert "登录" not in html
