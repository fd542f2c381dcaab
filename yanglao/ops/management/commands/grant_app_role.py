"""yanglao grant_app_role --role NAME: grant the application's PostgreSQL role what it needs."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connections, transaction

from yanglao.core import audit
from yanglao.ops import approle


class Command(BaseCommand):
    help = (
        "Grant a (non-superuser) PostgreSQL role SELECT/INSERT/UPDATE/DELETE on the app's "
        "tables but only SELECT/INSERT on the audit log, access log and ledgers. Run as the "
        "tables' owner, after every migrate."
    )

    def add_arguments(self, parser):
        parser.add_argument("--role", required=True, help="the role the web and workers use")
        parser.add_argument("--print", action="store_true", dest="print_only", help="only print")
        parser.add_argument("--database", default="default", help="database alias")

    def handle(self, *args, role: str, print_only: bool, database: str, **options):
        connection = connections[database]
        if connection.vendor != "postgresql":
            raise CommandError("grant_app_role 只用于 PostgreSQL（SQLite 没有角色和授权）。")
        try:
            with transaction.atomic(using=database), connection.cursor() as cursor:
                sql = approle.statements(cursor, role)
                if print_only:
                    self.stdout.write(";\n".join(sql) + ";")
                    return
                for statement in sql:
                    cursor.execute(statement)
                audit.record(
                    actor=None,
                    username="cli",
                    action="ops.grant_app_role",
                    detail={"role": role, "statements": len(sql)},
                )
        except approle.RoleError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"已为角色 {role} 授权（{len(sql)} 条语句）。")
