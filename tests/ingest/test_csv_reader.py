"""The RFC 4180 reader: csv-spectrum, physical line numbers, broken rows."""
import json

import pytest

from ingest.formats.readers import MAX_RECORD_CHARS, Row, read_csv

from tests.shared import shared


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
    assert [(row.line, row.last_line) for row in rows] == [(1, 1), (2, 4)]
    assert rows[1].error == ("the quote opened on line 2 is never closed; the row is lines 2-4: "
                             "'1,\"open\\n2,3\\n4,5'")
    assert rows[1].fields == ["1", "open\n2,3\n4,5\n"]


def test_a_closing_quote_followed_by_text_makes_the_row_an_error_ending_on_that_line():
    rows = list(read_csv('3001,Ann,1\n3002,"Bob,2\n3003,"Carol",3\n3004,Dan,4\n'))
    assert [(row.line, row.last_line, row.error is None) for row in rows] == [
        (1, 1, True), (2, 3, False), (4, 4, True)]
    assert rows[1].error == ("the quote closed on line 3 is followed by 'C', not by a comma or the end of "
                             "the line; the row is lines 2-3: '3002,\"Bob,2\\n3003,\"Carol\",3'")
    assert rows[2].fields == ["3004", "Dan", "4"]


def test_a_closing_quote_followed_by_text_on_one_line_names_that_line():
    [row] = read_csv('1,"x"y,2')
    assert row.error == ("the quote closed on line 1 is followed by 'y', not by a comma or the end of the "
                         "line; the row is line 1: '1,\"x\"y,2'")
    assert (row.line, row.last_line) == (1, 1)


def test_a_well_quoted_line_break_stays_in_one_row():
    rows = list(read_csv('a,"b\r\nc",d\ne,f'))
    assert [(row.line, row.last_line, row.fields, row.error) for row in rows] == [
        (1, 2, ["a", "b\r\nc", "d"], None), (3, 3, ["e", "f"], None)]


def test_it_only_ends_lines_at_cr_and_lf():
    rows = list(read_csv("a\u2028b,c\x0bd\x85\nx,y"))
    assert [(row.line, row.fields) for row in rows] == [(1, ["a\u2028b", "c\x0bd\x85"]), (2, ["x", "y"])]


def test_it_keeps_a_quote_inside_an_unquoted_value_literally():
    [row] = read_csv('ab"c,5" pipe,""\n')
    assert (row.fields, row.error) == (['ab"c', '5" pipe', ""], None)


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
