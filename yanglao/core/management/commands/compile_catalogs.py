"""Compile the translation catalogs (django.po -> django.mo) with polib.

Django's own ``compilemessages`` needs GNU gettext's ``msgfmt``; this does not, so
anyone with the venv can rebuild the catalogs. Both files are kept in the repo, and
``yanglao/core/tests/test_i18n.py`` fails when a .mo no longer matches its .po.
"""

from __future__ import annotations

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def po_files() -> list[Path]:
    """Every ``<locale dir>/<lang>/LC_MESSAGES/django.po`` of the project."""
    found: list[Path] = []
    for locale_dir in settings.LOCALE_PATHS:
        found.extend(sorted(Path(locale_dir).glob("*/LC_MESSAGES/django.po")))
    return found


def mo_path(po_path: Path) -> Path:
    return po_path.with_suffix(".mo")


def read_po(po_path: Path) -> polib.POFile:
    return polib.pofile(str(po_path), encoding="utf-8")


def catalog(entries) -> dict[tuple[str | None, str], str]:
    """(msgctxt, msgid) -> msgstr for the entries that end up in a .mo.

    Plural entries map to their msgstr_plural values joined by NUL, as in a .mo.
    """
    out: dict[tuple[str | None, str], str] = {}
    for e in entries:
        if e.msgid_plural:
            forms = [e.msgstr_plural[k] for k in sorted(e.msgstr_plural)]
            out[(e.msgctxt, e.msgid + "\0" + e.msgid_plural)] = "\0".join(forms)
        else:
            out[(e.msgctxt, e.msgid)] = e.msgstr
    return out


def expected_catalog(po: polib.POFile) -> dict[tuple[str | None, str], str]:
    """What a .mo compiled from ``po`` holds: translated, non-fuzzy, non-obsolete entries."""
    return catalog(po.translated_entries())


def compiled_catalog(mo_file: Path) -> dict[tuple[str | None, str], str]:
    mo = polib.mofile(str(mo_file), encoding="utf-8")
    # polib lists the header (msgid "") as metadata, not as an entry; so does expected_catalog.
    return catalog(mo)


def compile_po(po_path: Path) -> Path:
    target = mo_path(po_path)
    read_po(po_path).save_as_mofile(str(target))
    return target


class Command(BaseCommand):
    help = (
        "Compile every locale/*/LC_MESSAGES/django.po to django.mo with polib (no msgfmt needed)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Write nothing; exit non-zero if a .mo is missing or differs from its .po.",
        )

    def handle(self, *args, check: bool, **options):
        paths = po_files()
        if not paths:
            raise CommandError(f"No django.po under {list(settings.LOCALE_PATHS)}")
        stale = []
        for po_path in paths:
            po = read_po(po_path)
            total = len([e for e in po if not e.obsolete])
            done = len(po.translated_entries())
            if check:
                target = mo_path(po_path)
                if not target.exists() or compiled_catalog(target) != expected_catalog(po):
                    stale.append(target)
                continue
            target = compile_po(po_path)
            self.stdout.write(f"{target}: {done}/{total} translated")
        if stale:
            raise CommandError(
                "Stale catalogs (run `yanglao compile_catalogs`): " + ", ".join(map(str, stale))
            )
        if check:
            self.stdout.write("Catalogs up to date.")
