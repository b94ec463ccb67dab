"""The biller's BIF values and rules on every parsed invoice (ingest.formats.bif): in the
record, in the IC standard file, and as an error naming line, field and value when a rule's
date falls off the calendar."""
import datetime
from decimal import Decimal

from ingest.formats import ParseConfig, write_ic
from ingest.formats.bif import BifValue

from tests.support.parsing import errors_of, parse_text
from .test_incode_invoice import BLOCK

WS_ROW = "1001,SMITH JOHN,1 MAIN ST,,SPRINGFIELD,IL,62701,06/01/2024,{due},100.00,0.00,555,1\n"
RULES = (
    BifValue("LateFeeDate", base="InvoiceDate", days=20),
    BifValue("FirstNotifyRequestedDate", base="InvoiceDueDate", days=-10),
    BifValue("MinimumAmountDue", Decimal("5.00")),
    BifValue("BalanceForward", True),
    BifValue("PaymentExpirationMessage", "Call the utility"),
)


def ws(due="06/30/2024", bif=RULES):
    return parse_text("watersmart.invoice", WS_ROW.format(due=due), ParseConfig(bif=bif))


def test_each_bif_value_and_rule_is_on_the_invoice_as_written():
    result, [record] = ws()
    invoice = record.invoice
    assert record.status == "ok"
    assert invoice["LateFeeDate"] == "2024-06-21"  # InvoiceDate + 20 days, not the due date + 1
    assert invoice["FirstNotifyRequestedDate"] == "2024-06-20"
    assert (invoice["MinimumAmountDue"], invoice["BalanceForward"]) == ("5.00", True)
    assert invoice["PaymentExpirationMessage"] == "Call the utility"
    assert "AutoPayCollectionDate" not in invoice  # the biller has no value for it


def test_without_a_late_fee_rule_an_invoice_has_no_late_fee_date():
    _, [ws_record] = ws(bif=())
    assert "LateFeeDate" not in ws_record.invoice
    _, [incode] = parse_text("incode.invoice.include_dashes", "<bills>\n" + BLOCK, ParseConfig(bif=()))
    assert incode.status == "ok" and incode.invoice["LateFeeDate"] is None


def test_a_late_fee_date_in_the_file_wins_over_the_rule():
    block = BLOCK.replace('Pen_dt=""', "Pen_dt=20210720")
    config = ParseConfig(bif=(BifValue("LateFeeDate", base="InvoiceDate", days=20),))
    _, [record] = parse_text("incode.invoice.include_dashes", "<bills>\n" + block, config)
    assert record.invoice["LateFeeDate"] == "2021-07-20"


def test_the_ic_file_carries_the_bif_values_late_fee_date_at_its_filespec_id():
    result, records = ws()
    lines = list(write_ic(result.header, records))
    ih = lines[1].rstrip("\r\n").split(",")
    # FileSpecID order: ... 252 InvoiceTypeID, 407 PastDue (none between 187 and 252 here), then
    # the BIF fields without a FileSpecID in declaration order.
    assert ih[:9] == ["IH", "N", "", "555", "2024-06-01", "2024-06-30", "100.00", "2024-06-21", "1"]
    assert ih[9:] == ["0.00", "5.00", "1", "2024-06-20", "Call the utility"]


def test_a_rule_past_the_last_date_is_an_error_naming_line_field_and_value():
    rule = (BifValue("LateFeeDate", base="InvoiceDueDate", days=1),)
    text = WS_ROW.format(due="06/30/2024") + WS_ROW.replace("555", "556").format(due="12/31/9999")
    result, records = parse_text("watersmart.invoice", text, ParseConfig(bif=rule))
    assert [r.status for r in records] == ["ok", "error"]
    message = str(records[1].errors[0])
    assert message.startswith("line 2, LateFeeDate: InvoiceDueDate + 1 day with InvoiceDueDate '9999-12-31'")
    assert result.summary == {"records": 2, "ok": 1, "error": 1, "skipped": 0}


def test_the_incode_default_rule_past_the_last_date_is_an_error_too():
    block = BLOCK.replace('Due_dt="07/15/2021"', 'Due_dt="12/31/9999"')
    _, [record] = parse_text("incode.invoice.include_dashes", "<bills>\n" + block, ParseConfig())
    assert record.status == "error" and "9999-12-31" in errors_of(record)["LateFeeDate"]
    assert datetime.date(9999, 12, 31).isoformat() == record.invoice["InvoiceDueDate"]
