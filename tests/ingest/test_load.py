"""What a load writes: exactly the ok records' accounts and invoices (with BIF values), the
balances of FORMATS.md 5.3, new / updated / unchanged invoices, and paid invoices kept."""
import datetime
import json
from decimal import Decimal

from billers.demo import demo_guid
from ingest.models import AdjustmentApplied
from ledger.models import Account, Invoice, InvoiceDetail
from tests.support.loadkit import approve, demo, load_file, login, sample, shared, upload  # noqa: F401

ACCOUNT_KEYS = {"CustomerName": "customer_name", "Address1": "address1", "Address2": "address2", "City": "city",
                "State": "state", "Zip": "zip", "DisplayAccountNumber": "display_account_number",
                "BlockPaymentsCC": "block_payments_cc", "BlockPaymentsEFT": "block_payments_ach"}
INVOICE_KEYS = {"InvoiceDate": "invoice_date", "InvoiceDueDate": "due_date", "TotalAmountDue": "total_amount_due",
                "PastDue": "past_due", "BalanceDue": "balance_due", "InvoiceTypeID": "invoice_type_id",
                "LateFeeAmount": "late_fee_amount", "LateFeeDate": "late_fee_date",
                **{f"Custom{n}": f"custom{n}" for n in range(10, 25)}}


def expected_ok(name):
    data = json.loads(shared("samples", "expected", name).read_text())
    return [r for r in data["records"] if r["status"] == "ok"]


def as_json_value(value):
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def assert_ledger_is(biller, records, minimum, partial, format_guid):
    accounts = {a.account_number: a for a in Account.objects.filter(biller=biller)}
    invoices = {i.invoice_number: i for i in Invoice.objects.filter(biller=biller).select_related("account")}
    assert set(accounts) == {r["customer"]["AccountNumber"] for r in records}
    assert set(invoices) == {r["invoice"]["InvoiceNumber"] for r in records}
    for record in records:
        account = accounts[record["customer"]["AccountNumber"]]
        for key, value in record["customer"].items():
            if key in ACCOUNT_KEYS:
                stored = getattr(account, ACCOUNT_KEYS[key])
                assert stored == (value if value is not None or isinstance(stored, bool) or stored is None else ""), key
        invoice = invoices[record["invoice"]["InvoiceNumber"]]
        assert invoice.account == account
        for key, value in record["invoice"].items():
            if key in INVOICE_KEYS:
                assert as_json_value(getattr(invoice, INVOICE_KEYS[key])) == value, key
        assert invoice.minimum_amount_due == minimum and invoice.allow_partial_payments is partial
        assert invoice.invoice_format_guid == format_guid
        details = list(InvoiceDetail.objects.filter(invoice=invoice).order_by("position")
                       .values_list("description", flat=True))
        assert details == [d["Description"] for d in record["details"]]
        balance = record["invoice"].get("BalanceDue") or record["invoice"]["TotalAmountDue"]
        assert f"{account.current_balance:.2f}" == balance


def test_it_holds_exactly_the_ok_records_after_the_watersmart_and_incode_samples(demo):
    load_file("demo-watersmart", "watersmart.invoice", "watersmart_invoice.csv")
    load_file("demo-incode", "incode.invoice.include_dashes", "incode_invoice.xml")
    # WaterSmart: BIF MinimumAmountDue 5.00 and AllowPartialPayments yes (questionnaire)
    assert_ledger_is(demo["demo-watersmart"], expected_ok("watersmart_invoice.watersmart.invoice.demo-watersmart.json"),
                     Decimal("5.00"), True, None)
    # Incode: no MinimumAmountDue, AllowPartialPayments yes, InvoiceFormatGuid from the BIF
    assert_ledger_is(demo["demo-incode"],
                     expected_ok("incode_invoice.incode.invoice.include_dashes.demo-incode.json"),
                     None, True, demo_guid("demo-incode", "invoice-format"))
    assert Account.objects.filter(biller=demo["demo-incode-basic"]).count() == 0


def test_it_writes_the_detail_lines_of_skip_landlord_invoices(demo):
    load_file("demo-incode", "incode.invoice.skip_landlord", "incode_invoice.xml")
    invoice = Invoice.objects.get(invoice_number="20210630UB10100262501")
    rows = list(invoice.details.values_list("position", "description", "custom_field1", "custom_field9"))
    assert rows == [(1, "Utility Invoice", None, None), (2, "Monthly Usage Data", "Jan", None),
                    (3, "Monthly Usage Data", "Feb", None), (4, "Meter Data", None, None),
                    (5, "Tier Data", None, "30.00"), (6, "Tier Data", None, "15.67")]


def test_it_sets_balances_from_the_incode_adjustment_sample_and_reports_unknown_accounts(demo):
    load_file("demo-incode", "incode.invoice.include_dashes", "incode_invoice.xml")
    response, load = upload(login("support"), "demo-incode", "incode.adjustment.include_dashes",
                            sample("incode_adjustment.csv"))
    load.refresh_from_db()
    unknown = load.records.get(line=5)
    assert unknown.status == "error"
    assert unknown.errors[-1] == {"field": "AccountNumber",
                                  "message": "account not found: the biller has no account BT-12345-01"}
    assert load.plan["balances"]["changed"] == 2
    approve(login("support2"), load)
    assert load.status == "loaded"
    applied = {a.account.account_number: (a.adjustment_type_id, a.amount, a.previous_balance, a.new_balance,
                                          a.difference) for a in AdjustmentApplied.objects.filter(load=load)}
    assert applied == {
        "10-1002-62501": (2, Decimal("262.11"), Decimal("262.11"), Decimal("262.11"), Decimal("0.00")),
        "10-1002-62502": (2, Decimal("0.00"), Decimal("80.00"), Decimal("0.00"), Decimal("-80.00")),
        "10-1002-62503": (2, Decimal("-15.00"), Decimal("137.47"), Decimal("-15.00"), Decimal("-152.47")),
    }
    assert not Account.objects.filter(account_number="BT-12345-01").exists()


def test_it_adds_type_1_adjustments_and_sets_type_2(demo):
    load_file("demo-watersmart", "watersmart.invoice", "watersmart_invoice.csv")
    load = load_file("demo-watersmart", "watersmart.adjustment", "watersmart_adjustment.csv")
    applied = {a.account.account_number: (a.previous_balance, a.new_balance, a.difference)
               for a in AdjustmentApplied.objects.filter(load=load)}
    assert applied == {"100234": (Decimal("84.16"), Decimal("64.16"), Decimal("-20.00")),
                       "100235": (Decimal("1204.90"), Decimal("1150.00"), Decimal("-54.90"))}


HEADER = ("AccountNumber,CustomerName,Address1,Address2,City,State,Zip,InvoiceDate,InvoiceDueDate,"
          "TotalAmountDue,PastDue,InvoiceNumber,InvoiceTypeID\n")


def ws_file(tmp_path, name, rows):
    path = tmp_path / name
    path.write_text(HEADER + "".join(f"{account},Name {account},1 Main St,,Fresno,CA,93701,01/15/2025,"
                                     f"02/05/2025,{amount},,{number},1\n" for account, amount, number in rows))
    return path


def test_it_updates_changed_invoices_and_leaves_unchanged_ones_alone(demo, tmp_path):
    support, support2 = login("support"), login("support2")
    _, first = upload(support, "demo-watersmart", "watersmart.invoice",
                      ws_file(tmp_path, "a.csv", [("1001", "10.00", "9001"), ("1002", "20.00", "9002")]))
    approve(support2, first)
    kept = Invoice.objects.get(invoice_number="9001")
    _, second = upload(support, "demo-watersmart", "watersmart.invoice",
                       ws_file(tmp_path, "b.csv", [("1001", "10.00", "9001"), ("1002", "25.00", "9002"),
                                                   ("1003", "30.00", "9003")]))
    second.refresh_from_db()
    assert second.plan["invoices"] == {"new": 1, "updated": 1, "unchanged": 1}
    assert second.plan["accounts"] == {"new": 1, "updated": 1, "unchanged": 1}
    approve(support2, second)
    assert second.status == "loaded"
    unchanged = Invoice.objects.get(invoice_number="9001")
    assert unchanged.written_by_load == first.pk and unchanged.updated_at == kept.updated_at
    updated = Invoice.objects.get(invoice_number="9002")
    assert updated.written_by_load == second.pk and updated.total_amount_due == Decimal("25.00")
    assert updated.details.count() == 1
    assert Account.objects.get(account_number="1002").current_balance == Decimal("25.00")
    assert Invoice.objects.count() == 3 and InvoiceDetail.objects.count() == 3


def test_it_never_replaces_an_invoice_that_has_payments(demo, tmp_path):
    support, support2 = login("support"), login("support2")
    _, first = upload(support, "demo-watersmart", "watersmart.invoice",
                      ws_file(tmp_path, "a.csv", [("1001", "10.00", "9001"), ("1002", "20.00", "9002")]))
    approve(support2, first)
    Invoice.objects.filter(invoice_number="9001").update(amount_paid=Decimal("4.00"))
    _, second = upload(support, "demo-watersmart", "watersmart.invoice",
                       ws_file(tmp_path, "b.csv", [("1001", "11.00", "9001"), ("1002", "21.00", "9002")]))
    second.refresh_from_db()
    paid = second.records.get(invoice_number="9001")
    assert paid.status == "error" and paid.errors[-1]["field"] == "InvoiceNumber"
    assert "already has payments (4.00 paid)" in paid.errors[-1]["message"]
    assert (second.ok_count, second.error_count) == (1, 1)
    approve(support2, second)
    assert second.status == "loaded"
    assert Invoice.objects.get(invoice_number="9001").total_amount_due == Decimal("10.00")
    assert Invoice.objects.get(invoice_number="9002").total_amount_due == Decimal("21.00")


def test_it_fails_the_load_when_an_invoice_got_paid_after_the_preview(demo, tmp_path):
    support, support2 = login("support"), login("support2")
    _, first = upload(support, "demo-watersmart", "watersmart.invoice",
                      ws_file(tmp_path, "a.csv", [("1001", "10.00", "9001"), ("1002", "20.00", "9002")]))
    approve(support2, first)
    _, second = upload(support, "demo-watersmart", "watersmart.invoice",
                       ws_file(tmp_path, "b.csv", [("1001", "11.00", "9001"), ("1002", "21.00", "9002")]))
    Invoice.objects.filter(invoice_number="9001").update(amount_paid=Decimal("4.00"))
    approve(support2, second)
    assert second.status == "load_failed"
    assert "line 2, InvoiceNumber: invoice 9001 already has payments" in second.failure
    assert "re-parse" in second.failure
    assert Invoice.objects.get(invoice_number="9002").total_amount_due == Decimal("20.00")   # nothing written
    response = support.post(f"/admin/ingest/load/{second.pk}/reparse/")
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == "parsed" and (second.ok_count, second.error_count) == (1, 1)



def test_every_loaded_invoice_gets_its_own_invoice_guid_kept_by_later_loads(demo, tmp_path):
    support, support2 = login("support"), login("support2")
    _, first = upload(support, "demo-watersmart", "watersmart.invoice",
                      ws_file(tmp_path, "a.csv", [("1001", "10.00", "9001"), ("1002", "20.00", "9002")]))
    approve(support2, first)
    guids = dict(Invoice.objects.values_list("invoice_number", "guid"))
    assert None not in guids.values() and len(set(guids.values())) == 2
    _, second = upload(support, "demo-watersmart", "watersmart.invoice",
                       ws_file(tmp_path, "b.csv", [("1001", "10.00", "9001"), ("1002", "25.00", "9002"),
                                                   ("1003", "30.00", "9003")]))
    approve(support2, second)
    after = dict(Invoice.objects.values_list("invoice_number", "guid"))
    assert after["9001"] == guids["9001"] and after["9002"] == guids["9002"]
    assert after["9003"] not in guids.values()
    page = login("auditor").get(f"/admin/ledger/invoice/?q={guids['9001']}")
    assert [i.invoice_number for i in page.context["cl"].result_list] == ["9001"]
    detail = login("auditor").get(f"/admin/ledger/invoice/{Invoice.objects.get(invoice_number='9001').pk}/change/")
    assert str(guids["9001"]) in detail.content.decode()
