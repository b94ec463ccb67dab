"""A value longer than the ledger column it goes to is an error on its line at preview time:
never cut short (a shortened account number would name another account), never a failed load."""
from ingest.models import StagedRecord
from ledger.models import Account, Invoice
from tests.support.loadkit import approve, demo, login, upload  # noqa: F401

HEADER = ("AccountNumber,CustomerName,Address1,Address2,City,State,Zip,InvoiceDate,InvoiceDueDate,"
          "TotalAmountDue,PastDue,InvoiceNumber,InvoiceTypeID,BlockPaymentsCC,BlockPaymentsEFT,DisplayAccountNumber\n")


def row(account, name, invoice):
    return f"{account},{name},1 Main St,,Fresno,CA,93701,01/15/2025,02/05/2025,10.00,,{invoice},1,0,0,\n"


def test_it_makes_an_over_long_value_an_error_naming_line_field_and_value(demo, tmp_path):
    long_account = "1" * 61
    path = tmp_path / "long.csv"
    path.write_text(HEADER + row("1" * 60, "Fits", "7001") + row(long_account, "Too Long Account", "7002")
                    + row("300100", "N" * 301, "7003"), encoding="utf-8")
    response, load = upload(login("support"), "demo-watersmart", "watersmart.invoice", path)
    assert response.status_code == 302
    load.refresh_from_db()
    assert (load.ok_count, load.error_count) == (1, 2)
    errors = {r.line: r.errors for r in StagedRecord.objects.filter(load=load, status="error")}
    assert errors == {
        3: [{"field": "AccountNumber", "message": f"'{'1' * 40}...' is 61 characters; at most 60 are kept"}],
        4: [{"field": "CustomerName", "message": f"'{'N' * 40}...' is 301 characters; at most 300 are kept"}],
    }
    approve(login("support2"), load, acknowledge_errors=True)
    assert load.status == "loaded", load.failure
    assert list(Account.objects.filter(biller=load.biller).values_list("account_number", flat=True)) == ["1" * 60]
    assert list(load.invoices().values_list("invoice_number", flat=True)) == ["7001"]
