"""The supply-chain step of CI (`.ci/audit.py`, `make audit`) fails when it should
(issue 10, item 9): bandit on a HIGH finding, pip-audit on a known vulnerability."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def audit():
    spec = importlib.util.spec_from_file_location("ci_audit", ROOT / ".ci" / "audit.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bandit_fails_on_a_high_severity_finding(audit, tmp_path):
    code = tmp_path / "app"
    code.mkdir()
    (code / "ok.py").write_text("def add(a, b):\n    return a + b\n")
    assert audit.judge_bandit(audit.run_bandit([str(code)]))
    (code / "bad.py").write_text(
        "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"
    )
    report = audit.run_bandit([str(code)])
    assert [r["test_id"] for r in report["results"]] == ["B602"]
    assert not audit.judge_bandit(report)


def test_the_code_has_no_high_severity_finding(audit):
    report = audit.run_bandit(["yanglao", "deploy", "bench"])
    assert audit.judge_bandit(report), [
        (r["filename"], r["line_number"], r["test_id"]) for r in report.get("results", [])
    ]
    assert not any("/tests/" in r["filename"] for r in report.get("results", []))


def test_pip_audit_fails_on_a_known_vulnerability(audit, monkeypatch):
    clean = {"dependencies": [{"name": "django", "version": "5.2.19", "vulns": []}]}
    assert audit.judge_pip_audit(clean)
    found = {
        "dependencies": [
            {
                "name": "django",
                "version": "5.2.0",
                "vulns": [{"id": "PYSEC-2025-1", "fix_versions": ["5.2.2"]}],
            }
        ]
    }
    assert not audit.judge_pip_audit(found)
    assert not audit.judge_pip_audit({"error": "pip-audit: command not found"})


def test_pip_audit_unreachable_is_reported_and_can_be_required(audit, monkeypatch, capsys):
    unreachable = {
        "dependencies": [
            {
                "name": "django",
                "version": "5.2.19",
                "skip_reason": "Dependency not found on PyPI and could not be audited: "
                "django (5.2.19)",
            }
        ]
    }
    monkeypatch.delenv("YANGLAO_AUDIT_REQUIRED", raising=False)
    assert audit.judge_pip_audit(unreachable)
    assert "NOT AUDITED" in capsys.readouterr().out
    monkeypatch.setenv("YANGLAO_AUDIT_REQUIRED", "1")
    assert not audit.judge_pip_audit(unreachable)
