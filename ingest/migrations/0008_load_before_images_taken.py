from django.db import migrations, models


def mark_imaged_loads(apps, schema_editor):
    """Loads that already have before-images were imaged when loaded."""
    Load = apps.get_model("ingest", "Load")
    BeforeImage = apps.get_model("ingest", "BeforeImage")
    Load.objects.filter(pk__in=BeforeImage.objects.values("load_id")).update(before_images_taken=True)


class Migration(migrations.Migration):

    dependencies = [
        ('ingest', '0007_fk_indexes_served_by_unique'),
    ]

    operations = [
        migrations.AddField(
            model_name='load',
            name='before_images_taken',
            field=models.BooleanField(default=False, help_text='Before-images taken when loaded (ingest.reversal): the load can be reversed.'),
        ),
        migrations.RunPython(mark_imaged_loads, migrations.RunPython.noop),
    ]
