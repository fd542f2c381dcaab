"""In production the application connects as a role that is not a superuser and cannot
update, delete or truncate audit rows: the grants of `yanglao grant_app_role` refuse it,
and the append-only triggers refuse it even to the tables' owner."""

from __future__ import annotations

import secrets

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from yanglao.ops import approle

pytestmark = pytest.mark.postgres

ROLE = "yanglao_app_test"


def _need_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://… (CI's second pass)")


def _connect(**overrides):
    import psycopg

    conf = connection.settings_dict
    params = {
        "host": conf.get("HOST") or "127.0.0.1",
        "port": conf.get("PORT") or 5432,
        "dbname": conf["NAME"],
        "user": conf.get("USER") or "postgres",
        "password": conf.get("PASSWORD") or None,
    }
    params.update(overrides)
    return psycopg.connect(**{k: v for k, v in params.items() if v is not None})


@pytest.fixture
def app_role(django_db_setup):
    """A fresh LOGIN role, granted by the same SQL the command runs, committed (the grants
    must be visible to another connection); dropped afterwards: after the test's own
    transaction has ended (so ask for ``db`` after this fixture)."""
    _need_postgres()
    password = secrets.token_urlsafe(16)
    from psycopg import sql

    admin = _connect()
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(f"DROP OWNED BY {ROLE}" if _exists(cur) else "SELECT 1")
            cur.execute(f"DROP ROLE IF EXISTS {ROLE}")
            cur.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                    sql.Identifier(ROLE), sql.Literal(password)
                )
            )
            for statement in approle.statements(cur, ROLE):
                cur.execute(statement)
        yield password
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP OWNED BY {ROLE}")
            cur.execute(f"DROP ROLE IF EXISTS {ROLE}")
        admin.close()


def _exists(cur) -> bool:
    cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [ROLE])
    return cur.fetchone() is not None


def _refused(cur, sql: str, params=None) -> str:
    import psycopg

    cur.execute("SAVEPOINT attempt")
    with pytest.raises(psycopg.Error) as caught:
        cur.execute(sql, params)
    cur.execute("ROLLBACK TO SAVEPOINT attempt")
    return str(caught.value)


INSERT_EVENT = (
    "INSERT INTO core_auditevent (at, actor_username, actor_role, region_code, region_path, "
    "action, object_type, object_id, object_repr, outcome, detail) "
    "VALUES (now(), 'app', '', '', '', 'test.row', '', '', '', 'success', '{}') RETURNING id"
)


def test_the_app_role_cannot_update_delete_or_truncate_audit_rows(app_role, db):
    app = _connect(user=ROLE, password=app_role)
    try:
        with app.cursor() as cur:
            cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            assert cur.fetchone() == (False,)
            # what the application needs works: read and write ordinary tables, append audit
            cur.execute(INSERT_EVENT)
            event = cur.fetchone()[0]
            cur.execute("SELECT count(*) FROM core_auditevent WHERE id = %s", [event])
            assert cur.fetchone()[0] == 1
            cur.execute("SELECT count(*) FROM regions_region")
            assert cur.fetchone()[0] > 40000
            cur.execute("UPDATE regions_region SET name = name WHERE code = '141129'")
            for table in ("core_auditevent", "core_accesslog"):
                assert "permission denied" in _refused(
                    cur, f"UPDATE {table} SET ip = NULL WHERE id = %s", [event]
                )
                assert "permission denied" in _refused(
                    cur, f"DELETE FROM {table} WHERE id = %s", [event]
                )
                assert "permission denied" in _refused(cur, f"TRUNCATE {table}")
                # nor can it lift the trigger
                assert "owner" in _refused(
                    cur, f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only"
                )
            # the ledgers are append-only for it too
            for table in approle.append_only_tables(cur):
                assert "permission denied" in _refused(cur, f"DELETE FROM {table}")
            assert "permission denied" in _refused(cur, "DELETE FROM django_migrations")
            cur.execute("SELECT count(*) FROM core_auditevent WHERE id = %s", [event])
            assert cur.fetchone()[0] == 1
        app.rollback()  # leave no row behind in the shared test database
    finally:
        app.close()


def test_the_triggers_refuse_even_the_owner(db):
    _need_postgres()
    owner = _connect()
    try:
        with owner.cursor() as cur:
            cur.execute(INSERT_EVENT)
            event = cur.fetchone()[0]
            assert "append-only" in _refused(
                cur, "UPDATE core_auditevent SET ip = NULL WHERE id = %s", [event]
            )
            assert "append-only" in _refused(
                cur, "DELETE FROM core_auditevent WHERE id = %s", [event]
            )
            for table in approle.append_only_tables(cur):
                assert "append-only" in _refused(cur, f"TRUNCATE {table}")
        owner.rollback()
    finally:
        owner.close()


def test_the_command_grants_through_the_django_connection(app_role, db):
    call_command("grant_app_role", role=ROLE)
    with connection.cursor() as cur:
        checks = {}
        for table in ("core_auditevent", "core_accesslog", "elders_elder", "django_migrations"):
            for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE"):
                cur.execute("SELECT has_table_privilege(%s, %s, %s)", [ROLE, table, privilege])
                checks[table, privilege] = cur.fetchone()[0]
    assert {p for (t, p), ok in checks.items() if t == "core_auditevent" and ok} == {
        "SELECT",
        "INSERT",
    }
    assert {p for (t, p), ok in checks.items() if t == "elders_elder" and ok} == {
        "SELECT",
        "INSERT",
        "UPDATE",
        "DELETE",
    }
    assert {p for (t, p), ok in checks.items() if t == "django_migrations" and ok} == {"SELECT"}


def test_the_command_prints_the_sql_and_refuses_a_superuser(app_role, db, capsys):
    call_command("grant_app_role", role=ROLE, print_only=True)
    out = capsys.readouterr().out
    assert f'GRANT SELECT, INSERT ON "core_auditevent" TO "{ROLE}"' in out
    assert 'REVOKE UPDATE, DELETE, TRUNCATE ON "core_auditevent" FROM PUBLIC' in out
    with pytest.raises(CommandError, match="超级用户"):
        call_command("grant_app_role", role="postgres")
    with pytest.raises(CommandError, match="不合规"):
        call_command("grant_app_role", role="x; DROP TABLE y")


def test_grant_app_role_says_it_is_for_postgresql_only(db):
    if connection.vendor == "postgresql":
        pytest.skip("the SQLite message")
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("grant_app_role", role=ROLE)
