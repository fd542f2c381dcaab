"""The donations ledger, append-only and chained from this, its first migration
(ARCHITECTURE.md rule 10): on PostgreSQL the trigger of core/0002 refuses UPDATE and
DELETE of its lines. The chain head row is created here, so every write finds it to lock."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

TABLE = "community_donationline"


def forwards(apps, schema_editor):
    apps.get_model("community", "DonationChainHead").objects.get_or_create(
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
        ("community", "0001_initial"),
        ("core", "0002_append_only_triggers"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="DonationChainHead",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False),
                ),
                ("seq", models.BigIntegerField(default=0)),
                (
                    "hash",
                    models.CharField(
                        default="0000000000000000000000000000000000000000000000000000000000000000",
                        max_length=64,
                    ),
                ),
            ],
            options={
                "verbose_name": "捐赠台账链头",
                "verbose_name_plural": "捐赠台账链头",
            },
        ),
        migrations.CreateModel(
            name="DonationLine",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("seq", models.BigIntegerField(unique=True)),
                (
                    "line_kind",
                    models.CharField(
                        choices=[("donation", "捐赠"), ("spending", "支出")],
                        max_length=16,
                        verbose_name="类别",
                    ),
                ),
                ("donation", models.UUIDField(db_index=True, verbose_name="捐赠编号")),
                (
                    "recipient_kind",
                    models.CharField(
                        choices=[
                            ("centre", "村级养老服务中心"),
                            ("facility", "养老设施"),
                            ("elder", "老人"),
                            ("pool", "时间银行互助池"),
                        ],
                        max_length=16,
                        verbose_name="受赠方类别",
                    ),
                ),
                ("recipient_id", models.BigIntegerField(verbose_name="受赠方")),
                ("recipient_name", models.CharField(max_length=100, verbose_name="受赠方名称")),
                ("region_path", models.CharField(db_index=True, max_length=120)),
                (
                    "donor_kind",
                    models.CharField(blank=True, max_length=16, verbose_name="捐赠人类别"),
                ),
                ("donor_name", models.CharField(blank=True, max_length=100, verbose_name="捐赠人")),
                ("anonymous", models.BooleanField(default=False, verbose_name="匿名")),
                (
                    "amount",
                    models.DecimalField(decimal_places=2, max_digits=14, verbose_name="金额（元）"),
                ),
                ("items", models.CharField(blank=True, max_length=200, verbose_name="物品")),
                ("purpose", models.CharField(max_length=100, verbose_name="用途")),
                ("receipt_no", models.CharField(blank=True, max_length=50, verbose_name="收据号")),
                ("on_date", models.DateField(verbose_name="日期")),
                ("memo", models.CharField(blank=True, max_length=200, verbose_name="说明")),
                ("created_at", models.DateTimeField()),
                ("prev_hash", models.CharField(max_length=64)),
                ("hash", models.CharField(max_length=64, unique=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "捐赠台账",
                "verbose_name_plural": "捐赠台账",
                "ordering": ["seq"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("amount__gte", 0)),
                        name="community_donation_amount_not_negative",
                    )
                ],
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
