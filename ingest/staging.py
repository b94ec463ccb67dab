"""Stream a load's stored file through the parser into StagedRecord rows, in batches."""
import contextlib
import gc
import time
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils import timezone

from ingest.config import build_parse_config
from ingest.formats import parse
from ingest.mapping import oversized
from ingest.models import Load, StagedRecord
from ingest.setbased import StagingCopy, begin_staging, discard_staging, set_based

ERROR_EXAMPLES = 10          # lines kept per field for the preview's "errors by field"
RECORD_FIELD = "(record)"    # errors that name no field


def batch_size():
    return settings.INGEST_BATCH_SIZE


class ErrorFields:
    """Errors grouped by field: a count and the first lines, built while records stream by."""

    def __init__(self, grouped=None):
        self.grouped = grouped if grouped is not None else {}

    def add(self, field, line, message):
        entry = self.grouped.setdefault(field or RECORD_FIELD, {"count": 0, "examples": []})
        entry["count"] += 1
        if len(entry["examples"]) < ERROR_EXAMPLES:
            entry["examples"].append({"line": line, "message": message})


def _amount(text):
    try:
        return Decimal(text) if text not in (None, "") else None
    except (InvalidOperation, TypeError):
        return None


class Staged:
    """A staged record's values before they are written, without a model instance (Django's
    Model.__init__ was a tenth of staging's time): PostgreSQL copies them as they are, SQLite
    makes StagedRecords of them (`as_model`)."""

    __slots__ = tuple(f.attname for f in StagedRecord._meta.concrete_fields if not f.primary_key)
    DEFAULTS = {"reason": "", "errors": (), "account_action": "", "invoice_action": "", "balance": None}

    def __init__(self, **values):
        for name in self.__slots__:
            setattr(self, name, values[name] if name in values else self.DEFAULTS.get(name))

    @classmethod
    def of(cls, load_id, seq, line, status, reason, errors, data, account_number, invoice_number, amount):
        """A Staged of a parsed record's values, the actions empty (`Staged(**values)` without
        its loop over the fields: this runs once per record)."""
        staged = cls.__new__(cls)
        staged.load_id, staged.seq, staged.line, staged.status, staged.reason = load_id, seq, line, status, reason
        staged.errors, staged.data, staged.amount = errors, data, amount
        staged.account_number, staged.invoice_number = account_number, invoice_number
        staged.account_action = staged.invoice_action = ""
        staged.balance = None
        return staged

    def as_model(self):
        return StagedRecord(**{name: getattr(self, name) for name in self.__slots__})


def staged_record(load, seq, record):
    """The staged values (Staged) of one parsed `ingest.formats.Record` (read from its
    attributes: no JSON dict built and taken apart per record)."""
    data = record.data()
    errors = [{"field": e.field, "message": e.message} for e in record.errors]
    status = record.status
    if status == "ok":
        errors += [{"field": field, "message": message} for field, message in oversized(data)]
        status = "error" if errors else status
    customer = data.get("customer") or {}
    invoice = data.get("invoice") or {}
    adjustment = data.get("adjustment") or {}
    return Staged.of(
        load.pk, seq, record.line, status, (record.reason or "")[:200], errors, data,
        str(customer.get("AccountNumber") or adjustment.get("AccountNumber") or "")[:60],
        str(invoice.get("InvoiceNumber") or "")[:80],
        _amount(invoice.get("TotalAmountDue") if invoice else adjustment.get("AdjustmentAmount")),
    )


class StoredFile:
    """`open_bytes` for the parser: a fresh binary handle on the stored file per call."""

    def __init__(self, field_file):
        self.field_file = field_file
        self.handles = []

    def __call__(self):
        handle = self.field_file.storage.open(self.field_file.name, "rb")
        self.handles.append(handle)
        return handle

    def close(self):
        for handle in self.handles:
            handle.close()
        self.handles.clear()


def stage(load, errors, plan=None):
    """Parse the load's file and stage every record, grouping errors into `errors` (ErrorFields).

    `plan(batch)`, when given, sees each batch of StagedRecords before it is written (the
    preview's classification against the database, see ingest.planning.Planner).

    Raises `ingest.formats.FileRefused` (nothing staged) for a file refused as a whole.
    Earlier staging of the load is removed first, so a re-parse never duplicates records.
    On PostgreSQL the records wait in a temporary table (ingest.setbased.begin_staging) until
    `Planner.finish` writes them to staging with their actions.
    """
    StagedRecord.objects.filter(load=load).delete()
    config = build_parse_config(load.biller, load.file_format.code)
    stored = StoredFile(load.file)
    size = batch_size()
    copy = None
    if set_based():
        begin_staging()               # PostgreSQL: the records wait there for the plan
        copy = StagingCopy()          # one COPY across batches, closed before each progress write
    try:
        with _old_objects_frozen():
            result = _stage_records(load, errors, plan, stored, config, size, copy)
    finally:
        try:
            if copy is not None:
                copy.close()          # a failed parse's records too: unstage drops them with PENDING
        finally:
            stored.close()
    return result


@contextlib.contextmanager
def _old_objects_frozen():
    """The objects that exist before staging (Django's, the modules') moved out of the
    garbage collector's sight while the records stream by (gc.freeze): each batch's records
    outlive the youngest generations, so the collector ran full collections every few batches,
    each one over every object of the process (staging's client CPU at 200,000 records: 4.4 s,
    2.9 s frozen; process time). The collector still runs; unfrozen at the end."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _stage_records(load, errors, plan, stored, config, size, copy):
    """Parse and stage every record (stage, inside its cleanup)."""
    result = parse(load.file_format.code, stored, config)
    buffer, seq = [], 0
    progress = Progress(load, before_write=copy.close if copy is not None else None)
    for record in result.records():
        seq += 1
        staged = staged_record(load, seq, record)
        for error in staged.errors:
            errors.add(error["field"], staged.line, error["message"])
        buffer.append(staged)
        if len(buffer) >= size:
            _flush(buffer, plan, copy)
            progress(seq)
            buffer = []
    _flush(buffer, plan, copy)
    progress(seq, final=True)
    return result


def unstage(load):
    """Remove the load's staged records, and on PostgreSQL those still waiting for the plan
    (a failed parse leaves nothing behind)."""
    StagedRecord.objects.filter(load=load).delete()
    if set_based():
        discard_staging()


def _flush(buffer, plan, copy=None):
    if buffer:
        if plan is not None:
            plan(buffer)
        if copy is not None:
            copy.write(buffer)        # PostgreSQL: COPY into the temporary table
        else:
            StagedRecord.objects.bulk_create([s.as_model() for s in buffer], batch_size=batch_size())


PROGRESS_SECONDS = 1.0


class Progress:
    """Writes the count of records staged so far on the load (its page shows the progress)
    after the first batch, then at most every PROGRESS_SECONDS, and at the end: each write
    is a commit of its own (~10 ms on a loaded machine, 10 s per 1,000,000 records when it
    was written after every batch)."""

    def __init__(self, load, before_write=None):
        self.load = load
        self.written_at = None
        self.before_write = before_write   # stage: end the open COPY (the write needs the connection)

    def __call__(self, seq, final=False):
        now = time.monotonic()
        if final or self.written_at is None or now - self.written_at >= PROGRESS_SECONDS:
            if self.before_write is not None:
                self.before_write()
            Load.objects.filter(pk=self.load.pk).update(progress=seq, records_count=seq, updated_at=timezone.now())
            self.written_at = now


def iter_batches(queryset, size=None):
    """Yield lists of records in seq order, seeking by seq (never OFFSET)."""
    size = size or batch_size()
    last = 0
    while True:
        batch = list(queryset.filter(seq__gt=last).order_by("seq")[:size])
        if not batch:
            return
        yield batch
        last = batch[-1].seq
