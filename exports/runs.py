"""Export runs (FORMATS.md 7.5): one biller, one outbound format, one business date.

A run takes every record of the biller dated on or before the business date (in the
biller's time zone) that no earlier run of the same format carried, writes the files with
the format's writer, stores them and marks the records carried, all in one transaction. The
biller row is locked for the run and a unique constraint backs it up, so two concurrent runs
never carry the same record. A failed run is recorded with its message; nothing is carried.
A format whose `Take` reports reversals carries a payment voided or reversed after it carried
it as approved once more, dated by the void or reversal (exports.models.runs).
"""
import contextlib
import datetime
import gc
import hashlib
import logging
from dataclasses import fields as dataclass_fields
from dataclasses import replace
from operator import itemgetter
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from billers.format_options import validate_options
from billers.models import Biller, BillerFileFormat, Direction
from exports.bulk import fetch_rows, inserting
from exports.models import CarriedChange, CarriedPayment, CarriedReject, ExportFile, ExportRun, RunStatus, Trigger
from exports.writers import ChangeRecord, PaymentRecord, RejectRecord, RunInfo, get_writer
from exports.writers.records import CLOUD_STORE_INVOICE_TYPES, from_values
from ledger.models import AccountChange, AchReject, Payment, PaymentStatus

logger = logging.getLogger(__name__)


class ExportRefused(Exception):
    """The run cannot start (format unknown or not enabled for the biller)."""


class ExportFailed(Exception):
    """The run failed and was recorded as failed (`.run`); nothing was carried."""

    def __init__(self, run, message):
        super().__init__(message)
        self.run = run


def payment_record(p):
    return PaymentRecord(
        payment_guid=p.payment_guid, paid_at=p.paid_at, account_number=p.account.account_number, amount=p.amount,
        status=p.status, payment_type_id=p.payment_type_id, offline=p.offline, card_brand=p.card_brand,
        invoice_type_id=p.invoice_type_id, invoice_number=p.invoice_number, invoice_guid=p.invoice_guid,
        customer_name=p.customer_name, payment_type_desc=p.payment_type_desc, convenience_fee=p.convenience_fee,
        payment_reference=p.payment_reference, payment_message=p.payment_message,
        biller_reference=p.biller_reference, location_reference=p.location_reference, check_number=p.check_number)


def reject_record(r):
    return RejectRecord(
        reference_number=r.reference_number, transaction_date=r.transaction_date, reject_date=r.reject_date,
        account_number=r.account.account_number, amount=r.amount, code=r.code, customer_name=r.customer_name,
        invoice_number=r.invoice_number, invoice_type=r.invoice_type, auth_order_number=r.auth_order_number,
        biller_reference=r.biller_reference)


def change_record(c):
    return ChangeRecord(account_number=c.account.account_number, kind=c.kind, at=c.at, value=c.value, sequence=c.pk)


def paid_on_or_before(day_end, date):
    return Q(paid_at__lt=day_end)


def rejected_on_or_before(day_end, date):
    return Q(reject_date__lte=date)


def changed_on_or_before(day_end, date):
    return Q(at__lt=day_end)


def lookups(record_class, **renamed):
    """The query lookups giving a writer record's fields in its dataclass order (values_list:
    plain values, no model instances); `renamed`: field -> lookup where they differ."""
    return tuple(renamed.get(f.name, f.name) for f in dataclass_fields(record_class))


# a record type's lookups, in its record's field order
RECORD_LOOKUPS = {
    "payment": (PaymentRecord, lookups(PaymentRecord, account_number="account__account_number")),
    "reject": (RejectRecord, lookups(RejectRecord, account_number="account__account_number")),
    "change": (ChangeRecord, lookups(ChangeRecord, account_number="account__account_number", sequence="pk")),
}
# the order the fetched rows are put in (by Python, not the query: pending_rows), the order the
# writers sort in (their records' sort_key) and then the pk, so that their (stable) sort finds
# the rows in order already and ties keep the pk order; the writers' own sort decides the file's order
FETCH_ORDER = {"payment": ("paid_at", "payment_guid", "pk"), "reject": ("reject_date", "reference_number", "pk"),
               "change": ("pk",)}
FETCH_CHUNK = 20_000  # rows per round trip (exports.bulk.fetch_rows)

# record type -> (model, carried model, run's related name, to_record, "on or before the date" filter)
RECORD_TYPES = {
    "payment": (Payment, CarriedPayment, "carried_payments", payment_record, paid_on_or_before),
    "reject": (AchReject, CarriedReject, "carried_rejects", reject_record, rejected_on_or_before),
    "change": (AccountChange, CarriedChange, "carried_changes", change_record, changed_on_or_before),
}


def take_filter(take):
    """The query form of a writer's `Take` (exports.writers.base): the same declaration."""
    q = Q()
    if take is None:
        return q
    if take.statuses is not None:
        q &= Q(status__in=sorted(take.statuses))
    if take.offline is not None:
        q &= Q(offline=take.offline)
    if take.cloud_store is not None:
        cloud = Q(status=PaymentStatus.APPROVED, invoice_type_id__in=CLOUD_STORE_INVOICE_TYPES)
        q &= cloud if take.cloud_store else ~cloud
    return q


def end_of_day(business_date, zone):
    """The first instant after the business date in the biller's zone (DST-aware)."""
    return datetime.datetime.combine(business_date + datetime.timedelta(days=1), datetime.time(0), tzinfo=zone)


def payments_to_report(file_format, day_end):
    """For a format that reports voids and reversals: approved payments it never carried, and
    payments not approved that it never carried as such, dated by their payment date, or by
    their void or reversal when it carried them as approved before."""
    carried = CarriedPayment.objects.filter(record=OuterRef("pk"), file_format=file_format)
    as_approved = Exists(carried.filter(approved=True))
    approved = Q(status=PaymentStatus.APPROVED)
    return ((approved & Q(paid_at__lt=day_end) & ~Exists(carried))
            | (~approved & ~Exists(carried.filter(approved=False))
               & ((Q(paid_at__lt=day_end) & ~as_approved) | (Q(voided_at__lt=day_end) & as_approved))))


def pending_rows(biller, file_format, business_date):
    """(rows, build, order): the rows a run of this format for this date would carry, fetched
    as plain values in chunks (no model instances), in no particular order: tuples (pk, the
    writer record's field values...); `build`, the function making a writer record of a row's
    values (`row[1:]`); `order`, the sort key putting the rows oldest first (FETCH_ORDER).

    Sorted by Python, not by the query: PostgreSQL then streams the rows as it finds them (the
    client loads them while the server still scans and joins) instead of after sorting them
    all (on disk past work_mem), and a run sorts them, and builds the records, after it has
    started inserting its carried rows (exports.runs.run_export): the server's insert and key
    checks, the run's critical path, need the rows' keys only."""
    writer = get_writer(file_format.code)
    model, _, _, _, on_or_before = RECORD_TYPES[writer.RECORD]
    take = getattr(writer, "TAKE", None)
    day_end = end_of_day(business_date, biller.zone)
    records = model.objects.filter(biller=biller).filter(take_filter(take))
    if take is not None and take.reversals:
        records = records.filter(payments_to_report(file_format, day_end))
    else:
        records = records.filter(on_or_before(day_end, business_date)).exclude(carried__file_format=file_format)
    record_class, names = RECORD_LOOKUPS[writer.RECORD]
    build = from_values(record_class, [f.name for f in dataclass_fields(record_class)])
    columns = ("pk", *names)
    rows = list(fetch_rows(records.order_by().values_list(*columns), FETCH_CHUNK))
    return rows, build, itemgetter(*(columns.index(name) for name in FETCH_ORDER[writer.RECORD]))


@contextlib.contextmanager
def collector_paused():
    """Python's cyclic garbage collector held off while a run builds and writes its records:
    a run allocates two objects per record and keeps them all (100,000 records: 200,000),
    and the collector, triggered every few hundred allocations, walked them again and again
    (a third of building the records, measured). The records hold no reference cycles; what
    the block may leave (an exception's traceback) is collected once it ends, when the
    collector runs again as before."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# where a fetched payment row (pending_rows: pk, then PaymentRecord's fields) has its status
PAYMENT_STATUS = 1 + [f.name for f in dataclass_fields(PaymentRecord)].index("status")


def carrying(carried_model, run, rows, file_format):
    """The rows saying that `run` carried the fetched `rows` (pending_rows), inserted and
    their keys checked while the block runs (exports.bulk.inserting; PostgreSQL: the
    server's insert and key checks overlap the block's building and writing of the records);
    a payment's row says if it was approved then (its record's `approved`). Set-based, no
    model instances."""
    attrs = ["run", "record", "file_format"]
    if carried_model is CarriedPayment:
        approved = PaymentStatus.APPROVED.value
        carried = [(run.pk, row[0], file_format.pk, row[PAYMENT_STATUS] == approved) for row in rows]
        attrs.append("approved")
    else:
        carried = [(run.pk, row[0], file_format.pk) for row in rows]
    return inserting(carried_model, attrs, carried)


def as_carried(link, record):
    """The writer's record as the run carried it (a payment approved then, voided since)."""
    if getattr(link, "approved", False) and not record.approved:
        return replace(record, status=PaymentStatus.APPROVED)
    return record


def enabled_outbound(biller, code=None):
    rows = (BillerFileFormat.objects.select_related("file_format")
            .filter(biller=biller, enabled=True, file_format__retired=False,
                    file_format__direction=Direction.OUTBOUND))
    if code is not None:
        rows = rows.filter(file_format__code=code)
    return list(rows.order_by("file_format__code"))


def store(run, out):
    export_file = ExportFile(run=run, name=out.name, sha256=hashlib.sha256(out.content).hexdigest(),
                             size=len(out.content), row_count=out.rows, total_amount=out.total)
    export_file.file.save(out.name, ContentFile(out.content), save=False)
    export_file.save()
    return export_file


def file_time(biller, file_format, now, queued=None):
    """The run's creation time, which its file names show to the second in the biller's zone:
    `now`, or the second after the latest run of this biller and format when that one is in
    the same second or later; and never a wall-clock second an earlier run already showed
    (the hour repeated when daylight saving time ends). Called under the biller's lock, so
    two runs never get the same name (`queued`: the run's own queued row)."""
    runs = ExportRun.objects.filter(biller=biller, file_format=file_format)
    if queued is not None:  # the queued row this run carries out is not an earlier run
        runs = runs.exclude(pk=queued.pk)
    latest = runs.order_by("-created_at").values_list("created_at", flat=True).first()
    if latest is not None:
        now = max(now, latest.replace(microsecond=0) + datetime.timedelta(seconds=1))
    while (twin := repeated_second(now, biller.zone)) is not None and runs.filter(
            created_at__gte=twin, created_at__lt=twin + datetime.timedelta(seconds=1)).exists():
        now = now.replace(microsecond=0) + datetime.timedelta(seconds=1)
    return now


def repeated_second(moment, zone):
    """The start of the other second that shows the same wall-clock time in `zone` (UTC), or
    None when the wall-clock time of `moment` happens once."""
    local = moment.astimezone(zone).replace(microsecond=0)
    twin = local.replace(fold=1 - local.fold).astimezone(datetime.timezone.utc)
    return None if twin == local else twin


def outbound_format(biller, code):
    """(writer, the biller's enabled BillerFileFormat) of an outbound code; else ExportRefused."""
    try:
        writer = get_writer(code)
    except KeyError as exc:
        raise ExportRefused(exc.args[0]) from None
    formats = enabled_outbound(biller, code)
    if not formats:
        raise ExportRefused(f"{code} is not an outbound format enabled for biller {biller.slug}")
    return writer, formats[0]


def save_run(queued, status, **fields):
    """The run's row: a new one, or the queued run (exports.queued) that this run carries out."""
    if queued is None:
        return ExportRun.objects.create(status=status, **fields)
    ExportRun.objects.filter(pk=queued.pk).update(status=status, **fields)
    queued.refresh_from_db()
    return queued


def run_export(biller, code, business_date, triggered_by=None, trigger=None, schedule_name="", now=None,
               queued=None):
    """Run one outbound format for one business date; return the succeeded ExportRun (`queued`:
    the queued run's row, which becomes the run). Raises ExportRefused (nothing recorded) or
    ExportFailed (a failed run was recorded)."""
    writer, enabled = outbound_format(biller, code)
    file_format = enabled.file_format
    options = validate_options(code, enabled.options)
    fields = dict(biller=biller, file_format=file_format, business_date=business_date, options=options,
                  trigger=trigger or (Trigger.ADMIN if triggered_by else Trigger.COMMAND),
                  triggered_by=triggered_by, schedule_name=schedule_name, created_at=now or timezone.now())
    stored = []
    try:
        with transaction.atomic():
            Biller.objects.select_for_update().filter(pk=biller.pk).exists()  # one run per biller at a time
            fields["created_at"] = file_time(biller, file_format, fields["created_at"], queued)
            run = save_run(queued, RunStatus.SUCCEEDED, **fields)
            _, carried_model, _, _, _ = RECORD_TYPES[writer.RECORD]
            info = RunInfo(run.pk, run.created_at, business_date, biller.zone)
            with collector_paused():
                rows, build, order = pending_rows(biller, file_format, business_date)
                count = len(rows)
                with carrying(carried_model, run, rows, file_format):
                    rows.sort(key=order)  # the order the writers sort in: their sort finds it
                    records = [build(row[1:]) for row in rows]
                    del rows  # freed while the collector is off (their 100,000 tuples are not walked)
                    files = writer.write(records, info, options)
                    del records
            for out in files:
                stored.append(store(run, out))
            run.record_count = count
            run.save(update_fields=["record_count"])
    except Exception as exc:
        for export_file in stored:
            export_file.file.storage.delete(export_file.file.name)
        logger.exception("export run %s %s %s failed", biller.slug, code, business_date)
        message = str(exc) or type(exc).__name__
        failed = save_run(queued, RunStatus.FAILED, failure=message, **fields)
        raise ExportFailed(failed, f"{code} for {business_date} failed: {message}") from exc
    return run


def regenerate(run):
    """Write the run's files again from the records it carried (same run id, time, options)."""
    writer = get_writer(run.code)
    _, _, related, to_record, _ = RECORD_TYPES[writer.RECORD]
    links = getattr(run, related).select_related("record__account").order_by("record_id")
    info = RunInfo(run.pk, run.created_at, run.business_date, run.biller.zone)
    return writer.write([as_carried(link, to_record(link.record)) for link in links], info, run.options)


def read_file(export_file):
    with export_file.file.open("rb") as handle:
        return handle.read()


def save_copy(export_file, directory):
    """Write the run's file into `directory` under its name, or, when a file of that name is
    already there, under the next free name (`IC_20250309_2.txt`): an existing file is never
    replaced (exclusive create). Returns the name written."""
    content = read_file(export_file)
    stem, dot, extension = export_file.name.rpartition(".")
    if not dot:
        stem, extension = export_file.name, ""
    for number in range(1, 10_000):
        name = export_file.name if number == 1 else f"{stem}_{number}{dot}{extension}"
        try:
            with open(Path(directory) / name, "xb") as handle:
                handle.write(content)
        except FileExistsError:
            continue
        return name
    raise FileExistsError(f"{directory}: {export_file.name} and its next 9,999 names are all taken")
