"""Invoices and accounts updated in place (issue 11, the next day's file of a million invoices):

- no index on Invoice.written_by_load: it changes at every load that writes the invoice, so an
  updated invoice needed a new entry in each of the table's five indexes; without it, a load
  that changes an invoice's values (not its number, GUID or account) changes no indexed column;
- on PostgreSQL, tables filled to FILLFACTOR percent of each page: the room left lets such an
  update put the new row version on the row's own page (a HOT update: no index entry at all),
  and the page's dead versions are pruned when a later update needs the room again.
"""
from django.db import migrations, models

FILLFACTOR = {"Invoice": 50, "Account": 50}


def fillfactor(set_it):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for name, percent in FILLFACTOR.items():
            db_table = schema_editor.quote_name(apps.get_model("ledger", name)._meta.db_table)
            option = f"SET (fillfactor = {percent})" if set_it else "RESET (fillfactor)"
            schema_editor.execute(f"ALTER TABLE {db_table} {option}")
    return run


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0003_fk_indexes_served_by_unique'),
    ]

    operations = [
        migrations.AlterField(
            model_name='invoice',
            name='written_by_load',
            field=models.PositiveBigIntegerField(blank=True, help_text='The id of the ingest load that last wrote this invoice; empty for invoices written otherwise.', null=True, verbose_name='written by load'),
        ),
        migrations.RunPython(fillfactor(True), fillfactor(False)),
    ]
