"""Property tests: any bytes or any field text never raise anything but FileRefused, and
every data row or block becomes exactly one record."""
import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.formats import FORMATS, FileRefused, ParseConfig, parse

from tests.support.parsing import parse_text

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Text as it can be written in UTF-8 (no lone surrogates).
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)


def consume(code, data: bytes, config=ParseConfig()):
    try:
        result = parse(code, lambda: io.BytesIO(data), config)
    except FileRefused as refused:
        assert str(refused)
        return None
    records = list(result.records())
    assert result.summary["records"] == len(records)
    assert result.summary["ok"] + result.summary["error"] + result.summary["skipped"] == len(records)
    assert result.header["RowType"] in ("FH", "AH")
    for record in records:
        record.to_json()
        assert record.status in ("ok", "error", "skipped")
        assert (record.status == "error") == bool(record.errors)
    return records


@SETTINGS
@given(code=st.sampled_from(sorted(FORMATS)), data=st.binary(max_size=400))
def test_it_survives_arbitrary_bytes(code, data):
    consume(code, data)


@SETTINGS
@given(code=st.sampled_from(sorted(FORMATS)),
       data=st.lists(st.sampled_from(['"', ",", "\n", "\r", "<account>", "</account>", "Due=", "Pen=",
                                      "Bill_dt=", "Name=", "<Usage Month=", "/>", "&amp;", "1", "x", " "]),
                     max_size=40).map("".join))
def test_it_survives_arbitrary_structure_text(code, data):
    consume(code, data.encode(), ParseConfig(use_billing_address=True, skip_numeric_check=True))


def csv_file(header, rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


@SETTINGS
@given(rows=st.lists(st.lists(TEXT, min_size=16, max_size=16), min_size=1, max_size=5))
def test_it_makes_one_record_per_watersmart_row_whatever_the_text(rows):
    text = csv_file(["AccountNumber"] + ["c"] * 15, rows)
    try:
        result, records = parse_text("watersmart.invoice", text)
    except FileRefused as refused:  # a NUL, or control characters filling the first 8 KB
        assert str(refused) == "not a text file"
        return
    assert len(records) == len(rows)


@SETTINGS
@given(rows=st.lists(st.lists(TEXT, min_size=4, max_size=4), min_size=1, max_size=5))
def test_it_makes_one_record_per_incode_adjustment_row_whatever_the_text(rows):
    text = csv_file(["Customer Name", "Formatted Account Number", "Service Address", "New Balance"], rows)
    try:
        result, records = parse_text("incode.adjustment.include_dashes", text)
    except FileRefused as refused:
        assert str(refused) == "not a text file"
        return
    assert len(records) == len(rows)


NO_TAG = TEXT.filter(lambda s: "account" not in s.lower())
BLOCK = ('<account>\n<Acct_info Account No="{0}" Name="{1}" Status="A"/>\n'
         '<Bill_info Due_dt="{2}" Bill_dt="{3}" Drft_dt="" Due="{4}" Pen="1" Pen_dt="{5}" CutOff_dt=""/>\n'
         '<Address_info Ssa="{6}" St_no="1" B_a1="{7}" B_a2="" B_city="{8}" B_st="MO" B_zip="1"/><Bill_det>\n'
         '<BillCode><BillCodeDescription>{9}</BillCodeDescription><Amount>{10}</Amount></BillCode>\n'
         '</Bill_det><Usage Month="{11}" Qty="{12}"/><Tier Name="{13}" Total="{14}"/>\n</account>\n')


@SETTINGS
@given(code=st.sampled_from(["incode.invoice.skip_landlord", "incode.invoice.include_dashes"]),
       blocks=st.lists(st.lists(NO_TAG, min_size=15, max_size=15), min_size=1, max_size=4))
def test_it_makes_one_record_per_incode_block_whatever_the_text(code, blocks):
    text = "<bills>\n" + "".join(BLOCK.format(*values) for values in blocks) + "</bills>\n"
    try:
        result, records = parse_text(code, text, ParseConfig(use_billing_address=True))
    except FileRefused as refused:
        assert str(refused) == "not a text file"
        return
    assert len(records) == len(blocks)
    assert [r.line for r in records] == sorted(r.line for r in records)
