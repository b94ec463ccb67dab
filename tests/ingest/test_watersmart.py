"""watersmart.invoice and watersmart.adjustment (FORMATS.md 3, 5.1)."""
from ingest.formats import ParseConfig

from tests.support.parsing import errors_of, parse_text

GOOD = "100234,Smith Joseph,12 Oak St,,Fresno,CA,93701,01/15/2025,02/05/2025,84.16,0.00,5001001,1,0,1,100-234"


def invoice(line=GOOD, **config):
    result, records = parse_text("watersmart.invoice", line + "\n", ParseConfig(**config))
    return records[0]


def replaced(position, value, line=GOOD):
    fields = line.split(",")
    fields[position - 1] = value
    return ",".join(fields)


def test_it_maps_the_sixteen_positions():
    record = invoice()
    assert record.status == "ok" and record.line == 1
    assert record.invoice == {"RowType": "IH", "RecordType": "N", "InvoiceFormatGuid": None,
                              "InvoiceNumber": "5001001", "InvoiceDate": "2025-01-15",
                              "InvoiceDueDate": "2025-02-05", "TotalAmountDue": "84.16",
                              "InvoiceTypeID": 1, "PastDue": "0.00"}
    assert record.customer == {"RowType": "CR", "AccountNumber": "100234", "CustomerName": "Smith Joseph",
                               "Address1": "12 Oak St", "Address2": None, "City": "Fresno", "State": "CA",
                               "Zip": "93701", "BlockPaymentsCC": False, "BlockPaymentsEFT": True,
                               "DisplayAccountNumber": "100-234"}
    assert record.details == [{"RowType": "ID", "Description": "Utility Invoice"}]


def test_it_skips_a_header_row_only_in_first_place():
    text = "Account_Number,CustomerName" + ",c" * 14 + "\n" + GOOD + "\n account number ,x\n"
    result, records = parse_text("watersmart.invoice", text)
    assert [r.line for r in records] == [2, 3]
    assert errors_of(records[1])[None] == "expected at least 13 columns, found 2"


def test_it_derives_a_blank_invoice_number_from_account_and_invoice_date():
    assert invoice(replaced(12, "  ")).invoice["InvoiceNumber"] == "100234-20250115"


def test_it_keeps_leading_zeros_of_the_account_and_rejects_non_digits():
    assert invoice(replaced(1, "000123")).customer["AccountNumber"] == "000123"
    record = invoice(replaced(1, "12A"))
    assert record.status == "error" and errors_of(record) == {"AccountNumber": "'12A' is not digits"}
    assert record.customer["AccountNumber"] == "12A"


def test_it_requires_the_biller_invoice_type():
    assert invoice(replaced(13, "7"), invoice_type_id=7).status == "ok"
    record = invoice()
    assert invoice(invoice_type_id=7).errors[0].message == "'1' must be 7" and record.status == "ok"
    assert errors_of(invoice(replaced(13, "")))["InvoiceTypeID"] == "required but blank"


def test_it_reports_a_short_row_once():
    record = invoice(",".join(GOOD.split(",")[:12]))
    assert [(e.field, e.message) for e in record.errors] == [(None, "expected at least 13 columns, found 12")]
    assert record.customer["AccountNumber"] == "100234"


def test_it_ignores_columns_past_16_with_one_warning():
    text = "\n".join([GOOD + ",extra,more", replaced(12, "5001002"), replaced(12, "5001003") + ",x"]) + "\n"
    result, records = parse_text("watersmart.invoice", text)
    assert [r.status for r in records] == ["ok", "ok", "ok"]
    assert result.warnings == ["columns past 16 ignored on 2 row(s), the first on line 1"]


def test_it_flags_a_duplicate_invoice_number_on_the_later_row():
    text = "\n".join([GOOD, replaced(1, "100235"), replaced(12, "")]) + "\n"
    result, records = parse_text("watersmart.invoice", text)
    assert errors_of(records[1]) == {"InvoiceNumber": "'5001001' is a duplicate of line 1"}
    assert records[2].status == "ok"
    assert result.header["InvoiceCount"] == 2 and result.header["TotalInvoiceAmount"] == "168.32"


def test_it_names_line_field_and_value_in_errors():
    record = invoice(replaced(9, "13/45/2024"))
    assert str(record.errors[0]) == ("line 1, InvoiceDueDate: '13/45/2024' is not a date (accepted: "
                                     "MM/DD/YYYY, M/D/YYYY, MM/DD/YY, YYYY-MM-DD, YYYYMMDD)")
    assert record.invoice["InvoiceDueDate"] is None and record.invoice["TotalAmountDue"] == "84.16"


def test_it_collapses_whitespace_in_names_and_addresses_only():
    record = invoice(replaced(2, '"  Maria \n Lopez "', replaced(16, " 1  2 ")))
    assert record.customer["CustomerName"] == "Maria Lopez"
    assert record.customer["DisplayAccountNumber"] == "1  2"


def test_it_puts_the_header_values_and_configuration_into_the_records():
    config = dict(biller_guid="b-guid", invoice_format_guid="f-guid", biller_slug="x")
    result, records = parse_text("watersmart.invoice", GOOD + "\n", ParseConfig(**config))
    assert records[0].invoice["InvoiceFormatGuid"] == "f-guid"
    assert result.header["BillerGuid"] == "b-guid" and result.header["RowType"] == "FH"


# --- adjustments ----------------------------------------------------------------------

def test_it_reads_positional_adjustments():
    text = 'AccountNumber,Name,Amount,Type,PastDue\n100234,"Smith, J",-20.00,1,0.00\n100235,X,1150,2\n'
    result, records = parse_text("watersmart.adjustment", text)
    assert [r.adjustment for r in records] == [
        {"RowType": "AR", "AccountNumber": "100234", "AdjustmentAmount": "-20.00", "AdjustmentTypeID": 1},
        {"RowType": "AR", "AccountNumber": "100235", "AdjustmentAmount": "1150.00", "AdjustmentTypeID": 2}]
    assert result.header == {"RowType": "AH", "BillerGuid": None, "FileCreationDate": result.header["FileCreationDate"],
                             "AdjustmentCount": 2, "TotalAdjustmentAmount": "1130.00"}


def test_it_reports_adjustment_errors_and_duplicates():
    text = "ABC999,n,5.00,2\n100236,n,12.345,2\n100237,n,1,7\n100237,n,2,2\n100238,n\n"
    result, records = parse_text("watersmart.adjustment", text)
    assert [errors_of(r) for r in records] == [
        {"AccountNumber": "'ABC999' is not digits"}, {"AdjustmentAmount": "'12.345' has more than two decimals"},
        {"AdjustmentTypeID": "'7' must be 1 or 2"}, {"AccountNumber": "'100237' is a duplicate of line 3"},
        {"AdjustmentAmount": "the row has no position 3", "AdjustmentTypeID": "the row has no position 4"}]
    assert records[0].adjustment["AccountNumber"] == "ABC999"
    assert records[2].adjustment["AdjustmentTypeID"] is None
    assert result.summary == {"records": 5, "ok": 0, "error": 5, "skipped": 0}
