"""make bench: every benchmark, each against a baseline measured in the same run.

Each benchmark runs in its own process with a fresh SQLite database under a temporary
directory (or DATABASE_URL when set), so the numbers do not depend on the dev database.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

BENCHMARKS = [
    "bench.regions_import",
    "bench.elders_import",
    "bench.elders_list",
    "bench.visits",
    "bench.timebank",
    "bench.dashboard",
]


def main() -> int:
    selected = sys.argv[1:] or BENCHMARKS
    failed = 0
    for module in selected:
        with tempfile.TemporaryDirectory() as var_dir:
            env = {
                **os.environ,
                "YANGLAO_VAR_DIR": var_dir,
                "YANGLAO_ENV": "development",
                "DJANGO_SETTINGS_MODULE": "yanglao.settings",
            }
            print(f"== {module} ==", flush=True)
            result = subprocess.run(
                [sys.executable, "-m", module], env=env, cwd=Path(__file__).resolve().parent.parent
            )
            failed += result.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
