"""The grants ledger is append-only from its first migration (ARCHITECTURE.md rule 10): on
PostgreSQL the trigger of core/0002 refuses UPDATE and DELETE of ledger lines. The chain
head row is created here, so every write finds it to lock."""

from django.db import migrations

TABLE = "funding_grantline"


def forwards(apps, schema_editor):
    apps.get_model("funding", "GrantChainHead").objects.get_or_create(
        pk=1, defaults={"seq": 0, "hash": "0" * 64}
    )
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
        f"FOR EACH ROW EXECUTE FUNCTION yanglao_append_only();"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE};")


class Migration(migrations.Migration):
    dependencies = [
        ("funding", "0001_initial"),
        ("core", "0002_append_only_triggers"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
