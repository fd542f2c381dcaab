"""yanglao restore FILE: check a backup and bring the database back to it."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from yanglao.core import audit
from yanglao.ops.backup import BackupError, check_backup, restore_backup


class Command(BaseCommand):
    help = (
        "Verify a backup made by `yanglao backup` (checksums, key, every chunk) and, with "
        "--yes, replace every table's rows with it in one transaction. The database must be "
        "migrated to the same version first. On PostgreSQL run it as the tables' owner."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the backup file")
        parser.add_argument(
            "--yes", action="store_true", help="really replace the data (otherwise only check)"
        )
        parser.add_argument("--database", default="default", help="database alias")

    def handle(self, *args, file: str, yes: bool, database: str, **options):
        path = Path(file)
        try:
            if not yes:
                header = check_backup(path)
                rows = sum(header.get("tables", {}).values())
                self.stdout.write(
                    f"备份文件完好：{header['engine']}，{len(header.get('tables', {}))} 张表，"
                    f"{rows} 行，生成于 {header.get('created_at', '?')}。"
                    "加 --yes 才会恢复（覆盖现有数据）。"
                )
                return
            result = restore_backup(connections[database], path)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        audit.record(
            actor=None,
            username="cli",
            action="ops.restore",
            detail={
                "file": path.name,
                "created_at": result.header.get("created_at"),
                "plain_sha256": result.header["plain_sha256"],
                "tables": len(result.counts),
                "rows": result.rows,
            },
        )
        self.stdout.write(
            f"恢复完成：{len(result.counts)} 张表，{result.rows} 行（备份生成于 "
            f"{result.header.get('created_at', '?')}）。"
        )
