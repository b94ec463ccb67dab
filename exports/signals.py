"""Keep each biller's export schedule in step with the biller (see exports.schedule)."""
from django.db.models.signals import post_delete, post_save, pre_save
from django_q.models import Schedule

from billers.models import Biller
from exports.schedule import TASK, correct_next_run, schedule_name, sync_schedule


def biller_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        sync_schedule(instance)


def biller_deleted(sender, instance, **kwargs):
    Schedule.objects.filter(name=schedule_name(instance), func=TASK).delete()


def connect():
    post_save.connect(biller_saved, sender=Biller, dispatch_uid="exports.biller_saved")
    post_delete.connect(biller_deleted, sender=Biller, dispatch_uid="exports.biller_deleted")
    pre_save.connect(correct_next_run, sender=Schedule, dispatch_uid="exports.correct_next_run")
