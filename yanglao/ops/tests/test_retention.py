"""Audit retention: nothing younger than audit.retention (180 days) goes, processing records
stay three years (privacy.processing_records), and only when asked with --yes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from yanglao.core import audit
from yanglao.core.models import AccessKind, AccessLog, AuditEvent
from yanglao.policy.loader import PACK_DIR, parse_pack

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 6, 15, 10, 0, tzinfo=SHANGHAI)


def _at(days_ago: int):
    return time_machine.travel(NOW - dt.timedelta(days=days_ago), tick=False)


def _rows(user) -> dict[str, int]:
    """One login, one write and one export at each age; returns their ids by name."""
    made = {}
    for days in (30, 200, 800, 1200):
        with _at(days):
            made[f"login{days}"] = audit.record(actor=user, action="login").pk
            made[f"denied{days}"] = audit.record(
                actor=user, action="access.forbidden", outcome="denied"
            ).pk
            made[f"write{days}"] = audit.record(actor=user, action="elder.update").pk
            made[f"export{days}"] = audit.log_access(actor=user, kind=AccessKind.EXPORT).pk
    return made


def _left(made: dict[str, int]) -> set[str]:
    events = set(AuditEvent.objects.values_list("pk", flat=True))
    access = set(AccessLog.objects.values_list("pk", flat=True))
    return {
        name
        for name, pk in made.items()
        if (pk in access if name.startswith("export") else pk in events)
    }


@pytest.fixture
def made(county):
    return _rows(county)


def test_the_shipped_rules_keep_logs_six_months_and_processing_records_three_years(db):
    rules = {r["rule_id"]: r for r in parse_pack(PACK_DIR / "trust.toml")[1]}
    assert rules["audit.retention"]["params"]["min_days"] >= 180
    assert "网络安全法" in rules["audit.retention"]["note"]
    assert rules["privacy.processing_records"]["params"]["min_days"] >= 1095
    assert "第五十六条" in rules["privacy.processing_records"]["note"]


def test_a_purge_younger_than_the_retention_is_refused_and_deletes_nothing(made):
    with time_machine.travel(NOW, tick=False), pytest.raises(CommandError, match="180"):
        call_command("purge_audit", before="2026-01-01", yes=True)
    assert _left(made) == set(made)


def test_without_yes_nothing_is_deleted(made):
    with time_machine.travel(NOW, tick=False):
        call_command("purge_audit", before="2025-12-01")
    assert _left(made) == set(made)


def test_security_rows_go_after_180_days_processing_records_only_after_three_years(made, tmp_path):
    archive = tmp_path / "audit-2025.archive"
    with time_machine.travel(NOW, tick=False):
        call_command("purge_audit", before="2025-12-01", archive=str(archive), yes=True)
    assert _left(made) == {
        "login30",
        "denied30",
        "write30",
        "export30",
        # younger than three years: processing records stay although older than the date
        "write200",
        "export200",
        "write800",
        "export800",
    }
    purge = AuditEvent.objects.get(action="audit.purge")
    assert purge.detail["deleted"] == {"security": 6, "processing": 1, "access": 1}
    rows = call_archive(archive)
    assert {(r["table"], r["action"] if "action" in r else r["kind"]) for r in rows} == {
        ("core_auditevent", "login"),
        ("core_auditevent", "access.forbidden"),
        ("core_auditevent", "elder.update"),
        ("core_accesslog", "export"),
    }
    assert len(rows) == 8
    assert b"elder.update" not in archive.read_bytes()


def call_archive(path):
    from yanglao.ops import retention

    return retention.read_archive(path)


def test_the_archive_is_printed_by_read_archive(made, tmp_path, capsys):
    archive = tmp_path / "a.archive"
    with time_machine.travel(NOW, tick=False):
        call_command("purge_audit", before="2023-06-01", archive=str(archive), yes=True)
    call_command("purge_audit", read_archive=str(archive))
    out = capsys.readouterr().out
    assert out.count("\n") >= 4 and '"action": "login"' in out


def test_a_longer_local_rule_anywhere_keeps_more(made, county):
    from yanglao.policy import services

    services.rule_override(
        actor=county,
        rule_id="audit.retention",
        region_code="141129",
        params={"min_days": 1000},
        valid_from=dt.date(2020, 1, 1),
        source_doc="本县规定",
        note="安全日志留存1000天",
    )
    with time_machine.travel(NOW, tick=False), pytest.raises(CommandError, match="1000"):
        call_command("purge_audit", before="2025-12-01", yes=True)
    assert _left(made) == set(made)


def test_a_rule_below_the_legal_floor_is_refused():
    from yanglao.policy import validators

    with pytest.raises(ValueError, match="180"):
        validators.check("audit.retention", {"min_days": 90}, "params")
    with pytest.raises(ValueError, match="1095"):
        validators.check("privacy.processing_records", {"min_days": 365}, "params")


def test_a_bad_date_is_a_clear_error(db):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("purge_audit", before="2025/12/01", yes=True)
