"""The RFC 4180 reader: csv-spectrum, physical line numbers, broken rows."""
import json

import pytest

from ingest.formats.readers import MAX_RECORD_CHARS, Row, read_csv

from .conftest import shared


def spectrum_cases():
    folder = shared("corpora", "csv-spectrum", "csvs")
    return sorted(folder.glob("*.csv"))


def test_it_reads_every_csv_spectrum_file_like_its_json_twin():
    cases = spectrum_cases()
    assert len(cases) >= 11
    for path in cases:
        text = path.read_bytes().decode("utf-8")
        rows = [fields for _, fields in read_csv(text)]
        header, data = rows[0], rows[1:]
        expected = json.loads(path.parent.parent.joinpath("json", path.stem + ".json").read_text("utf-8"))
        assert [dict(zip(header, fields)) for fields in data] == expected, path.name


def test_it_gives_the_physical_line_where_each_row_starts():
    text = 'a,b\r\n"multi\nline",x\n\n  \n"q""uote","c,d"\rlast,row'
    rows = list(read_csv(text))
    assert [(row.line, row.fields) for row in rows] == [
        (1, ["a", "b"]), (2, ["multi\nline", "x"]), (6, ['q"uote', "c,d"]), (7, ["last", "row"])]
    assert all(row.error is None for row in rows)


def test_it_unpacks_a_row_as_line_and_fields():
    line, fields = Row(3, ["a"])
    assert (line, fields) == (3, ["a"]) and Row(3, ["a"]).error is None


def test_it_reports_an_unterminated_quote_on_the_row_where_it_opened():
    rows = list(read_csv('a,b\n1,"open\n2,3\n4,5\n'))
    assert [row.line for row in rows] == [1, 2]
    assert rows[1].error == "the quote opened on line 2 is never closed"
    assert rows[1].fields == ["1", "open\n2,3\n4,5\n"]


def test_it_only_ends_lines_at_cr_and_lf():
    rows = list(read_csv("a\u2028b,c\x0bd\x85\nx,y"))
    assert [(row.line, row.fields) for row in rows] == [(1, ["a\u2028b", "c\x0bd\x85"]), (2, ["x", "y"])]


def test_it_keeps_stray_quotes_literally():
    assert list(read_csv('ab"c,"x"y,""\n'))[0].fields == ['ab"c', "xy", ""]


def test_it_reads_a_crlf_split_between_chunks_as_one_line_end():
    rows = list(read_csv(iter(["a,b\r", "\nc,d\r", "e,f"])))
    assert [(row.line, row.fields) for row in rows] == [(1, ["a", "b"]), (2, ["c", "d"]), (3, ["e", "f"])]


def test_it_cuts_a_row_that_is_too_long_and_says_so():
    huge = "x" * (MAX_RECORD_CHARS + 10)
    rows = list(read_csv(iter([f"1,{huge[:500_000]}", huge[500_000:], "\n2,3\n"])))
    assert rows[0].error == f"row longer than {MAX_RECORD_CHARS} characters"
    assert len(rows[0].fields[1]) <= MAX_RECORD_CHARS
    assert (rows[1].line, rows[1].fields, rows[1].error) == (2, ["2", "3"], None)


@pytest.mark.parametrize("text", ["", "\n\n", "  \r\n"])
def test_it_yields_nothing_for_blank_input(text):
    assert list(read_csv(text)) == []
