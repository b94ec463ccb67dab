from django.db import migrations

from billers.reference_data import load_reference_data


class Migration(migrations.Migration):
    dependencies = [("billers", "0002_initial")]
    operations = [migrations.RunPython(load_reference_data, migrations.RunPython.noop)]
