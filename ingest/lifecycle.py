"""The load lifecycle: every status change goes through `transition`, which writes its event.

Refusals are small exception types raised where they happen; the admin views and the
`ingest` command turn them into a message (never a traceback).
"""
from django.db import transaction
from django.utils import timezone

from ingest.models import TRANSITIONS, Load, LoadEvent, LoadStatus


class Refused(Exception):
    """The request is refused; `str()` is the one-line message for the user."""


class PermissionRefused(Refused):
    pass


class FourEyesRefused(PermissionRefused):
    pass


class StateRefused(Refused):
    pass


def record_event(load, to_status, user=None, note="", from_status=""):
    return LoadEvent.objects.create(load=load, user=user, from_status=from_status, to_status=to_status,
                                    note=note[:2000])


def transition(load, to, user=None, note="", **fields):
    """Move `load` to status `to` (checked against TRANSITIONS), saving `fields` and the event.

    The row is locked and re-read first, so two workers cannot both make the same move; the
    update and its LoadEvent are written in one transaction.
    """
    to = LoadStatus(to)
    with transaction.atomic():
        current = Load.objects.select_for_update().only("status").get(pk=load.pk).status
        if to not in TRANSITIONS[LoadStatus(current)]:
            raise StateRefused(f"load {load.pk} is {LoadStatus(current).label}; it cannot become {to.label}")
        fields["status"] = to
        fields["updated_at"] = timezone.now()
        Load.objects.filter(pk=load.pk).update(**fields)
        for name, value in fields.items():
            setattr(load, name, value)
        record_event(load, to, user=user, note=note, from_status=current)
    return load
