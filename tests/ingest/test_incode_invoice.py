"""incode.invoice.skip_landlord and incode.invoice.include_dashes (FORMATS.md 4)."""
from ingest.formats import ParseConfig
from ingest.formats.bif import BifValue

from tests.support.parsing import errors_of, parse_text

BLOCK = """<account>
<Acct_info Account No="10-1002-62501" Name="SMITH  JOHN &amp; A" Status="A"/>
<Bill_info Due_dt="07/15/2021" Bill_dt="06/30/2021" Drft_dt="" Due="0000262.11" Pen="0000026.21" Pen_dt="" CutOff_dt=""/>
<Hist_info L_p_amt="0000250.00" L_b_amt="0000250.00" T_pmts="1" T_amp_adjs="0000005.00-" T_pens="0000001.00" arrear="0000137.47" Age_1="0"/>
<Address_info Ssa="1234 MAIN ST" St_no="1234" B_a1="PO BOX 55" B_a2="SUITE 2" B_city="KANSAS CITY" B_st="MO" B_zip="64101"/><Bill_det>
</Bill_det>
</account>
"""


def parse_block(code, block=BLOCK, **config):
    return parse_text(code, "<bills>\n" + block, ParseConfig(**config))


def one(code, block=BLOCK, **config):
    return parse_block(code, block, **config)[1][0]


def test_it_reads_the_header_and_customer_fields():
    record = one("incode.invoice.include_dashes")
    assert record.line == 2 and record.status == "ok"
    assert record.invoice == {
        "RowType": "IH", "RecordType": "N", "InvoiceFormatGuid": None,
        "InvoiceNumber": "20210630UB10-1002-62501", "InvoiceDate": "2021-06-30", "InvoiceDueDate": "2021-07-15",
        "TotalAmountDue": "262.11", "InvoiceTypeID": 42, "PastDue": "137.47", "Custom10": "1234 MAIN ST",
        "BalanceDue": "262.11", "LateFeeAmount": "1.00", "LateFeeDate": "2021-07-16"}
    assert record.customer == {"RowType": "CR", "AccountNumber": "10-1002-62501", "CustomerName": "SMITH JOHN & A",
                               "Address1": "1234 MAIN ST", "Address2": None, "City": "KANSAS CITY",
                               "State": "MO", "Zip": "64101"}


def test_it_removes_dashes_for_skip_landlord_and_builds_the_long_digit_line():
    record = one("incode.invoice.skip_landlord")
    assert record.customer["AccountNumber"] == "10100262501"
    assert record.invoice["InvoiceNumber"] == "20210630UB10100262501"
    assert record.invoice["Custom11"] == "10100262501 0000000262110 000000262110"
    assert (record.invoice["Custom14"], record.invoice["Custom15"], record.invoice["Custom16"]) == \
        ("250.00", "250.00", "-5.00")
    assert (record.invoice["Custom23"], record.invoice["Custom24"]) == ("PO BOX 55", "SUITE 2")


def test_it_uses_zero_in_the_long_digit_line_for_a_negative_balance():
    record = one("incode.invoice.skip_landlord", BLOCK.replace('Due="0000262.11"', 'Due="0000012.00-"'))
    assert record.invoice["BalanceDue"] == "-12.00" and record.invoice["TotalAmountDue"] == "-12.00"
    assert record.invoice["Custom11"] == "10100262501 0000000000000 000000000000"


def test_it_uses_the_billing_address_when_131_says_so():
    record = one("incode.invoice.include_dashes", use_billing_address=True)
    assert (record.customer["Address1"], record.customer["Address2"]) == ("PO BOX 55", "SUITE 2")
    assert record.invoice["Custom10"] == "1234 MAIN ST"
    skip = one("incode.invoice.skip_landlord", use_billing_address=True)
    assert (skip.customer["Address1"], skip.customer["Address2"]) == ("1234 MAIN ST", None)


def test_it_falls_back_to_due_date_plus_the_bif_days_for_late_fee_date():
    three_days = (BifValue("LateFeeDate", base="InvoiceDueDate", days=3),)
    assert one("incode.invoice.include_dashes", bif=three_days).invoice["LateFeeDate"] == "2021-07-18"
    assert one("incode.invoice.include_dashes").invoice["LateFeeDate"] == "2021-07-16"
    dated = BLOCK.replace('Pen_dt=""', "Pen_dt=20210720")
    assert one("incode.invoice.include_dashes", dated).invoice["LateFeeDate"] == "2021-07-20"
    bad = one("incode.invoice.include_dashes", BLOCK.replace('Pen_dt=""', 'Pen_dt="07/99/2021"'))
    assert bad.status == "error" and bad.invoice["LateFeeDate"] is None and "LateFeeDate" in errors_of(bad)


def test_it_sums_bill_codes_by_exact_description():
    codes = ("<BillCode><BillCodeDescription>KC WATER - RENT</BillCodeDescription><Amount>100.00</Amount></BillCode>"
             "<BillCode><BillCodeDescription>WATER</BillCodeDescription><Amount>0000020.00</Amount></BillCode>"
             "<BillCode><BillCodeDescription>Water</BillCodeDescription><Amount>17.47</Amount></BillCode>")
    record = one("incode.invoice.skip_landlord", BLOCK.replace("<Bill_det>\n", "<Bill_det>\n" + codes))
    invoice = record.invoice
    assert (invoice["Custom17"], invoice["Custom18"], invoice["Custom19"], invoice["Custom22"]) == \
        ("37.47", "100.00", None, None)


def test_it_skips_landlord_copies_by_the_configured_marker():
    landlord = BLOCK.replace('Status="A"', 'Status="A" Landlord="Y"')
    record = one("incode.invoice.skip_landlord", landlord)
    assert (record.status, record.reason, record.invoice, record.details) == \
        ("skipped", "landlord invoice", None, [])
    assert one("incode.invoice.include_dashes", landlord).status == "ok"
    assert one("incode.invoice.skip_landlord", landlord, landlord_marker="OWNER=1").status == "ok"
    assert one("incode.invoice.skip_landlord", BLOCK.replace("Status", "OWNER=1 Status"),
               landlord_marker="OWNER=1").status == "skipped"


def test_it_adds_detail_records_in_kind_order_for_skip_landlord():
    elements = ('<Tier Name="Tier 1" Units="200" Total="0000030.00"/><Usage Month="Jan" Qty="00010300"/>\n'
                '<Meter Number="88001" Cur_read="10450" Prv_read="10200" Usage="250"/><Usage Month="2" Qty="9"/>')
    block = BLOCK.replace("</account>", elements + "</account>")
    record = one("incode.invoice.skip_landlord", block)
    assert record.details == [
        {"RowType": "ID", "Description": "Utility Invoice"},
        {"RowType": "ID", "Description": "Monthly Usage Data", "CustomField1": "Jan", "CustomField2": "00010300"},
        {"RowType": "ID", "Description": "Monthly Usage Data", "CustomField1": "Feb", "CustomField2": "9"},
        {"RowType": "ID", "Description": "Meter Data", "CustomField3": "88001", "CustomField4": "10450",
         "CustomField5": "10200", "CustomField6": "250"},
        {"RowType": "ID", "Description": "Tier Data", "CustomField7": "Tier 1", "CustomField8": "200",
         "CustomField9": "30.00"}]
    assert one("incode.invoice.include_dashes", block).details == [{"RowType": "ID", "Description": "Utility Invoice"}]


def test_it_reports_a_bad_detail_element_with_its_line():
    block = BLOCK.replace("</account>", '<Usage Month="Foo" Qty="1"/>\n</account>')
    record = one("incode.invoice.skip_landlord", block)
    assert record.status == "error"
    assert errors_of(record) == {"CustomField1": "<Usage> on line 8: 'Foo' is not a month (accepted: Jan..Dec, 1..12)"}


def test_it_reports_missing_required_markers_and_missing_end_markers():
    block = BLOCK.replace("Bill_dt=", "BillDate=").replace(' Status="A"', "")
    record = one("incode.invoice.include_dashes", block)
    assert errors_of(record) == {"InvoiceDate": "begin marker 'Bill_dt=' not found",
                                 "InvoiceDueDate": "end marker 'Bill_dt=' not found after 'Due_dt='",
                                 "CustomerName": "end marker 'Status=' not found after 'Name='"}
    assert record.invoice["InvoiceNumber"] is None and record.invoice["LateFeeDate"] is None


def test_it_leaves_absent_optional_fields_null_without_errors():
    block = "<account>Account No=1 Name=X Status= Due_dt=07/15/2021 Bill_dt=06/30/2021 Drft_dt= Due=1 Pen=</account>"
    record = one("incode.invoice.skip_landlord", block)
    assert record.status == "ok", record.errors
    assert record.invoice["Custom12"] is None and record.customer["City"] is None


def test_it_reports_an_unclosed_last_block_and_keeps_the_earlier_ones():
    result, records = parse_block("incode.invoice.include_dashes", BLOCK + BLOCK.replace("</account>", ""))
    assert [r.status for r in records] == ["ok", "error"]
    assert errors_of(records[1])[None] == "no closing </account> tag before the end of the file"
    assert records[1].customer["AccountNumber"] == "10-1002-62501"


def test_it_flags_a_second_invoice_for_the_same_account_and_date():
    result, records = parse_block("incode.invoice.include_dashes", BLOCK + BLOCK)
    assert records[1].line == 9 and errors_of(records[1]) == {"InvoiceNumber": "'20210630UB10-1002-62501' is a duplicate of line 2"}


def test_it_takes_the_invoice_type_from_the_biller():
    assert one("incode.invoice.skip_landlord", invoice_type_id=7).invoice["InvoiceTypeID"] == 7
