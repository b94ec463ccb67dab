"""What a batch of ok records does to the biller's ledger: one classification for both the
preview (nothing written) and the load (the same objects are then bulk-written).

A batch costs a fixed number of queries (accounts, invoices, their detail lines), whatever
its size; nothing here queries per record.
"""
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from billers.limits import fits, largest
from ingest.mapping import DETAIL_FIELDS, account_values, detail_rows, differs, invoice_balance, invoice_values
from ingest.models import Action, AdjustmentApplied
from ledger.models import Account, Invoice, InvoiceDetail

PAID_MESSAGE = "invoice {number} already has payments ({paid} paid); a load never replaces it"
NOT_FOUND_MESSAGE = "account not found: the biller has no account {number}"
BALANCE_LIMIT_MESSAGE = "the balance after this adjustment would be {new}; a balance holds at most {limit} either way"


@dataclass
class Conflict:
    record: object
    field: str
    message: str


@dataclass
class Batch:
    """The outcome of one batch: per-record actions, conflicts and the objects to write."""

    records: list
    conflicts: list = field(default_factory=list)
    accounts_to_create: dict = field(default_factory=dict)
    accounts_to_update: dict = field(default_factory=dict)
    invoices_to_create: list = field(default_factory=list)
    invoices_to_update: list = field(default_factory=list)
    details: list = field(default_factory=list)        # (invoice, rows)
    adjustments: list = field(default_factory=list)    # (record, account, previous, new)


def _lock(queryset, lock):
    return queryset.select_for_update() if lock else queryset


class InvoiceClassifier:
    def __init__(self, load, lock=False):
        self.load, self.biller, self.lock = load, load.biller, lock
        self.planned_new = set()   # preview only: accounts an earlier batch will create

    def classify(self, records):
        batch = Batch(records)
        numbers = {r.account_number for r in records}
        accounts = {a.account_number: a for a in _lock(
            Account.objects.filter(biller=self.biller, account_number__in=numbers), self.lock)}
        invoices = {i.invoice_number: i for i in _lock(Invoice.objects.filter(
            biller=self.biller, invoice_number__in=[r.invoice_number for r in records]), self.lock)}
        existing_details = {}
        for row in InvoiceDetail.objects.filter(invoice__in=invoices.values()).order_by(
                "invoice_id", "position").values_list("invoice_id", *DETAIL_FIELDS):
            existing_details.setdefault(row[0], []).append(tuple(row[1:]))
        now = timezone.now()
        for record in records:
            self._classify_one(batch, record, accounts, invoices, existing_details, now)
        return batch

    def _classify_one(self, batch, record, accounts, invoices, existing_details, now):
        number = record.account_number
        values = invoice_values(record.data.get("invoice") or {})
        details = detail_rows(record.data.get("details"))
        invoice = invoices.get(record.invoice_number)
        account = accounts.get(number)
        account_fields = account_values(record.data.get("customer") or {})
        if invoice is None:
            invoice_action = Action.NEW
        elif (differs(invoice, values) or invoice.account_id != getattr(account, "pk", None)
              or existing_details.get(invoice.pk, []) != details):
            invoice_action = Action.UPDATED
        else:
            invoice_action = Action.UNCHANGED
        if invoice_action == Action.UPDATED and invoice.amount_paid > 0:
            batch.conflicts.append(Conflict(record, "InvoiceNumber", PAID_MESSAGE.format(
                number=invoice.invoice_number, paid=invoice.amount_paid)))
            return
        written = invoice_action != Action.UNCHANGED
        if written:
            account_fields["current_balance"] = invoice_balance(values)
        if account is None:
            account = Account(biller=self.biller, account_number=number, **account_fields)
            accounts[number] = account
            batch.accounts_to_create[number] = account
            record.account_action = Action.UPDATED if number in self.planned_new else Action.NEW
            self.planned_new.add(number)
        elif differs(account, account_fields):
            for name, value in account_fields.items():
                setattr(account, name, value)
            account.updated_at = now
            if number not in batch.accounts_to_create:
                batch.accounts_to_update[number] = account
            record.account_action = Action.UPDATED
        else:
            record.account_action = Action.UNCHANGED
        record.invoice_action = invoice_action
        if not written:
            return
        if invoice is None:
            invoice = Invoice(biller=self.biller, invoice_number=record.invoice_number, **values)
            batch.invoices_to_create.append(invoice)
        else:
            for name, value in values.items():
                setattr(invoice, name, value)
            invoice.updated_at = now
            batch.invoices_to_update.append(invoice)
        invoice.account = account
        invoice.written_by_load = self.load.pk
        batch.details.append((invoice, details))


class AdjustmentClassifier:
    def __init__(self, load, lock=False):
        self.load, self.biller, self.lock = load, load.biller, lock

    def classify(self, records):
        batch = Batch(records)
        accounts = {a.account_number: a for a in _lock(Account.objects.filter(
            biller=self.biller, account_number__in={r.account_number for r in records}), self.lock)}
        now = timezone.now()
        for record in records:
            account = accounts.get(record.account_number)
            if account is None:
                batch.conflicts.append(Conflict(record, "AccountNumber",
                                                NOT_FOUND_MESSAGE.format(number=record.account_number)))
                continue
            adjustment = record.data["adjustment"]
            amount = Decimal(adjustment["AdjustmentAmount"])
            previous = account.current_balance
            new = amount if int(adjustment["AdjustmentTypeID"]) == 2 else previous + amount
            if not balance_fits(previous, new):
                batch.conflicts.append(Conflict(record, "AdjustmentAmount", BALANCE_LIMIT_MESSAGE.format(
                    new=f"{new:.2f}", limit=f"{largest(Account, 'current_balance'):.2f}")))
                continue
            record.balance = {"previous": f"{previous:.2f}", "new": f"{new:.2f}",
                              "difference": f"{new - previous:.2f}"}
            record.account_action = Action.UPDATED if new != previous else Action.UNCHANGED
            if new != previous:
                account.current_balance = new
                account.updated_at = now
                batch.accounts_to_update[account.account_number] = account
            batch.adjustments.append((record, account, previous, new))
        return batch


def balance_fits(previous, new):
    """The balance after an adjustment, and its difference, fit their columns."""
    return (fits(new, Account, "current_balance") and fits(new, AdjustmentApplied, "new_balance")
            and fits(new - previous, AdjustmentApplied, "difference"))


def classifier_for(load, lock=False):
    cls = InvoiceClassifier if load.file_format.kind == "invoice" else AdjustmentClassifier
    return cls(load, lock)
