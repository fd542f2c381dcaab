"""Serve the demo: the web process and one Huey worker, on one machine."""

from __future__ import annotations

import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the demo web server with a background job worker."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")

    def handle(self, *args, host, port, **options):
        worker = subprocess.Popen(
            [sys.executable, "-m", "yanglao.cli", "run_huey", "--workers", "1"]
        )
        try:
            # --insecure: runserver serves the vendored static files with DEBUG off.
            call_command("runserver", f"{host}:{port}", use_reloader=False, insecure_serving=True)
        finally:
            worker.terminate()
            worker.wait(timeout=10)
