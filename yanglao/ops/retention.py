"""Retention of the audit log and the access log (``yanglao purge_audit``).

Two rules of the policy pack decide what may go, never the operator's date alone:

- ``audit.retention`` (``min_days``, at least 180: 网络安全法 第二十一条, logs kept not less
  than six months) for the security rows: audit actions starting with one of
  ``security_action_prefixes`` (logins, logouts, refusals, tokens...);
- ``privacy.processing_records`` (``min_days``, at least 1095: 个人信息保护法 第五十六条,
  processing records kept at least three years) for every other audit row and for every
  access-log row (full views of sensitive values, exports).

A purge is asked for explicitly (``--before DATE --yes``), refused outright when the date
is younger than the audit retention, and deletes a processing record only when it is
also older than the processing-records period. The rows can be written first to an
encrypted archive (the backup file format, ``engine = "audit-archive"``).
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from dataclasses import dataclass
from functools import reduce
from operator import or_
from pathlib import Path

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from yanglao.core import audit
from yanglao.core.models import AccessLog, AuditEvent
from yanglao.policy import validators
from yanglao.policy.selectors import lookup, rules_below
from yanglao.regions.models import Region

from . import backup

AUDIT_RULE = "audit.retention"
PROCESSING_RULE = "privacy.processing_records"
# The floors the laws set; a local rule may lengthen the periods, never shorten them.
LEGAL_FLOOR_DAYS = {AUDIT_RULE: 180, PROCESSING_RULE: 1095}


class RetentionError(Exception):
    pass


def _check_floor(rule_id: str):
    def check(params, where: str) -> None:
        days = params.get("min_days")
        if not isinstance(days, int) or days < LEGAL_FLOOR_DAYS[rule_id]:
            raise ValueError(
                f"{where}.min_days: 不得少于 {LEGAL_FLOOR_DAYS[rule_id]} 天（法定最短留存期）"
            )

    return check


validators.register(AUDIT_RULE, _check_floor(AUDIT_RULE))
validators.register(PROCESSING_RULE, _check_floor(PROCESSING_RULE))


@dataclass(frozen=True)
class Limits:
    today: dt.date
    audit_days: int
    processing_days: int
    security_prefixes: tuple[str, ...]

    @property
    def audit_cutoff(self) -> dt.date:
        """Security rows dated before this day may go."""
        return self.today - dt.timedelta(days=self.audit_days)

    @property
    def processing_cutoff(self) -> dt.date:
        return self.today - dt.timedelta(days=self.processing_days)


def _longest(rule_id: str, nation: Region, today: dt.date) -> int | None:
    """The logs are one table for every region: the longest period any region's rule in
    force sets is the one that holds."""
    found = lookup(rule_id, nation, today)
    days = [int(found["min_days"])] if found is not None else []
    for rule in rules_below(rule_id, nation):
        in_force = (rule.valid_from is None or rule.valid_from <= today) and (
            rule.valid_to is None or rule.valid_to >= today
        )
        if in_force and "min_days" in rule.params:
            days.append(int(rule.params["min_days"]))
    return max(days) if days else None


def limits(today: dt.date | None = None) -> Limits:
    today = today or timezone.localdate()
    nation = Region.objects.filter(code="00").first()
    audit_days = _longest(AUDIT_RULE, nation, today) if nation else None
    processing_days = _longest(PROCESSING_RULE, nation, today) if nation else None
    if audit_days is None or processing_days is None:
        raise RetentionError(
            f"策略包里没有 {AUDIT_RULE} 或 {PROCESSING_RULE} 规则（先执行 yanglao load_policy）："
            "不删除任何记录。"
        )
    audit_rule = lookup(AUDIT_RULE, nation, today)
    prefixes = audit_rule.params.get("security_action_prefixes") if audit_rule else None
    return Limits(
        today=today,
        audit_days=audit_days,
        processing_days=processing_days,
        security_prefixes=tuple(prefixes or ()),
    )


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def security_q(prefixes: tuple[str, ...]) -> Q:
    if not prefixes:
        return Q(pk__in=[])
    return reduce(or_, (Q(action__startswith=p) for p in prefixes))


@dataclass
class Plan:
    limits: Limits
    before: dt.date
    security: QuerySet
    processing: QuerySet
    access: QuerySet

    def counts(self) -> dict[str, int]:
        return {
            "security": self.security.count(),
            "processing": self.processing.count(),
            "access": self.access.count(),
        }


def plan(before: dt.date, today: dt.date | None = None) -> Plan:
    rules = limits(today)
    if before > rules.audit_cutoff:
        raise RetentionError(
            f"{before} 之前的日志还有不满 {rules.audit_days} 天的（{AUDIT_RULE}）："
            f"最晚只能清理 {rules.audit_cutoff} 之前的记录。未删除任何记录。"
        )
    security_until = _start_of(before)
    processing_until = _start_of(min(before, rules.processing_cutoff))
    secure = security_q(rules.security_prefixes)
    return Plan(
        limits=rules,
        before=before,
        security=AuditEvent.objects.filter(secure, at__lt=security_until),
        processing=AuditEvent.objects.filter(~secure, at__lt=processing_until),
        access=AccessLog.objects.filter(at__lt=processing_until),
    )


def _row(obj) -> dict:
    data = {}
    for f in obj._meta.concrete_fields:
        value = getattr(obj, f.attname)
        data[f.attname] = value.isoformat() if isinstance(value, dt.datetime) else value
    return data


def write_archive(the_plan: Plan, out: Path) -> int:
    rows = 0
    with tempfile.TemporaryDirectory(prefix="yanglao-audit-archive-") as tmp:
        plain = Path(tmp) / "plain.jsonl"
        with plain.open("w", encoding="utf-8") as handle:
            for table, qs in (
                ("core_auditevent", the_plan.security),
                ("core_auditevent", the_plan.processing),
                ("core_accesslog", the_plan.access),
            ):
                for obj in qs.order_by("at", "id").iterator(chunk_size=2000):
                    handle.write(json.dumps({"table": table, **_row(obj)}, ensure_ascii=False))
                    handle.write("\n")
                    rows += 1
        backup.seal(plain, out, engine="audit-archive", tables={"rows": rows})
    return rows


def read_archive(path: Path):
    """The rows of an archive, one dict each (checks the file like a restore does)."""
    with tempfile.TemporaryDirectory(prefix="yanglao-audit-archive-") as tmp:
        plain = Path(tmp) / "plain.jsonl"
        header = backup.open_backup(path, plain)
        if header["engine"] != "audit-archive":
            raise RetentionError("这不是审计日志归档文件。")
        with plain.open(encoding="utf-8") as handle:
            return [json.loads(line) for line in handle]


def _lift(model) -> list[str]:
    """On PostgreSQL the append-only trigger refuses DELETE; the purge lifts it for its
    own transaction (ALTER TABLE takes the table's lock until commit; only the owner may)."""
    if connection.vendor != "postgresql":
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER "{table}_append_only"')
    return [table]


def execute(the_plan: Plan, *, archive: Path | None = None) -> dict[str, int]:
    if archive is not None:
        write_archive(the_plan, archive)
    try:
        with transaction.atomic():
            lifted = _lift(AuditEvent) + _lift(AccessLog)
            deleted = {
                "security": the_plan.security._raw_delete(connection.alias),
                "processing": the_plan.processing._raw_delete(connection.alias),
                "access": the_plan.access._raw_delete(connection.alias),
            }
            with connection.cursor() as cursor:
                for table in lifted:
                    cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER "{table}_append_only"')
            audit.record(
                actor=None,
                username="cli",
                action="audit.purge",
                detail={
                    "before": the_plan.before.isoformat(),
                    "audit_days": the_plan.limits.audit_days,
                    "processing_days": the_plan.limits.processing_days,
                    "deleted": deleted,
                    "archive": archive.name if archive else "",
                },
            )
    except Exception as exc:
        if "owner" in str(exc) or "permission denied" in str(exc):
            raise RetentionError(
                "清理须以数据表的属主（执行 migrate 的角色）运行；应用角色无权删除日志。"
            ) from None
        raise
    return deleted
