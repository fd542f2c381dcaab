"""yanglao purge_audit --before DATE [--archive FILE] --yes: delete old audit/access rows."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from yanglao.ops import backup, retention


class Command(BaseCommand):
    help = (
        "Archive and delete audit-log and access-log rows older than DATE, never younger than "
        "the policy pack allows (audit.retention for security rows, privacy.processing_records "
        "for processing records). Without --yes it only counts. --read-archive FILE prints an "
        "archive's rows as JSON lines."
    )

    def add_arguments(self, parser):
        parser.add_argument("--before", help="YYYY-MM-DD: rows dated before this day")
        parser.add_argument("--archive", help="write the rows to this encrypted file first")
        parser.add_argument("--yes", action="store_true", help="really delete")
        parser.add_argument("--read-archive", dest="read_archive", help="print an archive")

    def handle(self, *args, before, archive, yes, read_archive, **options):
        try:
            if read_archive:
                for row in retention.read_archive(Path(read_archive)):
                    self.stdout.write(json.dumps(row, ensure_ascii=False))
                return
            if not before:
                raise CommandError("请用 --before YYYY-MM-DD 指定清理哪天之前的记录。")
            try:
                day = dt.date.fromisoformat(before)
            except ValueError:
                raise CommandError(
                    f"--before 的日期格式应为 YYYY-MM-DD，而不是 {before!r}"
                ) from None
            plan = retention.plan(day)
            counts = plan.counts()
            rules = plan.limits
            self.stdout.write(
                f"{day} 之前：安全日志 {counts['security']} 行（留存 {rules.audit_days} 天），"
                f"处理记录 {counts['processing']} 行、访问日志 {counts['access']} 行"
                f"（留存 {rules.processing_days} 天，{rules.processing_cutoff} 之后的保留）。"
            )
            if not yes:
                self.stdout.write("未删除任何记录；确认后加 --yes（建议同时用 --archive 先归档）。")
                return
            if archive and Path(archive).exists():
                raise CommandError(f"{archive} 已存在，换一个文件名。")
            deleted = retention.execute(plan, archive=Path(archive) if archive else None)
        except (retention.RetentionError, backup.BackupError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"已删除：安全日志 {deleted['security']} 行，处理记录 {deleted['processing']} 行，"
            f"访问日志 {deleted['access']} 行" + (f"；归档在 {archive}" if archive else "") + "。"
        )
