"""A throwaway demo server for browser tests and screenshots: its own SQLite file under a
temporary directory, migrated and loaded with the demo, served on a free local port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(var_dir: Path) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("YANGLAO_", "DJANGO_")) and k not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update(
        {
            "YANGLAO_VAR_DIR": str(var_dir),
            "YANGLAO_ENV": "development",
            "YANGLAO_HUEY_IMMEDIATE": "true",
            "DJANGO_SETTINGS_MODULE": "yanglao.settings",
        }
    )
    return env


@contextmanager
def demo_server(var_dir: Path):
    """Yield the base URL of a demo server; stop it afterwards."""
    env = _env(var_dir)
    cli = [sys.executable, "-m", "yanglao.cli"]
    for command in (["migrate", "--noinput", "-v", "0"], ["load_demo"]):
        subprocess.run(cli + command, env=env, check=True, capture_output=True, timeout=600)
    port = free_port()
    log = open(var_dir / "server.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [*cli, "runserver", f"127.0.0.1:{port}", "--noreload", "--insecure"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)  # noqa: S310 - local
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("demo server did not start: " + (var_dir / "server.log").read_text())
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def launch_browser(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
