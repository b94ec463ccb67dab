"""Encoding sniffing and whole-file refusals (FORMATS.md 2)."""
import io

import pytest

from ingest.formats import FileRefused, ParseConfig, parse
from ingest.formats.readers import CHUNK_BYTES, open_text

from tests.support.parsing import parse_bytes

ROW = "100234,Zoë Café,,,,,,01/15/2025,02/05/2025,10.00,,5001,1\n"


def opener(data: bytes):
    return lambda: io.BytesIO(data)


def test_it_reads_utf8_without_and_with_bom():
    for data in (ROW.encode(), b"\xef\xbb\xbf" + ROW.encode()):
        result, records = parse_bytes("watersmart.invoice", data)
        assert result.encoding == "utf-8" and result.warnings == []
        assert records[0].customer["CustomerName"] == "Zoë Café"
        assert records[0].customer["AccountNumber"] == "100234"


def test_it_falls_back_to_windows_1252_with_a_warning():
    result, records = parse_bytes("watersmart.invoice", ROW.replace("Zoë", "Zoë “Z”").encode("cp1252"))
    assert result.encoding == "windows-1252"
    assert result.warnings == ["the file is not valid UTF-8: decoded as Windows-1252"]
    assert records[0].customer["CustomerName"] == "Zoë “Z” Café"


def test_it_decides_utf8_validity_over_the_whole_file():
    data = (ROW * (3 * CHUNK_BYTES // len(ROW))).encode() + ROW.replace("Zoë", "Zo\xeb").encode("latin-1")
    assert open_text(opener(data)).encoding == "windows-1252"


def test_it_keeps_a_utf8_character_split_between_chunks():
    data = ("x" * (CHUNK_BYTES - 1) + "é\n").encode()
    source = open_text(opener(data))
    assert source.encoding == "utf-8" and "".join(source.chunks()).endswith("é\n")


def test_it_decodes_the_five_undefined_windows_1252_bytes_without_failing():
    source = open_text(opener(b"a\x81b\n"))
    assert source.encoding == "windows-1252" and "".join(source.chunks()) == "a\x81b\n"


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b" \r\n\t\n"])
def test_it_refuses_an_empty_file(data):
    with pytest.raises(FileRefused, match="^empty file$"):
        parse("watersmart.invoice", opener(data), ParseConfig())


@pytest.mark.parametrize("data", [b"abc\x00def\n", ROW.encode() * 1000 + b"\x00",
                                  bytes(range(1, 32)) * 10, "x".encode("utf-16")])
def test_it_refuses_a_binary_file(data):
    with pytest.raises(FileRefused, match="^not a text file$"):
        parse("incode.adjustment", opener(data), ParseConfig())


def test_it_accepts_a_few_control_characters():
    data = ROW.encode() + b"\x07\n"  # one BEL in a text file is under 10%
    result, records = parse_bytes("watersmart.invoice", data)
    assert len(records) == 2 and records[1].status == "error"


def test_it_opens_the_file_again_for_the_second_pass():
    opened = []

    def open_bytes():
        opened.append(1)
        return io.BytesIO(ROW.encode())

    result = parse("watersmart.invoice", open_bytes, ParseConfig())
    assert len(list(result.records())) == 1 and len(opened) == 2


def test_it_drops_a_bom_also_when_the_rest_is_windows_1252():
    result, records = parse_bytes("watersmart.invoice", b"\xef\xbb\xbf" + ROW.replace("Zoë", "Zo\xeb").encode("latin-1"))
    assert result.encoding == "windows-1252" and records[0].customer["AccountNumber"] == "100234"
