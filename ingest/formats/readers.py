"""Bytes -> text -> rows or blocks, streamed, with physical line numbers.

- `open_text(open_bytes)`: decides the encoding (UTF-8 with or without BOM, else
  Windows-1252) in a first pass over the whole file and refuses empty and binary files.
- `read_csv(chunks)`: RFC 4180 rows as `Row(line, fields)` (`.error` set on a broken row);
  `read_csv_batches(chunks)` the same rows, most of them a chunk's lines at a time (`Batch`).
- `read_blocks(chunks)`: the `<account>` ... `</account>` blocks of an Incode invoice file.

Only CR and LF end a line (CRLF counts as one). Nothing here holds the whole file: a row or
a block longer than `MAX_RECORD_CHARS` is cut and reported as an error.
"""
import codecs
import csv
import itertools
import re
import threading
from contextlib import closing
from dataclasses import dataclass
from typing import BinaryIO, Callable, Iterable, Iterator, NamedTuple

from .converters import shown
from .records import FileRefused

CHUNK_BYTES = 64 * 1024
SNIFF_BYTES = 8 * 1024
MAX_RECORD_CHARS = 1_000_000
_BOM = codecs.BOM_UTF8
_CONTROL_BYTES = frozenset(range(32)) - {9, 10, 13} | {127}

# Windows-1252 leaves five bytes undefined; they decode to the C1 control of the same number.
codecs.register_error("ingest-c1", lambda e: (e.object[e.start:e.end].decode("latin-1"), e.end))


@dataclass(frozen=True)
class TextSource:
    """A file whose encoding is decided; `chunks()` decodes it again, chunk by chunk."""
    open_bytes: Callable[[], BinaryIO]
    encoding: str  # "utf-8" | "windows-1252"
    warnings: tuple[str, ...] = ()

    def chunks(self) -> Iterator[str]:
        codec = ("utf-8-sig", "strict") if self.encoding == "utf-8" else ("cp1252", "ingest-c1")
        decoder = codecs.getincrementaldecoder(codec[0])(codec[1])
        with closing(self.open_bytes()) as stream:
            first = True
            while chunk := stream.read(CHUNK_BYTES):
                if first and chunk.startswith(_BOM):  # a BOM is dropped whatever the decoding
                    chunk = chunk[len(_BOM):]
                first = False
                if text := decoder.decode(chunk):
                    yield text
            if text := decoder.decode(b"", final=True):
                yield text


def open_text(open_bytes: Callable[[], BinaryIO]) -> TextSource:
    """First pass: refuse empty or binary files, check UTF-8 validity over the whole file."""
    utf8 = codecs.getincrementaldecoder("utf-8")()
    valid, size, head, content = True, 0, b"", False
    with closing(open_bytes()) as stream:
        while chunk := stream.read(CHUNK_BYTES):
            if b"\0" in chunk:
                raise FileRefused("not a text file")
            if size < SNIFF_BYTES:
                head += chunk[: SNIFF_BYTES - size]
            content = content or bool((chunk[3:] if size == 0 and chunk.startswith(_BOM) else chunk)
                                      .strip(b" \t\r\n"))
            size += len(chunk)
            if valid:
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError:
                    valid = False
    if not content:
        raise FileRefused("empty file")
    if sum(byte in _CONTROL_BYTES for byte in head) * 10 > len(head):
        raise FileRefused("not a text file")
    if valid:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            valid = False
    if valid:
        return TextSource(open_bytes, "utf-8")
    return TextSource(open_bytes, "windows-1252",
                      ("the file is not valid UTF-8: decoded as Windows-1252",))


# --- physical lines -------------------------------------------------------------------

_LINE = re.compile(r"[^\r\n]*(?:\r\n|[\r\n])")
# Where `str.splitlines` also breaks a line; here only CR and LF end one.
_OTHER_BREAKS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


class CutLine(str):
    """A physical line longer than `MAX_RECORD_CHARS`, cut short: its row is reported."""


def line_blocks(chunks: Iterable[str] | str) -> Iterator[list[str]]:
    """The physical lines of the text, each with its line end (the file's last line may have
    none), a list per chunk: a line split between chunks goes with the chunk that ends it, a
    CR at the end of a chunk waits for a possible LF. A line too long to keep is cut (a
    `CutLine`). One `str.splitlines` per chunk, not a step per line."""
    pending, cut = "", False
    for chunk in _as_chunks(chunks):
        text = pending + chunk
        held = "\r" if text.endswith("\r") else ""  # may be the CR of a CRLF
        lines = _split_lines(text[:-1] if held else text)
        pending = (lines.pop() if lines and lines[-1][-1] not in "\r\n" else "") + held
        if cut and lines:
            lines[0], cut = CutLine(lines[0]), False
        if len(pending) > MAX_RECORD_CHARS + 1:
            pending, cut = pending[:MAX_RECORD_CHARS] + pending[-1], True
        if lines:
            yield lines
    if pending or cut:
        lines = _split_lines(pending) or [""]
        if cut:
            lines[0] = CutLine(lines[0])
        yield lines


def _split_lines(text: str) -> list[str]:
    """Complete lines with their ends, then the unended rest if any."""
    if not any(char in text for char in _OTHER_BREAKS):  # a scan per character: faster than a regex
        return text.splitlines(True)
    lines = _LINE.findall(text)
    rest = text[sum(map(len, lines)):]
    return lines + [rest] if rest else lines


def line_end(line: str) -> tuple[str, str]:
    """(text, line end) of a line from `line_blocks`."""
    if line.endswith("\r\n"):
        return line[:-2], "\r\n"
    if line.endswith(("\r", "\n")):
        return line[:-1], line[-1]
    return line, ""


def read_lines(chunks: Iterable[str]) -> Iterator[tuple[str, str, bool]]:
    """(text, line ending, cut) per physical line; `cut` when the line was too long to keep."""
    for lines in line_blocks(chunks):
        for line in lines:
            yield *line_end(line), type(line) is CutLine


def _as_chunks(chunks: Iterable[str] | str) -> Iterable[str]:
    return [chunks] if isinstance(chunks, str) else chunks


# --- CSV ------------------------------------------------------------------------------

class Row(tuple):
    """`(line, fields)`: the physical line where the row starts and its raw fields.
    `.error` names what is wrong with the row itself (a malformed or unclosed quote, a cut
    row); `.last_line` is the physical line where it ends (the row covers every line between)."""
    error: str | None
    last_line: int

    def __new__(cls, line: int, fields: list[str], error: str | None = None, last_line: int | None = None):
        row = super().__new__(cls, (line, fields))
        row.error, row.last_line = error, last_line or line
        return row

    line = property(lambda self: self[0])
    fields = property(lambda self: self[1])


RAW_SHOWN = 120  # characters of a broken row's raw text quoted in its error


class _RowBuilder:
    """One row that holds a quote, built line by line (RFC 4180 and FORMATS.md 2): a quoted
    field starts at the start of a field, may run over line ends, and its closing quote must
    be followed by a comma or the end of the line."""

    def __init__(self, line: int):
        self.line = self.last_line = line
        self.fields, self.piece, self.size, self.raw = [], [], 0, ""
        self.quoted_since: int | None = None  # line where the open quoted field began
        self.at_field_start, self.cut = True, False
        self.problem: str | None = None  # what is wrong with the row's quotes

    def add(self, text: str) -> None:
        self.size += len(text)
        if self.size > MAX_RECORD_CHARS:
            self.cut = True
        else:
            self.piece.append(text)

    def end_field(self) -> None:
        self.fields.append("".join(self.piece))
        self.piece, self.at_field_start = [], True

    def end_row_plainly(self, text: str) -> bool:
        """The rest of a line after a broken quote: split at commas, its quotes kept as written."""
        for value in text.split(","):
            self.add(value)
            self.end_field()
        return True

    def consume(self, text: str, eol: str, line: int) -> bool:
        """Adds one physical line; True when the row is complete."""
        self.last_line = line
        if len(self.raw) <= RAW_SHOWN:
            self.raw += (text + eol)[:RAW_SHOWN + 1]
        i = 0
        while True:
            if self.quoted_since is not None:
                j = text.find('"', i)
                if j < 0:
                    self.add(text[i:] + eol)
                    return False
                if text.startswith('""', j):
                    self.add(text[i:j + 1])
                    i = j + 2
                    continue
                self.add(text[i:j])
                self.quoted_since, i = None, j + 1
                if i < len(text) and text[i] != ",":
                    self.problem = (f"the quote closed on line {line} is followed by {shown(text[i])}, not by "
                                    "a comma or the end of the line")
                    return self.end_row_plainly(text[i:])
                continue
            if self.at_field_start and text.startswith('"', i):
                self.quoted_since, self.at_field_start, i = line, False, i + 1
                continue
            j = text.find(",", i)
            self.add(text[i:] if j < 0 else text[i:j])
            self.end_field()
            if j < 0:
                return True
            i = j + 1

    def row(self) -> Row:
        error = None
        if self.problem:
            lines = f"line {self.line}" if self.last_line == self.line else f"lines {self.line}-{self.last_line}"
            error = f"{self.problem}; the row is {lines}: {shown(self.raw.rstrip(chr(13) + chr(10)), RAW_SHOWN)}"
        elif self.cut:
            error = f"row longer than {MAX_RECORD_CHARS} characters"
        return Row(self.line, self.fields, error, self.last_line)


def split_quoted_line(text: str) -> list[str] | None:
    """The fields of one physical line holding quotes when `csv.reader` (strict, the excel
    dialect) reads it as one whole row, as `_RowBuilder` would; None otherwise (a quote left
    open or followed by text, a field too long for `csv`): then the strict reader decides."""
    try:
        return next(csv.reader((text,), strict=True))
    except (csv.Error, StopIteration):
        return None


class Batch(NamedTuple):
    """Rows on consecutive physical lines from `line`, each whole on its line, well formed
    (no broken quote, not too long) and of two fields or more: what most of a file is."""
    line: int
    rows: list[list[str]]

    def as_rows(self) -> list[Row]:
        return [Row(line, fields) for line, fields in enumerate(self.rows, self.line)]


def whole_rows(lines: list[str]) -> list[list[str]] | None:
    """The rows of `lines` read by one strict `csv.reader` when each line is one whole row of
    two fields or more, as `_RowBuilder` reads it (tests compare the two); None otherwise (a
    quote left open or followed by text, a blank line, a field too long for `csv`, a line
    or a row too long): then the lines are read one by one."""
    if sum(map(len, lines)) > MAX_RECORD_CHARS:
        return None
    try:
        rows = list(csv.reader(lines, strict=True))
    except csv.Error:
        return None
    return rows if len(rows) == len(lines) and min(map(len, rows)) > 1 else None


def read_csv_batches(chunks: Iterable[str] | str, fast: bool = True) -> Iterator[Batch | Row]:
    """`read_csv`'s rows, the lines of a chunk that `whole_rows` reads at once as a `Batch`."""
    builder, line = None, 0
    for lines in line_blocks(chunks):
        if fast and builder is None:
            rows = whole_rows(lines)
            if rows is not None:
                yield Batch(line + 1, rows)
                line += len(lines)
                continue
        for physical in lines:
            line += 1
            text, eol = line_end(physical)
            cut = type(physical) is CutLine
            if builder is None:
                if not text.strip():
                    continue
                if fast and not cut:
                    if '"' not in text:
                        yield Row(line, text.split(","))
                        continue
                    fields = split_quoted_line(text)
                    if fields is not None:
                        yield Row(line, fields)
                        continue
                builder = _RowBuilder(line)
            builder.cut = builder.cut or cut
            if builder.consume(text, eol, line):
                yield builder.row()
                builder = None
    if builder is not None:
        builder.end_field()
        builder.problem = f"the quote opened on line {builder.quoted_since} is never closed"
        yield builder.row()


def first_row(items: Iterable[Batch | Row]) -> tuple[Row | None, Iterator[Batch | Row]]:
    """The first row of `read_csv_batches`' items (None: no row), and the items after it."""
    items = iter(items)
    first = next(items, None)
    if type(first) is not Batch:
        return first, items
    head = [Batch(first.line + 1, first.rows[1:])] if len(first.rows) > 1 else []
    return Row(first.line, first.rows[0]), itertools.chain(head, items)


def read_csv(chunks: Iterable[str] | str, fast: bool = True) -> Iterator[Row]:
    """RFC 4180 rows in file order; blank lines are skipped. A row whose quotes are broken
    has `.error` and ends at the end of the line where that is found (or of the file).
    `fast=False` reads every row with `_RowBuilder` (the same rows, only slower: tests
    compare the two)."""
    for item in read_csv_batches(chunks, fast):
        if type(item) is Batch:
            yield from item.as_rows()
        else:
            yield item


# --- Incode blocks --------------------------------------------------------------------

class Work(threading.local):
    """The characters the block scans of this thread have examined, and its lxml parses: a
    measure of parsing work (linear in the file's size) that tests read; never a result."""
    chars = 0
    parses = 0


WORK = Work()


def find(text: str, sub: str, start: int = 0, stop: int | None = None) -> int:
    """`text.find(sub, start, stop)`, counted in `WORK`."""
    if stop is None:
        stop = len(text)
    found = text.find(sub, start, stop)
    seen = (stop if found < 0 else found + len(sub)) - start
    if seen > 0:
        WORK.chars += seen
    return found


def search(pattern: re.Pattern, text: str, start: int = 0) -> re.Match | None:
    """`pattern.search(text, start)`, counted in `WORK`."""
    match = pattern.search(text, start)
    WORK.chars += (match.end() if match else len(text)) - start
    return match


@dataclass(frozen=True)
class Block:
    line: int  # physical line of the opening tag
    text: str | None  # from `<account` to `</account>`; None when too long to keep
    error: str | None = None
    last_line: int | None = None  # physical line where the block ends


_TAG = re.compile(r"<account(?=[>\s])|</account\s*>", re.IGNORECASE)  # an opening or a closing tag
_TAIL = 64  # characters kept across chunks so that a tag split between chunks is found


def line_ends(text: str, start: int, end: int) -> int:
    return text.count("\n", start, end) + text.count("\r", start, end) - text.count("\r\n", start, end)


class _BlockScanner:
    """Finds blocks in text fed chunk by chunk, looking at each character once. Offsets are
    into `buf`; `line` is the physical line number at offset `pos` (never between the CR
    and LF of a CRLF)."""

    def __init__(self):
        self.buf, self.pos, self.line, self.found = "", 0, 1, False
        self.block: Block | None = None  # the open block: line, and whether its text is kept
        self.start = self.scan = 0  # where the open block starts, where to look for its end

    def advance(self, to: int) -> None:
        if self.pos < to == len(self.buf) and self.buf[to - 1] == "\r":
            to -= 1  # the LF of a CRLF may come with the next chunk
        self.line += line_ends(self.buf, self.pos, to)
        self.pos = to

    def feed(self, chunk: str, final: bool = False) -> Iterator[Block]:
        shift = self.pos
        self.buf, self.pos = self.buf[shift:] + chunk, 0
        self.start, self.scan = max(self.start - shift, 0), max(self.scan - shift, 0)
        while True:
            tag = search(_TAG, self.buf, self.scan if self.block else self.pos)
            if self.block is None:
                if tag and not tag.group().startswith("</"):
                    self.advance(tag.start())
                    self.block, self.found = Block(self.line, ""), True
                    self.start, self.scan = tag.start(), tag.end()
                    continue
                if tag:  # a closing tag outside any block is text outside blocks
                    self.advance(tag.end())
                    continue
                self.advance(len(self.buf) if final else max(self.pos, len(self.buf) - _TAIL))
                self.scan = self.pos
                return
            if tag and not tag.group().startswith("</"):
                yield self.end_block(tag.start(), "no closing </account> tag before the next "
                                     f"<account> on line {self.line + line_ends(self.buf, self.pos, tag.start())}")
            elif tag:
                yield self.end_block(tag.end(), None)
            elif final:
                yield self.end_block(len(self.buf), "no closing </account> tag before the end of the file")
                return
            else:
                self.scan = max(self.scan, len(self.buf) - _TAIL)
                if self.block.text is not None and len(self.buf) - self.start > MAX_RECORD_CHARS:
                    self.block = Block(self.block.line, None)
                if self.block.text is None:  # forget the text, keep looking for the end
                    self.advance(self.scan)
                return

    def end_block(self, end: int, error: str | None) -> Block:
        block = self.block
        if block.text is None:
            error = error or f"block longer than {MAX_RECORD_CHARS} characters"
        text = None if block.text is None else self.buf[self.start:end]
        self.advance(end)
        ends_a_line = self.pos == end > 0 and self.buf[end - 1] in "\r\n"
        self.block, self.scan = None, self.pos
        return Block(block.line, text, error, self.line - ends_a_line)


def read_blocks(chunks: Iterable[str] | str) -> Iterator[Block]:
    """The blocks in file order; text outside blocks is ignored. A block not closed before
    the next opening tag (or the end of the file) is yielded with an error."""
    scanner = _BlockScanner()
    for chunk in _as_chunks(chunks):
        yield from scanner.feed(chunk)
    yield from scanner.feed("", final=True)
    if not scanner.found:
        raise FileRefused("no <account> blocks found")
