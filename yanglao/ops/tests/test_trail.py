"""The audit trail covers every capability: every export writes an access-log row, a
refused export (wrong role) writes a denied audit row, logins and failed logins are
audited, and the audit page searches, pages and exports. The lists of export pages are
found by walking the URLconf, so a new capability's export is checked without an entry
here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

from yanglao.accounts.roles import Role
from yanglao.core.models import AccessLog, AuditEvent

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HOME = {
    Role.CITY_ADMIN: "1411",
    Role.COUNTY_ADMIN: "141129",
    Role.TOWNSHIP_OFFICER: "141129101",
    Role.VILLAGE_OFFICER: "141129101201",
    Role.PARTY_OFFICER: "141129",
    Role.FACILITY_OPERATOR: "141129100",
    Role.VISITOR: "141129101201",
    Role.SYSTEM_ADMIN: "14",
    Role.SECURITY_ADMIN: "14",
    Role.AUDIT_ADMIN: "14",
}
SKIP_PREFIXES = ("api/", "s/", "p/", "i18n/", "accounts/login", "accounts/logout", "healthz")


def _pages(patterns=None, prefix: str = ""):
    """(path, view) of every page without arguments in the URLconf."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = str(entry.pattern)
        if route.startswith("^") or "<" in route or "(?P" in route:
            continue
        if isinstance(entry, URLResolver):
            yield from _pages(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            path = prefix + route
            if not path.startswith(SKIP_PREFIXES) and "." not in path.rsplit("/", 1)[-1]:
                yield "/" + path, entry.callback


def _allowed(view) -> frozenset[str] | None:
    """The roles of ``role_required`` (None: no such guard; empty: any signed-in user)."""
    for cell in getattr(view, "__closure__", None) or ():
        if isinstance(cell.cell_contents, frozenset):
            return cell.cell_contents
    return None


def _user(make_user, role: str):
    return make_user(role, HOME[role])


def test_every_module_that_writes_a_spreadsheet_logs_the_export():
    package = Path(settings.BASE_DIR) / "yanglao"
    # A module that sends a spreadsheet: builds one, or answers with its content type (a
    # mention in an OpenAPI description does not count).
    makes = re.compile(r"content_type=XLSX_MIME|build_xlsx\(|xlsx_response\(")
    logs = re.compile(r"log_access\(|xlsx_response\(")
    silent = []
    for path in package.rglob("*.py"):
        relative = path.relative_to(package).as_posix()
        if "/tests/" in relative or relative in ("core/exports.py",) or "migrations" in relative:
            continue
        text = path.read_text(encoding="utf-8")
        # a module that only builds the bytes for a view that logs is fine
        sends = "HttpResponse" in text or "FileResponse" in text
        if makes.search(text) and not logs.search(text) and sends:
            silent.append(relative)
    assert not silent, f"these modules send spreadsheets without an access-log row: {silent}"


def test_every_list_export_writes_an_access_log_and_a_refusal_is_audited(client, make_user):
    exported, refused = [], []
    client.raise_request_exception = False
    for path, view in sorted(set(_pages()), key=lambda p: p[0]):
        roles = _allowed(view)
        if roles is None:
            continue
        role = (
            next((r for r in HOME if r in roles), Role.COUNTY_ADMIN) if roles else Role.COUNTY_ADMIN
        )
        user = _user(make_user, role)
        client.force_login(user)
        before = AccessLog.objects.filter(actor=user, kind="export").count()
        response = client.get(path, {"export": "xlsx", "format": "xlsx"})
        if response.status_code != 200 or not response.get("Content-Type", "").startswith(XLSX):
            continue
        after = AccessLog.objects.filter(actor=user, kind="export").count()
        assert after == before + 1, f"{path}: an export without an access-log row"
        exported.append(path)
        others = [r for r in HOME if r not in roles] if roles else []
        if not others:
            continue
        stranger = _user(make_user, others[0])
        client.force_login(stranger)
        response = client.get(path, {"export": "xlsx", "format": "xlsx"})
        assert response.status_code == 403, f"{path}: {others[0]} got {response.status_code}"
        assert AuditEvent.objects.filter(
            actor=stranger, action="access.forbidden", outcome="denied", detail__path=path
        ).exists(), f"{path}: a refused export is not in the audit log"
        assert not AccessLog.objects.filter(actor=stranger, kind="export").exists()
        refused.append(path)
    # the lists this test knows to have exports (more may come: they are checked too)
    for known in ("/accounts/audit/", "/accounts/access-log/", "/elders/", "/privacy/"):
        assert known in exported, f"{known} did not export"
    assert len(exported) >= 20 and len(refused) >= 20


def test_login_and_failed_login_are_audited(client, make_user):
    from conftest import PASSWORD

    user = make_user("county_admin", "141129")
    client.post("/accounts/login/", {"username": user.username, "password": "wrong-Passw0rd!"})
    assert AuditEvent.objects.filter(action="login.failed", outcome="failed").exists()
    client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert AuditEvent.objects.filter(action="login", actor=user).exists()


def test_an_out_of_scope_read_is_audited_as_denied(client, make_user):
    from yanglao.privacy.tests.test_privacy import register

    county = make_user("county_admin", "141129")
    elder = register(county)
    stranger = make_user("county_admin", "141125")
    client.force_login(stranger)
    assert client.get(f"/elders/{elder.pk}/").status_code == 404
    assert AuditEvent.objects.filter(
        actor=stranger, action="access.out_of_scope", outcome="denied"
    ).exists()


@pytest.mark.parametrize(
    "query",
    [
        {"q": "alice"},
        {"q": "Elder"},
        {"action": "login"},
        {"outcome": "denied"},
        {"date_from": "2020-01-01", "date_to": "2099-12-31"},
        {"date_from": "not-a-date"},
        {"page": "2"},
    ],
)
def test_the_audit_page_searches_by_user_object_action_outcome_and_date(client, make_user, query):
    auditor = make_user("audit_admin", "14")
    make_user("county_admin", "141129", username="alice")
    client.force_login(auditor)
    response = client.get("/accounts/audit/", query)
    assert response.status_code == 200
    assert "审计日志" in response.content.decode()
