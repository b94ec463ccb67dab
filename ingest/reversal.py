"""Load reversal (issue 15): the before-images a load keeps, what may stop its reversal, and
the restore.

- `snapshot_before(load)` runs in the load's transaction right before the ledger is written
  (`ingest.pipeline.run_load`): for every account number and invoice number of the load's ok
  records that names a row of the biller, a typed copy of the row as it is (AccountImage,
  InvoiceImage, and a DetailImage per detail line of an imaged invoice; one INSERT ... SELECT
  per table, the same SQL on PostgreSQL and SQLite). A key without a row gets no image: the
  load's staged ok records keep their keys, so "the load created it" is a key of theirs
  without an image (`created_keys`). `Load.before_images_taken` records that the snapshot was
  taken. Loads made before the typed images keep JSON BeforeImages, which `restore` still
  reads. It knows nothing of how the load writes.
- `refusal(load)`: why the load cannot be reversed now (None when it can): no before-images taken,
  or accounts changed since it was loaded (a later load that is not reversed, a payment, an
  ACH reject, an account change, a customer link, any later write), named with their count.
- `restore(load)`: puts every imaged row back (rows the load created, its keys without an
  image, are deleted; rows it updated get their previous values, detail lines included), in
  batches. The caller
  (`ingest.pipeline.run_reversal`) holds the biller's lock and the transaction.
"""
from django.db import connection
from django.db.models import F, Q

from ingest.models import (IN_LEDGER, AccountImage, AdjustmentApplied, BeforeImage, DetailImage, InvoiceImage, Load,
                           RecordStatus, StagedRecord)
from ingest.setbased import col, q, set_based, table, tune_transaction
from ingest.staging import batch_size
from ledger.models import Account, AccountChange, AchReject, CustomerAccount, Invoice, InvoiceDetail, Payment

EXAMPLES = 10


def snapshot_before(load):
    """Store the before-image of every account and invoice the load's ok records name that
    the biller has, and note on the load that its images were taken."""
    _snapshot(load)
    Load.objects.filter(pk=load.pk).update(before_images_taken=True)
    load.before_images_taken = True


def load_keys(load, key):
    """The load's distinct non-empty staged ok values of `key` (account_number or
    invoice_number): the keys its before-images were taken for."""
    return (StagedRecord.objects.filter(load=load, status=RecordStatus.OK).exclude(**{key: ""})
            .values_list(key, flat=True).distinct())


KEY_FIELDS = {BeforeImage.ACCOUNT: "account_number", BeforeImage.INVOICE: "invoice_number"}
# the typed images (ingest.models.AccountImage, InvoiceImage) of each kind, and what they copy
IMAGES = {BeforeImage.ACCOUNT: (AccountImage, Account), BeforeImage.INVOICE: (InvoiceImage, Invoice)}


def created_keys(load, kind, size):
    """The keys of `kind` the load created, in batches: its staged ok records' keys (walked in
    file order, a seek on (load, status, seq)) that have no image (a typed one, or a JSON
    BeforeImage with data: one written before images were kept for existing rows only may say
    "absent" with a null data). A key named by several records may come in more than one batch."""
    key, last = KEY_FIELDS[kind], 0
    image = IMAGES[kind][0]
    ok = StagedRecord.objects.filter(load=load, status=RecordStatus.OK)
    while True:
        rows = list(ok.filter(seq__gt=last).order_by("seq").values_list("seq", key)[:size])
        if not rows:
            return
        last = rows[-1][0]
        keys = {value for _seq, value in rows if value}
        imaged = set(image.objects.filter(load=load, **{f"{key}__in": keys}).values_list(key, flat=True))
        imaged |= set(BeforeImage.objects.filter(load=load, kind=kind, key__in=keys, data__isnull=False)
                      .values_list("key", flat=True))
        if keys - imaged:
            yield sorted(keys - imaged)


def _copied(model):
    """The columns of `model` an image copies: every one but the primary key (the image's row_id)."""
    return [field for field in model._meta.concrete_fields if not field.primary_key]


def _snapshot(load):
    """One INSERT ... SELECT per table (the same SQL on PostgreSQL and SQLite): the load's
    distinct staged keys joined to the biller's rows (a key without a row gets no image), each
    row copied column for column into its image table; then the detail lines of the imaged
    invoices. No JSON is built, no row goes through Python."""
    if set_based():
        tune_transaction()
    params = {"load": load.pk, "biller": load.biller_id, "ok": RecordStatus.OK}
    for image, model in IMAGES.values():
        key = KEY_FIELDS[BeforeImage.ACCOUNT if model is Account else BeforeImage.INVOICE]
        staged_key, columns = col(StagedRecord, key), _copied(model)
        _execute(f"""
            INSERT INTO {table(image)} ({col(image, 'load')}, {col(image, 'row_id')},
                   {", ".join(q(f.attname) for f in columns)})
            SELECT %(load)s, x.{q(model._meta.pk.column)}, {", ".join(f"x.{q(f.column)}" for f in columns)}
            FROM (SELECT DISTINCT s.{staged_key} AS key FROM {table(StagedRecord)} s
                  WHERE s.{col(StagedRecord, 'load')} = %(load)s AND s.{col(StagedRecord, 'status')} = %(ok)s
                    AND s.{staged_key} <> '') keys
            JOIN {table(model)} x ON x.{col(model, 'biller')} = %(biller)s AND x.{col(model, key)} = keys.key""",
                 params)
    columns = _copied(InvoiceDetail)
    _execute(f"""
        INSERT INTO {table(DetailImage)} ({col(DetailImage, 'load')}, {col(DetailImage, 'row_id')},
               {", ".join(q(f.attname) for f in columns)})
        SELECT %(load)s, d.{q(InvoiceDetail._meta.pk.column)}, {", ".join(f"d.{q(f.column)}" for f in columns)}
        FROM {table(InvoiceImage)} y
        JOIN {table(InvoiceDetail)} d ON d.{col(InvoiceDetail, 'invoice')} = y.{col(InvoiceImage, 'row_id')}
        WHERE y.{col(InvoiceImage, 'load')} = %(load)s""", params)


def _execute(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- what stops a reversal ---------------------------------------------------------------------

def touched_accounts(load):
    """[(what, count, examples)]: the load's accounts changed since it was loaded, by source."""
    biller, since = load.biller_id, load.loaded_at
    account_keys, invoice_keys = load_keys(load, "account_number"), load_keys(load, "invoice_number")
    accounts = Account.objects.filter(biller_id=biller, account_number__in=account_keys)
    account_ids = accounts.values("pk")
    later_loads = Load.objects.filter(biller_id=biller, status__in=IN_LEDGER, loaded_at__gt=since).exclude(pk=load.pk)
    found = []

    def add(what, numbers):
        numbers = numbers.order_by("number").distinct()
        count = numbers.count()
        if count:
            found.append((what, count, list(numbers[:EXAMPLES])))

    overlapping = StagedRecord.objects.filter(
        Q(account_number__in=account_keys) | Q(invoice_number__in=invoice_keys),
        load__in=later_loads.values("pk"), status=RecordStatus.OK)
    later = list(overlapping.order_by("load_id").values_list("load_id", flat=True).distinct()[:EXAMPLES])
    if later:
        add("later loads " + ", ".join(map(str, later)), overlapping.annotate(number=F("account_number"))
            .values_list("number", flat=True))
    for what, model, extra in (("payments", Payment, Q(voided_at__gt=since)), ("ACH rejects", AchReject, Q()),
                               ("account changes", AccountChange, Q()),
                               ("customer links", CustomerAccount, Q())):
        stamp = "linked_at" if model is CustomerAccount else "created_at"
        changed = Q(**{f"{stamp}__gt": since}) | extra
        add(what, model.objects.filter(changed, account_id__in=account_ids)
            .annotate(number=F("account__account_number")).values_list("number", flat=True))
    if found:
        return found
    # anything else that wrote the rows after the load (e.g. the partner API's SetInvoiceBalance)
    add("later writes", accounts.filter(updated_at__gt=since).annotate(number=F("account_number"))
        .values_list("number", flat=True))
    add("later invoice writes", Invoice.objects.filter(biller_id=biller, invoice_number__in=invoice_keys,
                                                        updated_at__gt=since)
        .annotate(number=F("account__account_number")).values_list("number", flat=True))
    return found


def refusal(load):
    """Why `load` cannot be reversed now, or None."""
    if load.loaded_at is None or not load.before_images_taken:
        return (f"load {load.pk} has no before-images (it was loaded before reversals were possible); "
                "it cannot be reversed")
    touched = touched_accounts(load)
    if not touched:
        return None
    parts = []
    for what, count, examples in touched:
        more = f" and {count - len(examples)} more" if count > len(examples) else ""
        noun = "account" if count == 1 else "accounts"
        parts.append(f"{count} {noun} by {what} ({', '.join(examples)}{more})")
    return (f"load {load.pk} cannot be reversed: its accounts were changed after it was loaded: "
            + "; ".join(parts) + ". Reverse the later loads first, or correct the balances by hand.")


# --- the restore ------------------------------------------------------------------------------

def _by_key(images, key, size):
    """The `images` (a queryset of one load's images, `key` unique among them) in batches of
    `size` by key, seeking (never OFFSET)."""
    last = ""
    while True:
        batch = list(images.filter(**{f"{key}__gt": last}).order_by(key)[:size])
        if not batch:
            return
        yield batch
        last = getattr(batch[-1], key)


def _images(load, kind, size):
    """The load's JSON images of `kind` (BeforeImage: loads made before the typed images), in batches."""
    return _by_key(BeforeImage.objects.filter(load=load, kind=kind), "key", size)


def _typed_images(load, kind, size):
    """The load's typed images of `kind`, in batches by key (a seek on the unique (load, key))."""
    return _by_key(IMAGES[kind][0].objects.filter(load=load), KEY_FIELDS[kind], size)


def _rebuild(model, data):
    """A model instance from an image's data (JSON values back to Python by each field)."""
    values = {}
    for field in model._meta.concrete_fields:
        values[field.attname] = field.to_python(data[field.attname]) if data.get(field.attname) is not None else None
    return model(**values)


def _from_image(model, image):
    """The `model` instance a typed image copies (its id the image's row_id)."""
    return model(pk=image.row_id, **{field.attname: getattr(image, field.attname) for field in _copied(model)})


def restore(load):
    """Put back every row `load` wrote; return {"accounts": {...}, "invoices": {...}} counts."""
    size = batch_size()
    counts = {"accounts": {"restored": 0, "deleted": 0}, "invoices": {"restored": 0, "deleted": 0}}
    # the balance changes the load's adjustments made are undone with the balances below (the
    # load keeps its plan and events as the record of what it did)
    AdjustmentApplied.objects.filter(load=load).delete()
    account_fields = [f.name for f in Account._meta.concrete_fields if not f.primary_key]
    invoice_fields = [f.name for f in Invoice._meta.concrete_fields if not f.primary_key]
    for created in created_keys(load, BeforeImage.INVOICE, size):
        counts["invoices"]["deleted"] += Invoice.objects.filter(
            biller_id=load.biller_id, invoice_number__in=created).delete()[1].get(Invoice._meta.label, 0)
    for batch in _images(load, BeforeImage.INVOICE, size):
        previous = [image for image in batch if image.data is not None]
        Invoice.objects.bulk_update([_rebuild(Invoice, image.data) for image in previous], invoice_fields,
                                    batch_size=size)
        InvoiceDetail.objects.filter(invoice_id__in=[image.row_id for image in previous]).delete()
        InvoiceDetail.objects.bulk_create([_rebuild(InvoiceDetail, row) for image in previous
                                           for row in image.data["details"]], batch_size=size)
        counts["invoices"]["restored"] += len(previous)
    for batch in _typed_images(load, BeforeImage.INVOICE, size):
        ids = [image.row_id for image in batch]
        Invoice.objects.bulk_update([_from_image(Invoice, image) for image in batch], invoice_fields, batch_size=size)
        InvoiceDetail.objects.filter(invoice_id__in=ids).delete()
        InvoiceDetail.objects.bulk_create(
            [_from_image(InvoiceDetail, line) for line in
             DetailImage.objects.filter(load=load, invoice_id__in=ids).order_by("invoice_id", "position")],
            batch_size=size)
        counts["invoices"]["restored"] += len(batch)
    for batch in _images(load, BeforeImage.ACCOUNT, size):
        previous = [image for image in batch if image.data is not None]
        Account.objects.bulk_update([_rebuild(Account, image.data) for image in previous], account_fields,
                                    batch_size=size)
        counts["accounts"]["restored"] += len(previous)
    for batch in _typed_images(load, BeforeImage.ACCOUNT, size):
        Account.objects.bulk_update([_from_image(Account, image) for image in batch], account_fields, batch_size=size)
        counts["accounts"]["restored"] += len(batch)
    for created in created_keys(load, BeforeImage.ACCOUNT, size):
        counts["accounts"]["deleted"] += Account.objects.filter(
            biller_id=load.biller_id, account_number__in=created).delete()[1].get(Account._meta.label, 0)
    return counts
