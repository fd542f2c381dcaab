"""The PostgreSQL role the application runs as in production.

The tables belong to an owner role that runs ``migrate`` (and ``restore``, and the audit
purge). The web and worker processes connect as a second role that is not a superuser,
owns nothing, and holds only:

- SELECT, INSERT, UPDATE, DELETE on the ordinary tables (no TRUNCATE, REFERENCES or
  TRIGGER);
- SELECT and INSERT only on the append-only tables: the audit log, the access log and
  the ledgers (every table with an ``<table>_append_only`` trigger), so an UPDATE,
  DELETE or TRUNCATE of an audit row fails on the privilege check before the trigger is
  even reached;
- SELECT on ``django_migrations`` (the schema is the owner's business);
- USAGE on the schema and USAGE, SELECT on its sequences.

``statements(cursor, role)`` returns the SQL; ``yanglao grant_app_role --role NAME``
runs it (or prints it with ``--print``). Run it again after every ``migrate``: new
tables get their grants only then.
"""

from __future__ import annotations

import re

from .backup import _quote

AUDIT_TABLES = ("core_auditevent", "core_accesslog")
READ_ONLY_TABLES = ("django_migrations",)
ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class RoleError(Exception):
    pass


def append_only_tables(cursor) -> list[str]:
    cursor.execute(
        "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND t.tgname = c.relname || '_append_only' "
        "ORDER BY 1"
    )
    return sorted({row[0] for row in cursor.fetchall()} | set(AUDIT_TABLES))


def all_tables(cursor) -> list[str]:
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY 1"
    )
    return [row[0] for row in cursor.fetchall()]


def check_role(cursor, role: str) -> None:
    if not ROLE_NAME.fullmatch(role):
        raise RoleError(f"角色名 {role!r} 不合规：只用小写字母、数字和下划线。")
    cursor.execute(
        "SELECT rolsuper, rolbypassrls, rolcreaterole FROM pg_roles WHERE rolname = %s", [role]
    )
    row = cursor.fetchone()
    if row is None:
        raise RoleError(
            f"角色 {role} 不存在：请数据库管理员先创建（CREATE ROLE {role} LOGIN PASSWORD '…'）。"
        )
    if any(row):
        raise RoleError(
            f"角色 {role} 是超级用户或可绕过权限（SUPERUSER / BYPASSRLS / CREATEROLE）："
            "应用角色不能有这些权限。"
        )
    cursor.execute(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND pg_get_userbyid(c.relowner) = %s",
        [role],
    )
    if cursor.fetchone()[0]:
        raise RoleError(f"角色 {role} 拥有数据表：表的属主会绕过授权，应用须用另一个角色连接。")


def statements(cursor, role: str) -> list[str]:
    check_role(cursor, role)
    cursor.execute("SELECT current_schema()")
    schema = _quote(cursor.fetchone()[0])
    who = _quote(role)
    append_only = set(append_only_tables(cursor))
    sql = [
        f"GRANT USAGE ON SCHEMA {schema} TO {who}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {who}",
    ]
    for table in all_tables(cursor):
        name = _quote(table)
        sql.append(f"REVOKE ALL ON {name} FROM {who}")
        if table in append_only or table in READ_ONLY_TABLES:
            privileges = "SELECT" if table in READ_ONLY_TABLES else "SELECT, INSERT"
        else:
            privileges = "SELECT, INSERT, UPDATE, DELETE"
        sql.append(f"GRANT {privileges} ON {name} TO {who}")
    # Belt and braces: nothing granted to PUBLIC reaches the audit tables either.
    for table in sorted(append_only):
        sql.append(f"REVOKE UPDATE, DELETE, TRUNCATE ON {_quote(table)} FROM PUBLIC")
    return sql
