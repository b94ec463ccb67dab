from functools import partial

from django.db import migrations

from icportal.roles import SUPPORT, grant

# Support reverses loads (issue 15); four eyes apply where the biller requires them.
GRANTS = {SUPPORT: ["ingest.reverse_load"]}


class Migration(migrations.Migration):
    dependencies = [("ingest", "0004_load_reversal")]
    operations = [migrations.RunPython(partial(grant, grants=GRANTS), migrations.RunPython.noop)]
