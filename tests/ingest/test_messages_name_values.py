"""Every parse error that rejects a value names that raw value (issue 12): over the samples'
error records, and over a generated bad value for every field read from a file."""
import csv
import io
import re

import pytest

from ingest.formats import FORMATS, ParseConfig
from ingest.formats.converters import (ACCOUNT_WITHOUT_DASHES, ADJUSTMENT_TYPE, AMOUNT, BOOLEAN, DATE, INTEGER,
                                       MONTH, NAME, STRICT_AMOUNT, TEXT, US_DATE, ZIP, shown)
from ingest.formats.spec import Column, Markers, Position

from tests.shared import SHARED, shared
from tests.support.parsing import parse_bytes, parse_text

# Messages about a missing value or the row's shape: nothing to name.
NO_VALUE = re.compile(r"^(required but blank|the row has no (position|column) .*|begin marker .* not found"
                      r"|end marker .* not found after .*)$")
QUOTED = re.compile(r"'[^']*'")

BAD = {TEXT: "A\x01B", NAME: "Ann\x02Lee", ZIP: "9370X", INTEGER: "1.5", BOOLEAN: "maybe", AMOUNT: "12.3.4",
       STRICT_AMOUNT: "$5.00", DATE: "13/45/2024", US_DATE: "02/30/2021", MONTH: "Smarch",
       ACCOUNT_WITHOUT_DASHES: "10\x03-1", ADJUSTMENT_TYPE: "7"}
# Values that convert but fail the field's check.
CHECKED = {("watersmart", "AccountNumber"): "12A", ("watersmart", "InvoiceNumber"): "50A",
           ("watersmart", "InvoiceTypeID"): "3", ("incode", "AccountNumber"): "BT-1X"}

WS_INVOICE = "100234,Smith Joseph,12 Oak St,,Fresno,CA,93701,01/15/2025,02/05/2025,84.16,0.00,5001001,1,0,1,100-234"
WS_ADJUSTMENT = "100234,Smith Joseph,-20.00,1,0.00"
INCODE_ADJUSTMENT = {"Customer Name": "SMITH JOHN A", "Formatted Account Number": "10-1002-62501",
                     "Service Address": "1234 MAIN ST", "New Balance": "262.11"}


def sample_error_messages():
    folder = SHARED / "samples" / "expected"
    if not folder.is_dir():
        return []
    cases = []
    for path in sorted(folder.glob("*.json")):
        sample, rest = path.name[: -len(".json")].split(".", 1)
        code = rest.rsplit(".", 1)[0]
        extension = ".xml" if sample.startswith("incode_invoice") else ".csv"
        cases.append(pytest.param(sample + extension, code, id=f"{sample}-{code}"))
    return cases


@pytest.mark.parametrize("name,code", sample_error_messages())
def test_every_value_error_of_the_samples_names_the_value(name, code):
    data = shared("samples", name).read_bytes()
    config = ParseConfig(use_billing_address=True)
    _, records = parse_bytes(code, data, config)
    errors = [e for r in records for e in r.errors if e.field]
    assert errors, "the samples have error records"
    for error in errors:
        message = error.message.split(": ", 1)[-1] if error.message.startswith("<") else error.message
        if NO_VALUE.match(message):
            continue
        value = QUOTED.search(message)
        assert value, f"line {error.line}, {error.field}: {error.message!r} names no value"
        assert value[0].strip("'") in data.decode("utf-8", "replace"), (error, "the named value is in the file")


def bad_value(spec, field):
    checked = CHECKED.get((spec.partner, field.name))
    if checked and field.check is not None:
        yield "check", checked
    if field.converter in BAD:
        yield "converter", BAD[field.converter]


def generated_cases():
    cases = []
    for spec in FORMATS.values():
        for field in spec.fields:
            if not isinstance(field.source, (Position, Column, Markers)) or field.converter is None:
                continue
            for what, value in bad_value(spec, field):
                cases.append(pytest.param(spec.code, field, value, id=f"{spec.code}-{field.name}-{what}"))
    return cases


def file_with(code, field, value):
    spec = FORMATS[code]
    source = field.source
    if isinstance(source, Position):
        fields = (WS_INVOICE if spec.kind == "invoice" else WS_ADJUSTMENT).split(",")
        fields[source.number - 1] = value
        return ",".join(fields) + "\n"
    if isinstance(source, Column):
        row = {**INCODE_ADJUSTMENT, source.name: value}
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(row))
        writer.writeheader()
        writer.writerow(row)
        return out.getvalue()
    text = shared("samples", "incode_invoice.xml").read_text("utf-8")
    name = re.escape(source.begin.rstrip("="))
    changed, count = re.subn(name + r'="[^"]*"', lambda m: m[0].split("=", 1)[0] + f'="{value}"', text, count=1)
    assert count == 1, (field.name, source.begin)
    return changed


@pytest.mark.parametrize("code,field,value", generated_cases())
def test_a_generated_bad_value_is_named_in_its_message(code, field, value):
    config = ParseConfig(use_billing_address=field.when == ("use_billing_address", True))
    _, records = parse_text(code, file_with(code, field, value), config)
    messages = [e.message for e in records[0].errors if e.field == field.name]
    assert messages, (field.name, value, [str(e) for e in records[0].errors])
    assert any(shown(value) in message or f"'{value}'" in message for message in messages), messages
