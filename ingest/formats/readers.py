"""Bytes -> text -> rows or blocks, streamed, with physical line numbers.

- `open_text(open_bytes)`: decides the encoding (UTF-8 with or without BOM, else
  Windows-1252) in a first pass over the whole file and refuses empty and binary files.
- `read_csv(chunks)`: RFC 4180 rows as `Row(line, fields)` (`.error` set on a broken row).
- `read_blocks(chunks)`: the `<account>` ... `</account>` blocks of an Incode invoice file.

Only CR and LF end a line (CRLF counts as one). Nothing here holds the whole file: a row or
a block longer than `MAX_RECORD_CHARS` is cut and reported as an error.
"""
import codecs
import re
from contextlib import closing
from dataclasses import dataclass
from typing import BinaryIO, Callable, Iterable, Iterator

from .model import FileRefused

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

_EOL = re.compile(r"\r\n|\r|\n")


def read_lines(chunks: Iterable[str]) -> Iterator[tuple[str, str, bool]]:
    """(text, line ending, cut) per physical line; `cut` when the line was too long to keep."""
    pending, cut = "", False
    for chunk in _as_chunks(chunks):
        text = pending + chunk
        stop = len(text) - 1 if text.endswith("\r") else len(text)  # CR may start a CRLF
        start = 0
        for match in _EOL.finditer(text, 0, stop):
            yield text[start:match.start()], match.group(), cut
            start, cut = match.end(), False
        pending = text[start:]
        if len(pending) > MAX_RECORD_CHARS + 1:
            pending, cut = pending[:MAX_RECORD_CHARS] + pending[-1], True
    start = 0
    for match in _EOL.finditer(pending):
        yield pending[start:match.start()], match.group(), cut
        start, cut = match.end(), False
    if start < len(pending) or cut:
        yield pending[start:], "", cut


def _as_chunks(chunks: Iterable[str] | str) -> Iterable[str]:
    return [chunks] if isinstance(chunks, str) else chunks


# --- CSV ------------------------------------------------------------------------------

class Row(tuple):
    """`(line, fields)`: the physical line where the row starts and its raw fields.
    `.error` names what is wrong with the row itself (an unterminated quote, a cut row)."""
    error: str | None

    def __new__(cls, line: int, fields: list[str], error: str | None = None):
        row = super().__new__(cls, (line, fields))
        row.error = error
        return row

    line = property(lambda self: self[0])
    fields = property(lambda self: self[1])


class _RowBuilder:
    def __init__(self, line: int):
        self.line, self.fields, self.piece, self.size = line, [], [], 0
        self.quoted_since: int | None = None  # line where the open quoted field began
        self.at_field_start, self.cut = True, False

    def add(self, text: str) -> None:
        self.size += len(text)
        if self.size > MAX_RECORD_CHARS:
            self.cut = True
        else:
            self.piece.append(text)

    def end_field(self) -> None:
        self.fields.append("".join(self.piece))
        self.piece, self.at_field_start = [], True

    def consume(self, text: str, eol: str, line: int) -> bool:
        """Adds one physical line; True when the row is complete."""
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
                else:
                    self.add(text[i:j])
                    self.quoted_since, i = None, j + 1
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

    def row(self, error: str | None = None) -> Row:
        if self.cut:
            error = f"row longer than {MAX_RECORD_CHARS} characters"
        return Row(self.line, self.fields, error)


def read_csv(chunks: Iterable[str] | str) -> Iterator[Row]:
    """RFC 4180 rows in file order; blank lines are skipped."""
    builder, line = None, 0
    for text, eol, cut in read_lines(chunks):
        line += 1
        if builder is None:
            if not text.strip():
                continue
            if '"' not in text and not cut:
                yield Row(line, text.split(","))
                continue
            builder = _RowBuilder(line)
        builder.cut = builder.cut or cut
        if builder.consume(text, eol, line):
            yield builder.row()
            builder = None
    if builder is not None:
        builder.end_field()
        yield builder.row(f"the quote opened on line {builder.quoted_since} is never closed")


# --- Incode blocks --------------------------------------------------------------------

@dataclass(frozen=True)
class Block:
    line: int  # physical line of the opening tag
    text: str | None  # from `<account` to `</account>`; None when too long to keep
    error: str | None = None


_OPEN = re.compile(r"<account(?=[>\s])", re.IGNORECASE)
_CLOSE = re.compile(r"</account\s*>", re.IGNORECASE)
_TAIL = 64  # characters kept across chunks so that a tag split between chunks is found


def line_ends(text: str, start: int, end: int) -> int:
    return text.count("\n", start, end) + text.count("\r", start, end) - text.count("\r\n", start, end)


class _BlockScanner:
    """Finds blocks in text fed chunk by chunk. Offsets are into `buf`; `line` is the
    physical line number at offset `pos` (never between the CR and LF of a CRLF)."""

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
            if self.block is None:
                match = _OPEN.search(self.buf, self.pos)
                if not match:
                    self.advance(len(self.buf) if final else max(self.pos, len(self.buf) - _TAIL))
                    return
                self.advance(match.start())
                self.block, self.found = Block(self.line, ""), True
                self.start, self.scan = match.start(), match.end()
            close, reopen = _CLOSE.search(self.buf, self.scan), _OPEN.search(self.buf, self.scan)
            if reopen and (not close or reopen.start() < close.start()):
                yield self.end_block(reopen.start(), "no closing </account> tag before the next "
                                     f"<account> on line {self.line + line_ends(self.buf, self.pos, reopen.start())}")
            elif close:
                yield self.end_block(close.end(), None)
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
        self.block = None
        return Block(block.line, text, error)


def read_blocks(chunks: Iterable[str] | str) -> Iterator[Block]:
    """The blocks in file order; text outside blocks is ignored. A block not closed before
    the next opening tag (or the end of the file) is yielded with an error."""
    scanner = _BlockScanner()
    for chunk in _as_chunks(chunks):
        yield from scanner.feed(chunk)
    yield from scanner.feed("", final=True)
    if not scanner.found:
        raise FileRefused("no <account> blocks found")
