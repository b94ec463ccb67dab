"""The big list of naughty strings as CustomerName of a WaterSmart file written with csv."""
import csv
import io
import json
import re

from ingest.formats.converters import ConversionError, clean_name

from tests.shared import shared
from tests.support.parsing import parse_text

CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")


def naughty_strings():
    strings = json.loads(shared("corpora", "big-list-of-naughty-strings", "blns.json").read_text("utf-8"))
    return [s for s in strings if "\x00" not in s]  # a NUL refuses the whole file (not a text file)


def test_it_keeps_each_naughty_name_as_one_record():
    names = naughty_strings()
    out = io.StringIO()
    writer = csv.writer(out)
    for number, name in enumerate(names, start=1):
        writer.writerow([number, name, "", "", "", "", "", "01/15/2025", "02/05/2025", "1.00", "", number, 1])
    result, records = parse_text("watersmart.invoice", out.getvalue())
    assert len(records) == len(names) > 400
    for name, record in zip(names, records):
        errors = {e.field: e.message for e in record.errors}
        if CONTROL.search(name):
            assert record.status == "error" and "control character" in errors["CustomerName"], name
        elif not name.split():
            assert errors == {"CustomerName": "required but blank"}, name
        else:
            assert record.status == "ok", (name, errors)
            assert record.customer["CustomerName"] == " ".join(name.split())


def test_it_refuses_nothing_but_reports_control_characters_as_field_errors():
    names = naughty_strings()
    refused = []
    for name in names:
        try:
            clean_name(name)
        except ConversionError as exc:
            refused.append(name)
            assert str(exc).startswith("'"), (name, str(exc))  # the message quotes the raw value
    assert len(names) > 400
    assert refused == [name for name in names if CONTROL.search(name)]
    assert refused  # the list holds control characters: the refusal path was exercised
