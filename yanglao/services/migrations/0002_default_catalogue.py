from django.db import migrations


def forwards(apps, schema_editor):
    from yanglao.services.catalogue import ensure_catalogue

    ensure_catalogue(apps.get_model("services", "ServiceItem"))


class Migration(migrations.Migration):
    dependencies = [("services", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
