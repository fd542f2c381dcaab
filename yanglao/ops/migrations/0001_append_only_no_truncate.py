"""On PostgreSQL, TRUNCATE of an append-only table (the audit and access logs, the ledgers)
is refused too: the row triggers of core/0002 and the ledgers' migrations do not fire on
TRUNCATE, so a statement trigger does. `yanglao grant_app_role` also withholds the
privilege from the application's role; this holds even for the tables' owner."""

from django.db import migrations

FIND = """
SELECT DISTINCT c.relname FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND t.tgname = c.relname || '_append_only'
ORDER BY 1
"""


def _tables(schema_editor) -> list[str]:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(FIND)
        return [row[0] for row in cursor.fetchall()]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in _tables(schema_editor):
        schema_editor.execute(
            f'CREATE TRIGGER "{table}_no_truncate" BEFORE TRUNCATE ON "{table}" '
            f"FOR EACH STATEMENT EXECUTE FUNCTION yanglao_append_only();"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in _tables(schema_editor):
        schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_no_truncate" ON "{table}";')


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_append_only_triggers"),
        ("timebank", "0002_append_only_and_head"),
        ("funding", "0002_append_only_and_head"),
        ("community", "0002_donations"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
