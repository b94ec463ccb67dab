"""The Incode block reader: blocks with their starting line, streamed in chunks."""
import pytest

from ingest.formats import FileRefused
from ingest.formats.readers import MAX_RECORD_CHARS, read_blocks

TEXT = ('<?xml version="1.0"?>\n<Bills>\n<account>\nA=1\n</account>\nnoise\n'
        '<ACCOUNT id="2">B=2</Account >\r\n<accounting>not a block</accounting>\n<account\tx>C</account>')


def blocks(chunks):
    return [(b.line, b.text, b.error) for b in read_blocks(chunks)]


def test_it_yields_each_block_with_its_starting_line():
    assert blocks(TEXT) == [(3, "<account>\nA=1\n</account>", None),
                            (7, '<ACCOUNT id="2">B=2</Account >', None),
                            (9, "<account\tx>C</account>", None)]


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64])
def test_it_finds_the_same_blocks_whatever_the_chunking(size):
    chunks = [TEXT[i:i + size] for i in range(0, len(TEXT), size)]
    assert blocks(iter(chunks)) == blocks(TEXT)


def test_it_counts_cr_only_and_crlf_line_ends():
    assert [b[0] for b in blocks("x\r\r\n<account>1</account>\r<account>2</account>")] == [3, 4]


def test_it_reports_a_block_without_closing_tag_and_keeps_the_ones_before():
    result = blocks("<account>1</account>\n<account>2\nAccount No=9 Name=X\n")
    assert result[0] == (1, "<account>1</account>", None)
    assert result[1][0] == 2 and result[1][2] == "no closing </account> tag before the end of the file"


def test_it_ends_an_unclosed_block_at_the_next_opening_tag():
    result = blocks("<account>1\n<account>2</account>")
    assert result == [(1, "<account>1\n", "no closing </account> tag before the next <account> on line 2"),
                      (2, "<account>2</account>", None)]


def test_it_refuses_a_file_without_blocks():
    with pytest.raises(FileRefused, match=r"^no <account> blocks found$"):
        blocks("<accounts><accountant/></accounts>")


def test_it_forgets_the_text_of_a_block_too_long_to_keep():
    big = "x" * (MAX_RECORD_CHARS + 5)
    chunks = ["<account>", big[:700_000], big[700_000:], "</account>\n<account>ok</account>"]
    result = blocks(iter(chunks))
    assert result[0] == (1, None, f"block longer than {MAX_RECORD_CHARS} characters")
    assert result[1] == (2, "<account>ok</account>", None)
