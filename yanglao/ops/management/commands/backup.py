"""yanglao backup --out FILE: an encrypted, checksummed copy of the whole database."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from yanglao.core import audit
from yanglao.ops.backup import BackupError, make_backup


class Command(BaseCommand):
    help = "Write an encrypted (AES-GCM), checksummed backup of the database (SQLite or PG)."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="the backup file to write")
        parser.add_argument("--force", action="store_true", help="overwrite an existing file")
        parser.add_argument("--database", default="default", help="database alias")

    def handle(self, *args, out: str, force: bool, database: str, **options):
        path = Path(out)
        if path.exists() and not force:
            raise CommandError(f"{path} 已存在；要覆盖请加 --force。")
        connection = connections[database]
        try:
            result = make_backup(connection, path)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        header = result.header
        audit.record(
            actor=None,
            username="cli",
            action="ops.backup",
            detail={
                "file": path.name,
                "engine": header["engine"],
                "tables": len(result.counts),
                "rows": result.rows,
                "plain_sha256": header["plain_sha256"],
                "cipher_sha256": header["cipher_sha256"],
            },
        )
        self.stdout.write(
            f"备份完成 {path}：{header['engine']}，{len(result.counts)} 张表，{result.rows} 行；"
            f"明文 SHA-256 {header['plain_sha256']}；密文 SHA-256 {header['cipher_sha256']}"
        )
