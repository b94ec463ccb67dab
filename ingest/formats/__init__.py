"""Inbound partner file formats: pure parsing (no database, no file paths, no network).

    result = parse("watersmart.invoice", lambda: open(path, "rb"), ParseConfig())
    for record in result.records(): ...
    result.summary, result.header, result.warnings

See docs/CONTRACTS.md for the contract and FORMATS.md for the rules.
"""
import itertools
from typing import BinaryIO, Callable, Iterable, Iterator

from . import icfile, incode, watersmart
from .converters import ConversionError
from .records import FieldError, FileRefused, ParseConfig, ParseResult, Record
from .readers import open_text
from .sniff import HEAD_CHARS, refusal
from .spec import Field, FormatSpec, Run

__all__ = ["FORMATS", "get_format", "ParseConfig", "FileRefused", "parse", "write_ic", "Record",
           "FieldError", "FormatSpec", "ParseResult", "ConversionError", "check_shape", "head_of_upload"]

FORMATS: dict[str, FormatSpec] = {spec.code: spec for spec in (*watersmart.FORMATS, *incode.FORMATS)}


def get_format(code: str) -> FormatSpec:
    try:
        return FORMATS[code]
    except KeyError:
        raise KeyError(f"unknown format {code!r} (known: {', '.join(FORMATS)})") from None


def parse(code: str, open_bytes: Callable[[], BinaryIO], config: ParseConfig | None = None) -> ParseResult:
    """Parses the file that `open_bytes()` opens (it may be called more than once).
    Raises `FileRefused` for a file refused as a whole, before any record is yielded."""
    spec = get_format(code)
    source = open_text(open_bytes)
    chunks = source.chunks()
    head = _head(chunks)
    check_shape(spec, "".join(head)[:HEAD_CHARS])
    run = Run(spec, config or ParseConfig(), list(source.warnings))
    records = spec.read(spec, itertools.chain(head, chunks), run)
    first = next(records, None)  # whole-file refusals happen before the first record
    records = itertools.chain([first] if first else [], records)
    return ParseResult(spec.code, spec.kind, source.encoding, records, run.tally, run.config, run.warnings)


def _head(chunks: Iterator[str]) -> list[str]:
    """The first chunks, at least HEAD_CHARS long (or the whole file); the parser reads them
    again before the rest of `chunks`."""
    head, size = [], 0
    while size < HEAD_CHARS and (chunk := next(chunks, None)) is not None:
        head.append(chunk)
        size += len(chunk)
    return head


def check_shape(spec: FormatSpec, head: str) -> None:
    """Refuses (FileRefused) a file whose first lines look like another format than `spec`."""
    reason = refusal(spec, head, FORMATS)
    if reason:
        raise FileRefused(reason)


def head_of_upload(data: bytes) -> str:
    """The text of the first bytes of an uploaded file, for `check_shape` at upload."""
    return data[:HEAD_CHARS].decode("utf-8", errors="replace").lstrip("\ufeff")


ALL_FIELDS: tuple[Field, ...] = tuple(f for spec in FORMATS.values() for f in spec.fields)


def write_ic(header: dict, records: Iterable[Record | dict]) -> Iterator[str]:
    """IC's standard import file: one CSV line (ending CRLF) per row, the header first,
    `ok` records only, fields in FileSpecID order."""
    return icfile.write_ic(header, records, ALL_FIELDS)
