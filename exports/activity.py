"""Activity import (FORMATS.md section 8): payments, ACH rejects and account changes from a
CSV with a header row. One validation for both entry points (`manage.py import_activity`
and the admin import): `validate` reads and checks, `import_activity` validates again and
writes the valid rows in one transaction, with bulk queries (not one per row).

The file is read as a stream, in batches of `BATCH` rows: each batch is checked with a few
queries (its accounts, its references already imported, its invoices' amounts paid) and,
when importing, written at once (one bulk INSERT, one UPDATE of balances per chunk), so the
memory stays flat whatever the file's size. What a row's checks need from the rows before it
(the first line of each reference, the running balances and amounts paid) is carried from
batch to batch, so the errors are those of reading the whole file at once; the one
transaction keeps the import all-or-nothing (a file refused halfway leaves nothing written).

A payments row for a PaymentGUID already imported is a status change when the payment was
approved and the row says voided or reversed (its PaymentMessage may change with it): the
payment's balance effect is undone once and outbound files report it (exports.runs). The same
row again is "already imported"; any other difference is an error naming the field.
"""
import codecs
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from billers.limits import fits, largest
from billers.models import Biller
from exports.activity_formats import ACTIVITY_FORMATS, CHANGE_VALUES, PAYMENTS
from exports.bulk import add_to_column, insert_rows
from exports.guids import fill_generated_references, new_payment_reference
from ingest.formats import FieldError, FileRefused
from ingest.formats.converters import ConversionError
from ingest.formats.readers import read_csv
from ledger.models import Account, Invoice, Payment, PaymentStatus

CHUNK = 500
BATCH = 2_000  # rows read, checked and written together
READ_BYTES = 256 * 1024
KINDS = ACTIVITY_FORMATS


def error_json(error):
    """An activity error in the command's JSON: its line, field and whole message."""
    return {"line": error.line, "field": error.field, "message": str(error)}


@dataclass
class Validation:
    kind: object  # exports.activity_formats.ActivityFormat
    rows: int = 0
    valid: list = field(default_factory=list)  # (line, {attr: value}, AccountRow)
    changes: list = field(default_factory=list)  # (line, stored Payment, {attr: value}): status changes
    errors: list = field(default_factory=list)  # FieldError, in line order

    @property
    def error_lines(self):
        return sorted({error.line for error in self.errors})


@dataclass
class ImportResult:
    kind: str
    biller: str
    rows: int
    imported: int
    errors: list
    objects: list = field(default_factory=list, repr=False)  # the rows written
    changed_objects: list = field(default_factory=list, repr=False)  # payments voided or reversed by a later row

    @property
    def changed(self):
        return len(self.changed_objects)

    def to_json(self):
        return {"kind": self.kind, "biller": self.biller, "rows": self.rows, "imported": self.imported,
                "changed": self.changed,
                "error_rows": len({e.line for e in self.errors}), "errors": [error_json(e) for e in self.errors]}


def get_kind(name):
    try:
        return KINDS[name]
    except KeyError:
        raise FileRefused(f"unknown activity {name!r} (one of: {', '.join(KINDS)})") from None


def decode(data):
    """The file's text: UTF-8 only (IC writes these files), a BOM dropped."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileRefused(f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})") from None


def stream_text(data):
    """The file's text in chunks: `data` is text, bytes or a binary file object (read in
    blocks, never whole). UTF-8 only, a BOM dropped; a byte that is not UTF-8 is FileRefused
    with its offset in the file, as `decode` says it."""
    if isinstance(data, (str, bytes, bytearray)):
        yield decode(bytes(data) if isinstance(data, bytearray) else data)
        return
    decoder, offset, first, bom = codecs.getincrementaldecoder("utf-8")(), 0, True, 0
    while True:
        block = data.read(READ_BYTES)
        if offset == 0 and block.startswith(codecs.BOM_UTF8):
            bom = len(codecs.BOM_UTF8)  # offsets count from after it, as decode's do
        pending = len(decoder.getstate()[0]) + bom
        try:
            text = decoder.decode(block, final=not block)
        except UnicodeDecodeError as exc:
            raise FileRefused(f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset "
                              f"{offset - pending + exc.start})") from None
        offset += len(block)
        if first and text:
            text, first = text.removeprefix("\ufeff"), False
        if text:
            yield text
        if not block:
            return


def normalize(name):
    return "".join(name.split()).replace("_", "").casefold()


def read_header(kind, cells):
    """Map each column position to its Field; refuse unknown, repeated or missing columns."""
    by_name = {normalize(f.source.name): f for f in kind.fields}
    names = ", ".join(f.source.name for f in kind.fields)
    columns, seen = [], set()
    for cell in cells:
        spec = by_name.get(normalize(cell))
        if spec is None:
            raise FileRefused(f"line 1: unknown column {cell!r} (columns of {kind.name}: {names})")
        if spec.name in seen:
            raise FileRefused(f"line 1: column {spec.source.name!r} appears twice")
        seen.add(spec.name)
        columns.append(spec)
    missing = [f.source.name for f in kind.fields if f.required and f.name not in seen]
    if missing:
        raise FileRefused(f"line 1: missing column {missing[0]!r} (required: "
                          f"{', '.join(f.source.name for f in kind.fields if f.required)})")
    return columns


def convert_row(columns, cells, line):
    """{attr: value} of the row's non-blank cells, and a FieldError per bad or missing value."""
    values, errors = {}, []
    for spec, raw in zip(columns, cells):
        if not raw.strip():
            if spec.required:
                errors.append(FieldError(spec.source.name, "a value is required", line))
            continue
        try:
            values[spec.name] = spec.converter.clean(raw)
        except ConversionError as exc:
            errors.append(FieldError(spec.source.name, str(exc), line))
    return values, errors


def check_change_value(values, line):
    kind, value = values.get("kind"), values.get("value", "")
    if kind is None:
        return []
    if kind not in CHANGE_VALUES:
        return [FieldError("Value", f"{value!r} must be blank for {kind}", line)] if value else []
    if not value:
        return [FieldError("Value", f"the new {kind} is required for {kind}", line)]
    try:
        CHANGE_VALUES[kind].clean(value)
    except ConversionError as exc:
        return [FieldError("Value", str(exc), line)]
    return []


class AccountRow(NamedTuple):
    """What the import needs of an account (plain values, not a model instance)."""
    pk: int
    current_balance: Decimal
    customer_name: str


def chunks(items, size=CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


def lookup(model, biller, key, keys, attrs):
    """(key, *attrs) of the biller's `model` rows whose `key` (unique per biller) is among
    `keys`, one query per batch.

    PostgreSQL: one index probe per key (a LATERAL subquery with LIMIT 1, which the planner
    cannot turn into a join). Given `key IN (...)`, it planned by its guesses: a table without
    statistics (a fresh one, or the payments this import has just written) looked to hold a
    few rows of the biller, so it read all of the biller's rows through the biller index for
    each lookup; with statistics, a list of 2,000 keys was a scan of the whole table (60 ms
    for 2,000 accounts of 100,000 against 0.7 ms for 500 keys through the index)."""
    keys = list(set(keys))
    if not keys:
        return []
    if connection.vendor != "postgresql":
        rows = []
        for chunk in chunks(keys):
            rows += model.objects.filter(biller=biller, **{f"{key}__in": chunk}).values_list(key, *attrs)
        return rows
    meta, qn = model._meta, connection.ops.quote_name
    columns = ", ".join(f"t.{qn((meta.pk if attr == 'pk' else meta.get_field(attr)).column)}" for attr in attrs)
    sql = (f"SELECT v.key, {', '.join(f'x.c{i}' for i in range(len(attrs)))} FROM unnest(%s::text[]) AS v(key) "
           f"CROSS JOIN LATERAL (SELECT {columns} FROM {qn(meta.db_table)} AS t "
           f"WHERE t.{qn(meta.get_field('biller').column)} = %s AND t.{qn(meta.get_field(key).column)} = v.key "
           f"LIMIT 1) AS x({', '.join(f'c{i}' for i in range(len(attrs)))})")
    with connection.cursor() as cursor:
        cursor.execute(sql, [keys, biller.pk])
        return cursor.fetchall()


def find_accounts(biller, numbers):
    """{account number: AccountRow} of the biller's accounts among `numbers`."""
    return {number: AccountRow(*values) for number, *values in lookup(
        Account, biller, "account_number", numbers, ("pk", "current_balance", "customer_name"))}


def find_existing(kind, biller, references):
    """{reference: stored row} of the references already imported for the biller: which ones
    are is looked up first (a new file's are none), then the stored rows of those found, with
    their account."""
    found = [reference for reference, _ in lookup(kind.model, biller, kind.reference, references, ("pk",))]
    existing = {}
    for chunk in chunks(found):
        existing.update((getattr(row, kind.reference), row) for row in kind.model.objects.filter(
            biller=biller, **{f"{kind.reference}__in": chunk}).select_related("account"))
    return existing


CHANGEABLE = ("status", "payment_message")  # what a later row of a payment may change
NEXT_STATUSES = {PaymentStatus.APPROVED: (PaymentStatus.VOIDED, PaymentStatus.REVERSED)}


def stored_value(payment, attr):
    return payment.account.account_number if attr == "account_number" else getattr(payment, attr)


def differs(line, column, raw, payment, stored):
    return [FieldError(column, f"{raw!r} differs from the imported payment {payment.payment_guid} ({stored}); "
                                   f"a later row may change only Status and PaymentMessage", line)]


def check_later_row(payment, values, raw, line):
    """A row for a payment already imported: "same", "change" (approved to voided or
    reversed) or a list of FieldError naming the first field that differs."""
    for spec in PAYMENTS.fields:
        if spec.name in values and spec.name not in CHANGEABLE:
            stored = stored_value(payment, spec.name)
            if values[spec.name] != stored:
                return differs(line, spec.source.name, raw[spec.name], payment, stored)
    if values["status"] == payment.status:
        message = values.get("payment_message", payment.payment_message)
        if message != payment.payment_message:
            return differs(line, "PaymentMessage", message, payment, payment.payment_message)
        return "same"
    if values["status"] not in NEXT_STATUSES.get(payment.status, ()):
        return [FieldError("Status", f"{raw['status']!r} cannot follow {payment.status} for the imported "
                                         f"payment {payment.payment_guid} (an approved payment may become voided "
                                         f"or reversed)", line)]
    return "change"


def read_columns(kind, rows):
    """The header row's Fields (column by column); FileRefused for no or a bad header."""
    header = next(rows, None)
    if header is None:
        raise FileRefused("empty file: no header row")
    if header.error:
        raise FileRefused(f"line 1: not valid CSV ({header.error})")
    return read_header(kind, header.fields)


def check_header(kind_name, data):
    """Refuse a file whose encoding or header is unusable, reading only its first row."""
    return read_columns(get_kind(kind_name), read_csv(decode(data)))


@dataclass
class Carried:
    """What a row's checks need from the rows before it, carried from batch to batch."""
    first_line: dict = field(default_factory=dict)  # reference -> the line it first appears on
    balances: dict = field(default_factory=dict)    # account pk -> balance after the rows so far
    paid: dict = field(default_factory=dict)        # invoice number -> amount paid after the rows so far


def batches(rows, size=None):
    while batch := list(islice(rows, size or BATCH)):
        yield batch


def validate(kind_name, biller, data, sink=None):
    """Read and check the whole file; no writes. Raises FileRefused for the file as a whole.
    A quoted value may hold line breaks (RFC 4180, as IC writes these files); a row with a
    broken quote is one error on the line it starts and reading goes on after it.

    `data`: text, bytes or a binary file object (read as a stream). Without `sink` the valid
    rows are kept in `.valid`; with it, `sink(valid rows)` is called per batch of the file (in
    file order) and they are not kept: `import_activity` writes them as they come."""
    kind = get_kind(kind_name)
    rows = read_csv(stream_text(data))
    columns = read_columns(kind, rows)
    result, carried = Validation(kind), Carried()
    for batch in batches(rows):
        valid = check_batch(kind, biller, columns, batch, result, carried)
        if sink is None:
            result.valid.extend(valid)
        else:
            sink(valid)
    result.errors.sort(key=lambda e: e.line)
    return result


def check_batch(kind, biller, columns, batch, result, carried):
    """Check one batch of rows (a few queries for all of them); add their errors and status
    changes to `result` and return their valid rows, (line, {attr: value}, account)."""
    parsed = []
    for row in batch:
        line, cells = row.line, row.fields
        result.rows += 1
        if row.error:
            result.errors.append(FieldError(None, f"not valid CSV ({row.error})", line))
            continue
        if len(cells) != len(columns):
            result.errors.append(FieldError(None, f"expected {len(columns)} values (one per column), "
                                                        f"found {len(cells)}", line))
            continue
        values, errors = convert_row(columns, cells, line)
        if kind.name == "changes":
            errors += check_change_value(values, line)
        parsed.append((line, values, cells, errors))
    accounts = find_accounts(biller, (v["account_number"] for _, v, _, _ in parsed if "account_number" in v))
    existing = find_existing(kind, biller, (v[kind.reference] for _, v, _, _ in parsed
                                            if kind.reference in v and v[kind.reference] not in carried.first_line)
                             ) if kind.reference else {}
    first_line, valid = carried.first_line, []
    for line, values, cells, errors in parsed:
        number = values.get("account_number")
        if number is not None and number not in accounts:
            errors.append(FieldError("AccountNumber", f"{number!r} is not an account of biller {biller.slug}", line))
        reference = values.get(kind.reference) if kind.reference else None
        later = None
        if reference is not None:
            column = kind.column_of(kind.reference)
            if reference in first_line:
                errors.append(FieldError(column, f"{reference!r} repeats line {first_line[reference]}", line))
            else:
                first_line[reference] = line
                if reference in existing:
                    later = "same"  # rejects, and rows with errors of their own: "already imported"
                    if kind.name == "payments" and not errors:
                        raw = {spec.name: cell.strip() for spec, cell in zip(columns, cells)}
                        later = check_later_row(existing[reference], values, raw, line)
                    if later == "same":
                        errors.append(FieldError(column, f"{reference!r} was already imported", line))
                    elif later != "change":
                        errors.extend(later)
        if errors:
            result.errors.extend(errors)
        elif later == "change":
            result.changes.append((line, existing[reference], values))
        else:
            valid.append((line, values, accounts[number]))
    return check_balances(kind, biller, valid, result, carried)


def check_balances(kind, biller, valid, result, carried):
    """An approved payment that would take its account's balance, or its invoice's amount
    paid, past the column is an error on its row naming the value and the limit (in file
    order), instead of a database overflow failing the whole import. Returns the rows that fit."""
    if kind.name != "payments":
        return valid
    balances, paid = carried.balances, carried.paid
    numbers = {values.get("invoice_number") for _, values, _ in valid} - {"", None} - set(paid)
    paid.update(lookup(Invoice, biller, "invoice_number", numbers, ("amount_paid",)))
    fitting = []
    for line, values, account in valid:
        if values["status"] == PaymentStatus.APPROVED:
            balance = balances.get(account.pk, account.current_balance) - values["amount"]
            number = values.get("invoice_number")
            amount_paid = paid[number] + values["amount"] if number in paid else None
            if not fits(balance, Account, "current_balance"):
                result.errors.append(FieldError("PaymentAmount", LIMIT_MESSAGE.format(
                    what="the account's balance", value=f"{balance:.2f}", limit=largest(Account, "current_balance")), line))
                continue
            if not fits(amount_paid, Invoice, "amount_paid"):
                result.errors.append(FieldError("PaymentAmount", LIMIT_MESSAGE.format(
                    what=f"invoice {number}'s amount paid", value=f"{amount_paid:.2f}",
                    limit=largest(Invoice, "amount_paid")), line))
                continue
            balances[account.pk] = balance
            if amount_paid is not None:
                paid[number] = amount_paid
        fitting.append((line, values, account))
    return fitting


LIMIT_MESSAGE = "after this payment {what} would be {value}; it holds at most {limit} either way"


def build(kind, biller, values, account, user):
    values = {k: v for k, v in values.items() if k != "account_number"}
    if kind.name == "payments":
        values.setdefault("customer_name", account.customer_name)
        values["balance_lowered"] = values["status"] == PaymentStatus.APPROVED
        values["entered_by"] = user
    return kind.model(biller=biller, account_id=account.pk, **values)


def change_balances(amounts):
    """Subtract {account_id: amount} from the balances, set-based (exports.bulk)."""
    add_to_column(Account, "current_balance", [Account._meta.pk.name], [(pk, -amount) for pk, amount in amounts.items() if amount])


def change_amounts_paid(biller_id, amounts):
    """Add {invoice_number: amount} to the biller's invoices' amount paid (an invoice with
    payments is never replaced by a later load); numbers without an invoice are left alone."""
    add_to_column(Invoice, "amount_paid", ["biller", "invoice_number"],
                  [(biller_id, n, a) for n, a in amounts.items() if n and a])


def apply_payments(payments, sign=1):
    """Take approved payments off their accounts' balances and add them to their invoices'
    amount paid (sign=-1 puts them back, for a void). In the database, a few UPDATEs in all."""
    by_biller = defaultdict(list)
    for payment in payments:
        by_biller[payment.biller_id].append((payment.account_id, payment.invoice_number, sign * payment.amount))
    for biller_id, amounts in by_biller.items():
        apply_amounts(biller_id, amounts)


def apply_amounts(biller_id, amounts):
    """`apply_payments` of the biller's (account pk, invoice number, amount) triples."""
    by_account, by_invoice = defaultdict(Decimal), defaultdict(Decimal)
    for account_id, number, amount in amounts:
        by_account[account_id] += amount
        by_invoice[number] += amount
    change_balances(by_account)
    change_amounts_paid(biller_id, by_invoice)


def change_statuses(changes, user, now):
    """Void or reverse approved payments ((line, payment, values) of later rows) and undo
    their balance effect once; returns the payments changed and the FieldErrors of payments no longer approved (voided
    in the admin meanwhile: locked rows are read again)."""
    locked = {p.pk: p for p in Payment.objects.select_for_update().filter(
        pk__in=[payment.pk for _, payment, _ in changes], status=PaymentStatus.APPROVED)}
    changed, undo, errors = [], [], []
    for line, payment, values in changes:
        current = locked.get(payment.pk)
        if current is None:
            errors.append(FieldError("Status", f"{payment.payment_guid} is no longer approved (voided "
                                                   f"meanwhile); not changed", line))
            continue
        if current.balance_lowered:
            undo.append(current)
        current.status, current.voided_at, current.voided_by = values["status"], now, user
        current.payment_message = values.get("payment_message", current.payment_message)
        current.balance_lowered = False
        changed.append(current)
    Payment.objects.bulk_update(changed, ["status", "payment_message", "voided_at", "voided_by", "balance_lowered"],
                                batch_size=CHUNK)
    apply_payments(undo, sign=-1)
    return changed, errors


def import_activity(kind_name, biller, data, user=None, now=None, keep_objects=True):
    """Validate and import the valid rows, all in one transaction; approved payments lower
    their account's balance, and later rows void or reverse payments (at `now`). Returns an
    ImportResult; raises FileRefused. `data`: text, bytes or a binary file object (streamed:
    each batch of valid rows is written as it is read). `keep_objects=False` leaves the rows
    written out of the result (`.objects` empty, `.imported` counts them): flat memory, and
    the rows are written without model instances (`Written`)."""
    kind = get_kind(kind_name)
    with transaction.atomic():
        Biller.objects.select_for_update().filter(pk=biller.pk).exists()  # one import per biller at a time
        written = Written(kind, biller, user, keep_objects)
        checked = validate(kind.name, biller, data, written)
        written.finish()
        changed, errors = change_statuses(checked.changes, user, now or timezone.now()) if checked.changes else ([], [])
    errors = sorted(checked.errors + errors, key=lambda e: e.line)
    return ImportResult(kind.name, biller.slug, checked.rows, written.count, errors, written.objects, changed)


class Written:
    """The sink of `validate` when importing: writes each batch of valid rows at once.

    Kept objects (the admin's import, which shows them): model instances, `bulk_create`.
    Otherwise (`manage.py import_activity`) each row's column values are made from the
    converted values, the model's defaults and the generated references, and the batch is
    inserted without instances (`exports.bulk.insert_rows`: one COPY on PostgreSQL). Either
    way the approved payments' amounts go to `PaidAmounts`, which takes them off the
    balances and adds them to the invoices' amounts paid (`finish`)."""

    def __init__(self, kind, biller, user, keep_objects):
        self.kind, self.biller, self.user, self.keep = kind, biller, user, keep_objects
        self.count, self.objects = 0, []
        self.amounts = PaidAmounts(biller.pk) if kind.name == "payments" else None
        fields = [f for f in kind.model._meta.concrete_fields if not f.primary_key]
        self.attrs = [f.name for f in fields]
        self.defaults = {f.name: f.get_default() for f in fields}
        self.defaults.update(biller=biller.pk, created_at=timezone.now())
        if kind.name == "payments":
            self.defaults["entered_by"] = user.pk if user is not None else None

    def __call__(self, valid):
        if not valid:
            return
        kind = self.kind
        if self.keep:
            objects = [build(kind, self.biller, values, account, self.user) for _, values, account in valid]
            if kind.name == "payments":
                fill_generated_references(objects)
            kind.model.objects.bulk_create(objects, batch_size=CHUNK)
            self.objects.extend(objects)
            if kind.name == "payments":
                self.amounts.add((p.account_id, p.invoice_number, p.amount) for p in objects if p.balance_lowered)
        else:
            rows = self.payment_rows(valid) if kind.name == "payments" else self.rows(valid)
            insert_rows(kind.model, self.attrs, rows)
        self.count += len(valid)

    def rows(self, valid):
        """The rows' column values (tuples in the order of `attrs`)."""
        attrs, defaults = self.attrs, self.defaults
        rows = []
        for _, values, account in valid:
            row = dict(defaults)
            row.update(values)
            row["account"] = account.pk
            rows.append(tuple([row[attr] for attr in attrs]))
        return rows

    def payment_rows(self, valid):
        """The payments' column values, as `build` and `fill_generated_references` make them
        (tests/exports/test_activity_written.py compares the two); their approved amounts go
        to `amounts`."""
        attrs, defaults, approved = self.attrs, self.defaults, PaymentStatus.APPROVED
        guids = invoice_guids(self.biller, {values["invoice_number"] for _, values, _ in valid
                                            if values.get("invoice_number") and not values.get("invoice_guid")})
        rows, lowered = [], []
        for _, values, account in valid:
            row = dict(defaults)
            row.update(values)
            number = row["invoice_number"]
            row["account"] = account.pk
            if "customer_name" not in values:
                row["customer_name"] = account.customer_name
            if not row["payment_guid"]:
                row["payment_guid"] = str(uuid.uuid4())
            if not row["payment_reference"]:
                row["payment_reference"] = new_payment_reference()
            if not row["invoice_guid"]:
                row["invoice_guid"] = guids.get(number, "")
            if values["status"] == approved:
                row["balance_lowered"] = True
                lowered.append((account.pk, number, values["amount"]))
            rows.append(tuple([row[attr] for attr in attrs]))
        self.amounts.add(lowered)
        return rows

    def finish(self):
        if self.amounts is not None:
            self.amounts.apply()


def invoice_guids(biller, numbers):
    """{invoice number: its GUID (text)} of the biller's invoices among `numbers`."""
    return {number: str(guid) for number, guid in lookup(Invoice, biller, "invoice_number", numbers, ("guid",))}


class PaidAmounts:
    """Approved payments' amounts, taken off their accounts' balances and added to their
    invoices' amounts paid. PostgreSQL: each batch's (account, invoice number, amount) go
    into a temporary table by COPY, and `apply` makes two set-based UPDATEs of the sums for
    the whole file (in the import's transaction: the checks carry the running balances and
    amounts paid themselves, so nothing reads them in between). SQLite (in process, no round
    trips): `apply_payments`' UPDATEs, batch by batch."""

    TABLE = "activity_paid_amounts"

    def __init__(self, biller_id):
        self.biller_id = biller_id
        self.postgresql = connection.vendor == "postgresql"
        self.created = False

    def add(self, rows):
        """(account pk, invoice number, amount) of approved payments."""
        if not self.postgresql:
            apply_amounts(self.biller_id, rows)
            return
        with connection.cursor() as cursor:
            if not self.created:
                cursor.execute(f"CREATE TEMPORARY TABLE {self.TABLE} (account_id bigint NOT NULL, "
                               f"invoice_number text NOT NULL, amount numeric NOT NULL) ON COMMIT DROP")
                self.created = True
            with cursor.copy(f"COPY {self.TABLE} (account_id, invoice_number, amount) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)

    def apply(self):
        if not self.created:
            return
        qn = connection.ops.quote_name
        account, balance = Account._meta, qn(Account._meta.get_field("current_balance").column)
        invoice, paid = Invoice._meta, qn(Invoice._meta.get_field("amount_paid").column)
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {self.TABLE}")
            cursor.execute(
                f"UPDATE {qn(account.db_table)} AS a SET {balance} = a.{balance} - s.amount "
                f"FROM (SELECT account_id, sum(amount) AS amount FROM {self.TABLE} GROUP BY account_id) AS s "
                f"WHERE a.{qn(account.pk.column)} = s.account_id AND s.amount <> 0")
            cursor.execute(
                f"UPDATE {qn(invoice.db_table)} AS i SET {paid} = i.{paid} + s.amount "
                f"FROM (SELECT invoice_number, sum(amount) AS amount FROM {self.TABLE} WHERE invoice_number <> '' "
                f"GROUP BY invoice_number) AS s "
                f"WHERE i.{qn(invoice.get_field('biller').column)} = %s "
                f"AND i.{qn(invoice.get_field('invoice_number').column)} = s.invoice_number AND s.amount <> 0",
                [self.biller_id])
            cursor.execute(f"DROP TABLE {self.TABLE}")
        self.created = False
