"""A django-q2 schedule that recovers loads whose task died (ingest.pipeline.recover_stuck_loads)."""
from django.db import migrations

NAME = "ingest: recover stuck loads"


def create(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(name=NAME, defaults=dict(
        func="ingest.pipeline.recover_stuck_loads", schedule_type="I", minutes=1, repeats=-1))


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("ingest", "0002_roles"), ("django_q", "0018_task_success_index")]
    operations = [migrations.RunPython(create, remove)]
