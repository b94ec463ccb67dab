"""Parsing streams: records come out while the file is still being read (bounded memory)."""
import io

from ingest.formats import ParseConfig, parse


class GeneratedFile(io.RawIOBase):
    """A file of `rows` lines made on demand (never held whole); counts the bytes read."""

    def __init__(self, make_line, rows):
        self.make_line, self.rows, self.index, self.pending, self.read_bytes = make_line, rows, 0, b"", 0

    def readable(self):
        return True

    def readinto(self, buffer):
        while len(self.pending) < len(buffer) and self.index < self.rows:
            self.index += 1
            self.pending += self.make_line(self.index)
        size = min(len(buffer), len(self.pending))
        buffer[:size], self.pending = self.pending[:size], self.pending[size:]
        self.read_bytes += size
        return size


def watersmart_row(n):
    return f"{n},Customer {n},1 Main St,,Town,CA,93701,01/15/2025,02/05/2025,1.00,,{n},1,0,0,\n".encode()


def incode_block(n):
    return (f'<account><Acct_info Account No="{n}" Name="C {n}" Status="A"/><Bill_info Due_dt="07/15/2021" '
            f'Bill_dt="06/30/2021" Drft_dt="" Due="1.00" Pen="0"/></account>\n').encode()


def check_streams(code, make_line, rows=20_000):
    opened = []

    def open_bytes():
        opened.append(GeneratedFile(make_line, rows))
        return io.BufferedReader(opened[-1])

    result = parse(code, open_bytes, ParseConfig())
    records = result.records()
    next(records)
    total = opened[0].read_bytes
    assert total > 1_400_000 and opened[1].read_bytes < total / 10  # the second pass has barely begun
    assert 1 + sum(1 for _ in records) == rows and result.summary["ok"] == rows


def test_it_streams_a_watersmart_file():
    check_streams("watersmart.invoice", watersmart_row)


def test_it_streams_an_incode_file():
    check_streams("incode.invoice.include_dashes", incode_block)
