"""The normalized JSON of `manage.py parse_file` (FORMATS.md 6), written as a stream: the
records go to a temporary file first, because the header (counts and totals) comes first."""
import json
import tempfile
from typing import TextIO

from .records import ParseResult


def _dump(value, indent: int) -> str:
    return json.dumps(value, indent=1).replace("\n", "\n" + " " * indent)


def write_json(result: ParseResult, out: TextIO, biller: str | None) -> None:
    """Keys in order: format, biller, kind, encoding, header, records, summary. The summary
    carries `warnings` when there are any (e.g. decoded as Windows-1252)."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        count = 0
        for record in result.records():
            spool.write(("  " if count == 0 else ",\n  ") + _dump(record.to_json(), 2))
            count += 1
        summary = dict(result.summary, **({"warnings": result.warnings} if result.warnings else {}))
        out.write("{\n")
        for key, value in (("format", result.code), ("biller", biller), ("kind", result.kind),
                           ("encoding", result.encoding), ("header", result.header)):
            out.write(f' "{key}": {_dump(value, 1)},\n')
        out.write(' "records": [\n' if count else ' "records": [')
        spool.seek(0)
        while piece := spool.read(64 * 1024):
            out.write(piece)
        out.write("\n ],\n" if count else "],\n")
        out.write(f' "summary": {_dump(summary, 1)}\n}}\n')
