"""Settings come from the environment and fail loudly; production passes check --deploy."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def production_env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YANGLAO_", "DJANGO_"))}
    env.update(
        {
            "YANGLAO_ENV": "production",
            "YANGLAO_SECRET_KEY": base64.urlsafe_b64encode(os.urandom(48)).decode(),
            "YANGLAO_FIELD_KEYS": f"k1:{key()}",
            "YANGLAO_INDEX_KEY": key(),
            "YANGLAO_ALLOWED_HOSTS": "yanglao.example.gov.cn",
            "YANGLAO_VAR_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "yanglao.settings",
        }
    )
    return env


def run(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "yanglao.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_in_production_prints_no_warnings(tmp_path):
    result = run(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNING" not in output and "System check identified no issues" in output


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("YANGLAO_SECRET_KEY", "", "YANGLAO_SECRET_KEY must be set"),
        ("YANGLAO_INDEX_KEY", "short", "YANGLAO_INDEX_KEY must be 32 bytes"),
        ("YANGLAO_ENV", "staging", "YANGLAO_ENV must be development, production or test"),
        ("YANGLAO_IDLE_MINUTES", "soon", "YANGLAO_IDLE_MINUTES must be a whole number"),
        ("YANGLAO_DEBUG", "maybe", "YANGLAO_DEBUG must be true or false"),
    ],
)
def test_a_bad_setting_fails_loudly(tmp_path, name, value, message):
    env = production_env(tmp_path)
    env[name] = value
    result = run(env, "check")
    assert result.returncode != 0
    assert message in result.stderr


def test_the_embedded_default_needs_no_environment(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YANGLAO_", "DATABASE_URL"))}
    env["YANGLAO_VAR_DIR"] = str(tmp_path)
    result = run(env, "check")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "secret_key").exists() and (tmp_path / "field_keys").exists()
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"
