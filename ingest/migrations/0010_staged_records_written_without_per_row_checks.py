"""Staging written faster (issue 11, a file of a million records):

- no index on (load, account_number): a lookup of an account number (the load search, a
  reversal's check of later loads) uses the index on account_number, and the preview's search
  by account or invoice number scans the load's records (an OR of the two columns);
- no foreign-key constraint on the staged record's load (see StagedRecord.load);
- on PostgreSQL, no planner statistics of the JSON columns (data, errors, balance): no query
  filters or joins on them, and sampling them was most of an ANALYZE of staging, which the
  preview runs after writing a file's records.
"""
import django.db.models.deletion
from django.db import migrations, models

JSON_COLUMNS = ("data", "errors", "balance")


def statistics_target(target):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        model = apps.get_model("ingest", "StagedRecord")
        quote = schema_editor.quote_name
        for name in JSON_COLUMNS:
            schema_editor.execute(f"ALTER TABLE {quote(model._meta.db_table)} ALTER COLUMN "
                                  f"{quote(model._meta.get_field(name).column)} SET STATISTICS {target}")
    return run


class Migration(migrations.Migration):

    dependencies = [
        ('ingest', '0009_before_image_load_without_constraint'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='stagedrecord',
            name='staged_by_account',
        ),
        migrations.AlterField(
            model_name='stagedrecord',
            name='load',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='records', to='ingest.load'),
        ),
        migrations.RunPython(statistics_target(0), statistics_target(-1)),
    ]
