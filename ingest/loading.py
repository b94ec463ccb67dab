"""Write a load's ok records into the biller's ledger with bulk statements (run inside the
load's one transaction by `ingest.pipeline.run_load`).

Rules (FORMATS.md 5.3, DESIGN.md):
- accounts are upserted by (biller, AccountNumber) with the customer fields the format has;
- an invoice is new, updated (its values replaced, and its detail lines when they differ from
  the file's) or unchanged (not written);
  an invoice with payments (amount_paid > 0) is never replaced: the preview already made such
  records errors; one that got paid after the preview makes the load fail (nothing written),
  and a re-parse shows it as an error;
- a written invoice sets its account's balance to its BalanceDue (TotalAmountDue when the
  format has no BalanceDue); for several invoices of one account, the last in the file wins;
- adjustments: AdjustmentTypeID 2 sets the balance to the amount, 1 adds the amount; each is
  recorded as AdjustmentApplied (previous, new, difference). Unknown accounts fail the load.
"""
from django.utils import timezone

from ingest import setbased
from ingest.classify import classifier_for
from ingest.mapping import CUSTOMER_FIELDS, DETAIL_FIELDS, INVOICE_MODEL_FIELDS
from ingest.models import AdjustmentApplied, RecordStatus
from ingest.planning import PlanTotals, plan_json
from ingest.setbased import set_based
from ingest.staging import batch_size, iter_batches
from ledger.models import Account, Invoice, InvoiceDetail

ACCOUNT_UPDATE_FIELDS = [field for field, _ in CUSTOMER_FIELDS.values()] + ["current_balance", "updated_at"]
INVOICE_UPDATE_FIELDS = INVOICE_MODEL_FIELDS + ["account", "written_by_load", "updated_at"]


class LoadConflict(Exception):
    """The database changed since the preview in a way the load must not paper over."""


def write_load(load):
    """Load every ok staged record; return the plan JSON of what was done.

    PostgreSQL: the records are classified under lock and written by set-based statements
    (ingest.setbased), each a step of `write_batch`; SQLite: batch by batch."""
    if set_based():
        try:
            steps, counts = setbased.load_steps(load, timezone.now())
        except setbased.Conflicts as exc:
            raise conflict_error(exc.conflicts) from None
        for step in steps:
            write_batch(load, step)
        return plan_json("loaded", load.file_format.kind, counts)
    classifier = classifier_for(load, lock=True)
    totals = PlanTotals(load.file_format.kind)
    for records in iter_batches(load.records.filter(status=RecordStatus.OK)):
        batch = classifier.classify(records)
        if batch.conflicts:
            raise conflict_error([(None, c.record.line, c.field, c.message) for c in batch.conflicts])
        write_batch(load, batch)
        totals.add(batch)
    return totals.as_json("loaded")


def conflict_error(conflicts):
    """LoadConflict naming the first conflicts: (staged id, line, field, message)."""
    shown = "; ".join(f"line {line}, {field}: {message}" for _id, line, field, message in conflicts[:3])
    more = f" (and {len(conflicts) - 3} more)" if len(conflicts) > 3 else ""
    return LoadConflict(f"the database changed since the preview: {shown}{more}. "
                        "Nothing was loaded; re-parse the file to review it.")


def upsert(model, objects, unique_fields, update_fields, size):
    """Update existing rows with INSERT ... ON CONFLICT (unique_fields) DO UPDATE: one
    statement per batch (Django's bulk_update builds a CASE per row and field, far slower)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    copies = [model(**{f.attname: getattr(obj, f.attname) for f in fields}) for obj in objects]
    model.objects.bulk_create(copies, batch_size=size, update_conflicts=True, unique_fields=unique_fields,
                              update_fields=update_fields)


def changed_details(batch):
    """(the batch's (invoice, detail rows) to write, the ids of the updated invoices whose
    stored rows they replace): every new invoice's rows, and an updated invoice's only when
    they differ from the stored ones (as setbased's `details_changed`: an invoice updated for
    its values or account alone keeps its detail rows, which already equal the file's)."""
    updated = {invoice.pk for invoice in batch.invoices_to_update}
    stored = {}
    for row in InvoiceDetail.objects.filter(invoice__in=updated).order_by("invoice_id", "position").values_list(
            "invoice_id", *DETAIL_FIELDS):
        stored.setdefault(row[0], []).append(tuple(row[1:]))
    details = [(invoice, rows) for invoice, rows in batch.details
               if invoice.pk not in updated or stored.get(invoice.pk, []) != rows]
    return details, [invoice.pk for invoice, _ in details if invoice.pk in updated]


def write_batch(load, batch):
    """Write one classified Batch (SQLite), or run one set-based step (PostgreSQL)."""
    if callable(batch):
        return batch()
    size = batch_size()
    Account.objects.bulk_create(batch.accounts_to_create.values(), batch_size=size)
    if batch.accounts_to_update:
        upsert(Account, batch.accounts_to_update.values(), ["biller", "account_number"], ACCOUNT_UPDATE_FIELDS, size)
    Invoice.objects.bulk_create(batch.invoices_to_create, batch_size=size)
    details = batch.details
    if batch.invoices_to_update:
        for invoice in batch.invoices_to_update:
            invoice.account_id = invoice.account.pk
        upsert(Invoice, batch.invoices_to_update, ["biller", "invoice_number"], INVOICE_UPDATE_FIELDS, size)
        details, replaced = changed_details(batch)
        InvoiceDetail.objects.filter(invoice__in=replaced).delete()
    InvoiceDetail.objects.bulk_create(
        [InvoiceDetail(invoice=invoice, position=position, **dict(zip(DETAIL_FIELDS, row)))
         for invoice, rows in details for position, row in enumerate(rows, start=1)],
        batch_size=size)
    AdjustmentApplied.objects.bulk_create(
        [AdjustmentApplied(load=load, record=record, account=account, line=record.line,
                           adjustment_type_id=int(record.data["adjustment"]["AdjustmentTypeID"]),
                           amount=record.amount, previous_balance=previous,
                           new_balance=new, difference=new - previous)
         for record, account, previous, new in batch.adjustments],
        batch_size=size)
