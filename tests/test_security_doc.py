"""docs/security.md stays true (issue 10): every file it cites exists and every test it
names is defined, so a renamed test or a moved module fails here, not in an audit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["docs/security.md", "docs/deploy.md"]
PREFIXES = ("yanglao/", "tests/", "deploy/", "docs/", ".ci/")
SHORT = ("core/", "accounts/", "elders/", "people/", "ops/", "policy/", "interop/")


def _defined_tests() -> set[str]:
    names: set[str] = set()
    for folder in ("yanglao", "tests"):
        for path in (ROOT / folder).rglob("test_*.py"):
            names.update(re.findall(r"^def (test_\w+)", path.read_text(), re.M))
    return names


def _cited_paths(text: str) -> set[str]:
    paths = set()
    for token in re.findall(r"`([^`\n]+)`", text):
        for part in re.split(r"[（）()、，,\s]+", token):
            part = part.split("::")[0].rstrip("。")
            if part.startswith(PREFIXES + SHORT) and not part.startswith("/"):
                paths.add(part)
    return paths


@pytest.mark.parametrize("page", PAGES)
def test_every_file_the_page_cites_exists(page):
    text = (ROOT / page).read_text()
    missing = []
    for part in sorted(_cited_paths(text)):
        candidates = [ROOT / part, ROOT / "yanglao" / part]
        if "*" in part:
            found = any(list(ROOT.glob(part)) or list((ROOT / "yanglao").glob(part)))
        else:
            found = any(c.exists() for c in candidates)
        if not found:
            missing.append(part)
    assert not missing, f"{page} cites files that do not exist: {missing}"


@pytest.mark.parametrize("page", PAGES)
def test_every_test_the_page_names_is_defined(page):
    named = set(re.findall(r"\b(test_[a-z0-9_]+)\b(?!\.py)", (ROOT / page).read_text()))
    missing = sorted(named - _defined_tests())
    assert not missing, f"{page} names tests that do not exist: {missing}"


def test_the_security_page_covers_every_level_3_item_and_is_linked():
    text = (ROOT / "docs/security.md").read_text()
    for item in (
        "身份鉴别",
        "访问控制",
        "安全审计",
        "入侵防范",
        "恶意代码防范",
        "数据完整性",
        "数据保密性",
        "数据备份恢复",
        "剩余信息保护",
        "个人信息保护",
        "OWASP ASVS",
    ):
        assert item in text, item
    for duty in ("告知", "最小必要", "敏感个人信息", "删除权", "保存期限", "影响评估"):
        assert duty in text, duty
    index = (ROOT / "docs/user-guide/README.md").read_text() + (ROOT / "README.md").read_text()
    assert "security.md" in index and "deploy.md" in index
