"""icportal.human_csv: the one formula-injection rule of every CSV meant for people, checked
with the shared payload corpora, the look-alikes of the formula characters, and what must stay
as written."""
import csv
import io
import unicodedata

import pytest

from icportal.human_csv import chunked, csv_line, csv_lines, csv_text, is_formula, safe_cell
from tests.shared import shared

CORPORA = ["csv-injection-payloadbox/csv-payload.txt", "csv-injection-payloadsallthethings/payloads.txt",
           "csv-injection-payloadsallthethings/formula_prefixes.txt"]

LOOK_ALIKES = {
    "\uff1d": "FULLWIDTH EQUALS SIGN", "\uff0b": "FULLWIDTH PLUS SIGN", "\uff0d": "FULLWIDTH HYPHEN-MINUS",
    "\uff20": "FULLWIDTH COMMERCIAL AT", "\u2010": "HYPHEN", "\u2011": "NON-BREAKING HYPHEN",
    "\u2012": "FIGURE DASH", "\u2013": "EN DASH", "\u2014": "EM DASH", "\u2015": "HORIZONTAL BAR",
    "\u2212": "MINUS SIGN", "\ufe62": "SMALL PLUS SIGN", "\ufe63": "SMALL HYPHEN-MINUS", "\ufe66": "SMALL EQUALS SIGN",
    "\ufe6b": "SMALL COMMERCIAL AT", "\u207a": "SUPERSCRIPT PLUS SIGN", "\u207b": "SUPERSCRIPT MINUS",
    "\u207c": "SUPERSCRIPT EQUALS SIGN", "\u208a": "SUBSCRIPT PLUS SIGN", "\u208b": "SUBSCRIPT MINUS",
    "\u2052": "COMMERCIAL MINUS SIGN", "\u2796": "HEAVY MINUS SIGN", "\u2795": "HEAVY PLUS SIGN",
    "\u02d7": "MODIFIER LETTER MINUS SIGN", "\ufe58": "SMALL EM DASH", "\u2e3a": "TWO-EM DASH",
}


def corpus_payloads():
    lines = []
    for name in CORPORA:
        lines += [line for line in shared("corpora", name).read_text(encoding="utf-8").splitlines() if line.strip()]
    return lines


def test_every_corpus_payload_that_starts_a_formula_is_neutralized_and_round_trips():
    payloads = corpus_payloads()
    assert len(payloads) >= 20
    neutralized = 0
    for payload in payloads:
        cell = safe_cell(payload)
        if payload.startswith(("=", "+", "-", "@", "\u2013")):
            assert cell == "'" + payload
            neutralized += 1
        else:
            assert cell == payload  # e.g. DDE ("cmd";...) without a formula character first
        assert list(csv.reader(io.StringIO(csv_line([cell]))))[0] == [cell]
    assert neutralized >= len(payloads) - 2  # the two DDE lines


@pytest.mark.parametrize("char", sorted(LOOK_ALIKES))
def test_each_look_alike_of_a_formula_character_is_neutralized(char):
    assert unicodedata.name(char) == LOOK_ALIKES[char]
    for payload in [char + "1+1", char + "cmd|' /C calc'!A0", char, char + "15.00"]:
        assert safe_cell(payload) == "'" + payload


@pytest.mark.parametrize("payload", [
    "\t=1+1", "\tcmd", "\r=1", "\rcmd", "\ncmd", " =1+1", "  @SUM(A1)", "\u200b=1+1", "\ufeff+1+1", "\u00a0-2+3",
    "\u3000\uff1dcmd", "=", "-", "+", "@", "-1+2", "+1+1", "-15.00.1", "-1e5", "+\u0661\u0662", "=HYPERLINK(\"x\")",
])
def test_hidden_or_leading_space_formulas_are_neutralized(payload):
    assert is_formula(payload) and safe_cell(payload) == "'" + payload


@pytest.mark.parametrize("value, cell", [
    ("-15.00", "-15.00"), ("+3", "+3"), ("42", "42"), ("0.5", "0.5"), ("Smith", "Smith"), ("a=b", "a=b"),
    ("O'Brien", "O'Brien"), ("  ", "  "), ("", ""), (None, ""), (True, "true"), (False, "false"), (7, "7"),
    ("Smith - Jones", "Smith - Jones"), ("\u00e9t\u00e9", "\u00e9t\u00e9"),
])
def test_plain_values_and_numbers_stay_as_written(value, cell):
    assert safe_cell(value) == cell


def test_csv_lines_quote_values_neutralize_the_header_too_and_start_with_a_bom():
    lines = list(csv_lines(["=h", "name"], [["a,b", "=1+1"], ["x\r\ny", None]]))
    assert lines == ["\ufeff", "'=h,name\r\n", "\"a,b\",'=1+1\r\n", "\"x\r\ny\",\r\n"]
    assert csv_text(["a"], [["\u2013x"]]) == "a\r\n'\u2013x\r\n"


def test_chunks_join_lines_into_big_utf8_blocks_without_losing_a_byte():
    lines = [f"{n},\u00e9\r\n" for n in range(10000)]
    chunks = list(chunked(lines, size=1000))
    assert b"".join(chunks) == "".join(lines).encode("utf-8")
    assert 50 < len(chunks) < 200
