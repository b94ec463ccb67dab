"""The public API of ingest.formats (docs/CONTRACTS.md)."""
import dataclasses
import datetime
import io

import pytest

from ingest.formats import (FORMATS, FieldError, FileRefused, ParseConfig, Record, get_format, parse,
                            write_ic)

from tests.support.parsing import parse_text


def test_it_registers_the_six_inbound_formats():
    assert sorted(FORMATS) == sorted([
        "watersmart.invoice", "watersmart.adjustment", "incode.invoice.skip_landlord",
        "incode.invoice.include_dashes", "incode.adjustment", "incode.adjustment.include_dashes"])
    assert {code: (spec.kind, spec.partner) for code, spec in FORMATS.items()}["incode.adjustment"] == \
        ("adjustment", "incode")
    assert get_format("watersmart.invoice") is FORMATS["watersmart.invoice"]


def test_it_names_the_known_formats_for_an_unknown_code():
    with pytest.raises(KeyError, match="unknown format 'x' \\(known: watersmart.invoice"):
        get_format("x")


def test_it_lists_the_marker_table_from_the_declaration():
    rows = get_format("incode.invoice.skip_landlord").marker_rows()
    by_field = {(r["record"], r["field"]): r for r in rows}
    assert by_field[("IH", "InvoiceDate")] == {"field": "InvoiceDate", "filespec_id": 11, "record": "IH",
                                               "begin": "Bill_dt=", "end": "Drft_dt=", "rule": "date; required"}
    assert by_field[("IH", "Custom17")]["begin"] == "bill code 'WATER'"
    assert by_field[("CR", "Zip")]["end"] == "/><Bill_det"
    positional = {r["field"]: r for r in get_format("watersmart.invoice").marker_rows()}
    assert positional["DisplayAccountNumber"]["begin"] == "position 16" and positional["Zip"]["end"] == ""
    header = {r["field"]: r for r in get_format("incode.adjustment").marker_rows()}
    assert header["AdjustmentAmount"]["begin"] == "column 'New Balance'"
    addresses = [r for r in get_format("incode.invoice.include_dashes").marker_rows() if r["field"] == "Address1"]
    assert [r["begin"] for r in addresses] == ["<Address_info Ssa=", "B_a1"]
    assert all(set(r) == {"field", "filespec_id", "record", "begin", "end", "rule"} for r in rows)


def test_it_is_a_frozen_config_with_the_contract_defaults():
    config = ParseConfig()
    assert (config.invoice_type_id, config.landlord_marker, config.bif) == (None, 'Landlord="Y"', None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.bif = ()


def test_it_formats_field_errors_with_line_and_field():
    assert str(FieldError("InvoiceDueDate", "'x' is not a date", 7)) == "line 7, InvoiceDueDate: 'x' is not a date"
    assert str(FieldError(None, "expected at least 13 columns, found 2", 3)) == \
        "line 3: expected at least 13 columns, found 2"


def test_it_lets_records_be_consumed_only_once():
    result = parse("watersmart.adjustment", lambda: io.BytesIO(b"1,a,1,1\n"), ParseConfig())
    assert len(list(result.records())) == 1
    with pytest.raises(RuntimeError):
        result.records()


def test_it_refuses_before_yielding_any_record():
    with pytest.raises(FileRefused):
        parse("incode.invoice.skip_landlord", lambda: io.BytesIO(b"no blocks here\n"), ParseConfig())


def test_it_uses_the_configured_creation_date_and_guid_in_the_header():
    config = ParseConfig(biller_guid="g", file_creation_date=datetime.date(2026, 1, 2))
    result, _ = parse_text("watersmart.adjustment", "1,a,1,1\n2,b,x,1\n", config)
    assert result.header == {"RowType": "AH", "BillerGuid": "g", "FileCreationDate": "2026-01-02",
                             "AdjustmentCount": 1, "TotalAdjustmentAmount": "1.00"}


def test_it_writes_ok_records_in_filespec_order():
    text = "1,Ann,,,,,,01/15/2025,02/05/2025,1.50,0.25,9,1,1,0,D\n2,Bob,,,,,,bad,02/05/2025,1,,8,1\n"
    result, records = parse_text("watersmart.invoice", text, ParseConfig(biller_guid="g", invoice_format_guid="f"))
    lines = list(write_ic(result.header, records))
    assert lines == [
        f"FH,g,{result.header['FileCreationDate']},1,1.50\r\n",
        "IH,N,f,9,2025-01-15,2025-02-05,1.50,1,0.25\r\n",
        "CR,1,Ann,,,,,,1,0,D\r\n",
        "ID,Utility Invoice,,,,,,,,,\r\n"]
    assert list(write_ic(result.header, [r.to_json() for r in records])) == lines


def test_it_gives_the_record_json_by_kind():
    record = Record(line=3, adjustment={"RowType": "AR"})
    assert list(record.to_json()) == ["line", "status", "reason", "errors", "adjustment"]
    assert list(Record(line=3).to_json()) == ["line", "status", "reason", "errors", "invoice", "customer", "details"]
