"""The parsers' fast paths give exactly what the strict paths give: `csv.reader` for rows on
one line against `_RowBuilder` for every row, and positional rows picked by index against
the generic per-field reading of the declared table."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.formats import ParseConfig, get_format
from ingest.formats.readers import read_csv, split_quoted_line
from ingest.formats.spec import Draft, Run

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Quotes, delimiters, line ends, blanks, NUL, non-ASCII and plain letters, in any order.
PIECES = st.sampled_from(['"', '""', ",", "\r", "\n", "\r\n", " ", "\t", "\x00", "é", "€", "\u2028", "a", "12"])
TEXT = st.lists(PIECES, max_size=40).map("".join)


def rows_of(text, fast, cut_at):
    chunks = [text[:cut_at], text[cut_at:]] if cut_at < len(text) else [text]
    return [(row.line, row.fields, row.error, row.last_line) for row in read_csv(chunks, fast=fast)]


@SETTINGS
@given(text=TEXT, cut_at=st.integers(0, 60))
def test_the_fast_csv_path_reads_the_rows_the_strict_reader_reads(text, cut_at):
    assert rows_of(text, True, cut_at) == rows_of(text, False, cut_at)


def test_the_fast_csv_path_leaves_broken_and_multiline_quotes_to_the_strict_reader():
    assert split_quoted_line('1,"Customer, Jr.",x') == ["1", "Customer, Jr.", "x"]
    assert split_quoted_line('1,"a""b"') == ["1", 'a"b']
    assert split_quoted_line('1,"open') is None
    assert split_quoted_line('1,"closed"then') is None
    rows = list(read_csv('1,"two\r\nlines",3\r\n4,"x"y,5\n'))
    assert [(r.line, r.fields, r.last_line) for r in rows][0] == (1, ["1", "two\r\nlines", "3"], 2)
    assert rows[1].error.startswith("the quote closed on line 3 is followed by 'y'")


FIELD = st.text(st.sampled_from(list("0123456789 .-/$,()aéY\x01")), max_size=12)


@SETTINGS
@given(code=st.sampled_from(["watersmart.invoice", "watersmart.adjustment"]),
       row=st.lists(FIELD, min_size=0, max_size=18), quiet=st.booleans())
def test_picking_positional_raws_converts_like_reading_each_field(code, row, quiet):
    spec = get_format(code)
    run = Run(spec, ParseConfig(), [])
    table = spec.table("AR" if spec.kind == "adjustment" else "IH", run.config)
    table = type(table)([*table, *spec.table("CR", run.config)], run.config)
    picked, generic = Draft(1), Draft(1)
    picked.fill_raws(table, table.pick(row), run, quiet)
    generic.fill(list(table), lambda position: row[position.number - 1] if position.number <= len(row) else None,
                 run, quiet)
    assert picked.values == generic.values and picked.errors == generic.errors
    assert picked.render(table, run) == generic.render(list(table), run)
