"""The ACH return codes table and the spreadsheet-safe CSV helper."""
import csv

from exports.ach_codes import ACH_RETURN_CODES
from exports.human_csv import csv_text, neutralize
from exports.writers.base import clean_text, format_amount
from tests.shared import shared

CORPORA = str(shared("corpora"))


def test_the_ach_codes_are_those_of_the_moov_io_table():
    with open(f"{CORPORA}/ach-moov-io/ach_return_reason_codes.csv", newline="") as handle:
        table = {row["code"]: row["reason"] for row in csv.DictReader(handle)}
    assert ACH_RETURN_CODES == table


def test_it_neutralizes_every_formula_payload_of_the_corpora():
    payloads = []
    for name in ["csv-injection-payloadsallthethings/payloads.txt", "csv-injection-payloadbox/csv-payload.txt",
                 "csv-injection-payloadsallthethings/formula_prefixes.txt"]:
        with open(f"{CORPORA}/{name}", encoding="utf-8") as handle:
            payloads += [line for line in handle.read().splitlines() if line]
    for payload in payloads:
        cell = neutralize(payload)
        if payload.startswith(("=", "+", "-", "@", "\u2013")):
            assert cell == "'" + payload
        else:
            assert cell == payload  # e.g. DDE (...) without a leading formula character
    assert neutralize("\tcmd") == "'\tcmd" and neutralize("\r=1") == "'\r=1"
    assert neutralize("Smith") == "Smith" and neutralize(None) == ""


def test_human_csv_quotes_values_and_neutralizes_headers_too():
    assert csv_text(["=h"], [["a,b", "=1+1"]]) == "'=h\r\n\"a,b\",'=1+1\r\n"


def test_partner_values_keep_formula_characters_but_lose_commas_and_line_breaks():
    assert clean_text("=1+1, @x\r\ny\rz\n") == "=1+1 @x y z "
    assert [format_amount(v) for v in [None, 0, "-0.001", "12.5", "-3", "1234567.891"]] == [
        "0.00", "0.00", "0.00", "12.50", "-3.00", "1234567.89"]
