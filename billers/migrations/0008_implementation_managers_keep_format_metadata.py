from functools import partial

from django.db import migrations

from icportal.roles import IMPLEMENTATION_MANAGER, crud, grant

# Implementation managers keep the seeds' metadata of a format (transfer frequency, Stratus
# repository and class, ITR, document status and owner, sample file); its definition stays read-only.
GRANTS = {IMPLEMENTATION_MANAGER: crud("billers", "fileformat", "change")}


class Migration(migrations.Migration):
    dependencies = [("billers", "0007_bif_templates_format_metadata_modification_links")]
    operations = [migrations.RunPython(partial(grant, grants=GRANTS), migrations.RunPython.noop)]
