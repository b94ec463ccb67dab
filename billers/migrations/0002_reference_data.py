"""The reference rows (advanced settings, BIF features, integration modifications and their
links, web services, portal redirects). The FileFormat rows are billers.catalog's, synced
after every migrate from the parsers' and writers' declarations."""
from django.db import migrations

from billers.reference_data import load_reference_data


class Migration(migrations.Migration):
    dependencies = [("billers", "0001_initial")]
    operations = [migrations.RunPython(load_reference_data, migrations.RunPython.noop)]
