"""The ACH return codes table and the partner files' value rules."""
import csv

from exports.ach_codes import ACH_RETURN_CODES
from exports.writers.base import clean_text, format_amount
from tests.shared import shared

CORPORA = str(shared("corpora"))


def test_the_ach_codes_are_those_of_the_moov_io_table():
    with open(f"{CORPORA}/ach-moov-io/ach_return_reason_codes.csv", newline="") as handle:
        table = {row["code"]: row["reason"] for row in csv.DictReader(handle)}
    assert ACH_RETURN_CODES == table


def test_partner_values_keep_formula_characters_but_lose_commas_and_line_breaks():
    assert clean_text("=1+1, @x\r\ny\rz\n") == "=1+1 @x y z "
    assert [format_amount(v) for v in [None, 0, "-0.001", "12.5", "-3", "1234567.891"]] == [
        "0.00", "0.00", "0.00", "12.50", "-3.00", "1234567.89"]
