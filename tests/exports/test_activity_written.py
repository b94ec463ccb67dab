"""The import's two ways of writing a batch give the same ledger: model instances through
`bulk_create` (kept objects, the admin's import) and column values without instances
(`keep_objects=False`, `manage.py import_activity`: one COPY per batch on PostgreSQL), with the
approved amounts applied per batch (SQLite) or per file from a temporary table (PostgreSQL).
Same stored rows (every column but the primary key and the creation time; generated
references are random, so only their shape and uniqueness are compared), same balances, same
amounts paid, same errors."""
import datetime
import re
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exports import activity
from exports.activity import import_activity
from ledger.models import Account, Invoice
from tests.exports.test_activity_properties import csv_with_lines, rows_for
from tests.support.activity import make_csv, payment_row

GENERATED = {"payment_guid": re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}"),
             "payment_reference": re.compile(r"[0-9A-F]{16}")}
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

payments = st.lists(st.builds(
    lambda account, invoice, guid, name, status, amount, fee, reference, invoice_guid: payment_row(
        AccountNumber=account, InvoiceNumber=invoice, PaymentGUID=guid, CustomerName=name, Status=status,
        PaymentAmount=amount, ConvenienceFee=fee, PaymentReference=reference, InvoiceGUID=invoice_guid),
    account=st.sampled_from(["1001", "1002", "1003", "9999"]), invoice=st.sampled_from(["", "INV-1", "INV-2", "INV-9"]),
    guid=st.sampled_from(["", "", "p-1", "p-2"]) | st.uuids().map(str), name=st.sampled_from(["", "Someone, Jr."]),
    status=st.sampled_from(["approved", "approved", "declined"]),
    amount=st.decimals(min_value=0, max_value=1000, places=2).map(str), fee=st.sampled_from(["", "1.50"]),
    reference=st.sampled_from(["", "R-1"]), invoice_guid=st.sampled_from(["", "given-guid"])), max_size=12)


@pytest.fixture
def invoices(watersmart):
    account = Account.objects.get(biller=watersmart, account_number="1001")
    return {number: Invoice.objects.create(
        biller=watersmart, account=account, invoice_number=number, invoice_date=datetime.date(2025, 3, 1),
        due_date=datetime.date(2025, 3, 20), total_amount_due=Decimal("100.00"), invoice_type_id=1)
        for number in ("INV-1", "INV-2")}


def ledger_after(kind, biller, text, keep_objects, batch):
    """What an import leaves (rolled back afterwards): the stored rows' columns, the balances,
    the amounts paid and the errors."""
    with transaction.atomic():
        result = import_activity(kind, biller, text, keep_objects=keep_objects)
        model = activity.get_kind(kind).model
        skip = {model._meta.pk.attname, "created_at"}
        columns = [f.attname for f in model._meta.concrete_fields if f.attname not in skip]
        rows = sorted((tuple(row[c] for c in columns) for row in model.objects.filter(biller=biller).values(*columns)),
                      key=repr)
        for at, column in enumerate(columns):
            if column in GENERATED:  # random: its shape here, uniqueness below
                values = [row[at] for row in rows if GENERATED[column].fullmatch(row[at])]
                assert len(set(values)) == len(values)
                rows = [row[:at] + (row[at] if not GENERATED[column].fullmatch(row[at]) else "generated",) + row[at + 1:]
                        for row in rows]
        balances = sorted(Account.objects.filter(biller=biller).values_list("account_number", "current_balance"))
        paid = sorted(Invoice.objects.filter(biller=biller).values_list("invoice_number", "amount_paid"))
        errors = [(e.line, e.field, str(e)) for e in result.errors]
        transaction.set_rollback(True)
    return sorted(rows, key=repr), balances, paid, errors, result.imported, result.rows


def same_both_ways(kind, biller, text, monkeypatch, batch):
    monkeypatch.setattr(activity, "BATCH", batch)
    kept = ledger_after(kind, biller, text, True, batch)
    written = ledger_after(kind, biller, text, False, batch)
    assert written == kept
    return written


@SETTINGS
@given(rows=payments, batch=st.sampled_from([1, 3, 2000]))
def test_payments_written_without_instances_are_the_ones_bulk_create_writes(watersmart, invoices, monkeypatch,
                                                                            rows, batch):
    same_both_ways("payments", watersmart, make_csv("payments", rows), monkeypatch, batch)


@SETTINGS
@given(rows=rows_for("payments"), batch=st.sampled_from([2, 2000]))
def test_any_payment_rows_give_the_same_ledger_both_ways(watersmart, invoices, monkeypatch, rows, batch):
    same_both_ways("payments", watersmart, csv_with_lines("payments", rows)[0], monkeypatch, batch)


@SETTINGS
@given(kind=st.sampled_from(["rejects", "changes"]), data=st.data())
def test_rejects_and_changes_the_same_both_ways(watersmart, monkeypatch, kind, data):
    rows = data.draw(rows_for(kind))
    same_both_ways(kind, watersmart, csv_with_lines(kind, rows)[0], monkeypatch, 2)


def test_a_file_of_payments_lowers_balances_and_fills_invoice_guids(watersmart, invoices, monkeypatch):
    rows = [payment_row(PaymentGUID=f"p-{n}", InvoiceNumber="INV-1" if n % 2 else "INV-2",
                        AccountNumber=f"100{n % 3 + 1}", PaymentAmount="2.50",
                        Status="declined" if n % 5 == 4 else "approved") for n in range(30)]
    stored, balances, paid, errors, imported, _ = same_both_ways("payments", watersmart, make_csv("payments", rows),
                                                                monkeypatch, 7)
    assert (imported, errors) == (30, [])
    assert balances == [("1001", Decimal("80.00")), ("1002", Decimal("80.00")), ("1003", Decimal("80.00"))]
    assert paid == [("INV-1", Decimal("30.00")), ("INV-2", Decimal("30.00"))]
    stored_guids = {value for row in stored for value in row if isinstance(value, str)}
    assert {str(invoice.guid) for invoice in invoices.values()} <= stored_guids  # the InvoiceGUIDs filled in
