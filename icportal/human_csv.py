"""CSV meant for people (opened in spreadsheet programs), not for partners: the one rule that
neutralizes formula injection (OWASP "CSV injection"), and the writer every human-facing CSV
uses (the load error report, the load history export, the activity downloads).

The rule: a cell is a formula risk when
- its first character is a tab, CR or LF, or
- its first visible character (after spaces and invisible format characters such as
  U+200B or U+FEFF) starts a formula: `=`, `+`, `-`, `@`, or a look-alike of one that a
  spreadsheet or a later normalization may turn into it: every character whose NFKC form
  starts with one of them (full-width U+FF1D U+FF0B U+FF0D U+FF20, the small forms U+FE62
  U+FE63 U+FE66 U+FE6B, superscript and subscript signs), every dash (Unicode category Pd:
  U+2010..U+2015, U+2E3A, U+FE58, ...), and the minus and plus signs U+2212, U+2052, U+02D6,
  U+02D7, U+2795, U+2796, U+FB29;
and it is not a plain number (ASCII digits with an optional leading `+` or `-` and decimals,
e.g. the amount `-15.00`), which spreadsheets read as a number, never as a formula.
A risky cell gets a leading apostrophe, so the value shows and round-trips as written.

Partner files (exports.writers, the IC standard file) are machine-read and byte-exact: they
never pass through here. Pure: no database; both ingest and exports import it.
"""
import csv
import re
import unicodedata
from functools import lru_cache

from django.http import StreamingHttpResponse

FORMULA_CHARACTERS = "=+-@"
CONTROL_START = ("\t", "\r", "\n")
SIGN_LOOK_ALIKES = frozenset("\u2212\u2052\u02d6\u02d7\u2795\u2796\ufb29")
SAFE_ASCII_START = frozenset(chr(n) for n in range(0x21, 0x7f)) - set(FORMULA_CHARACTERS)
PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?\Z")
UTF8_BOM = "\ufeff"  # so that spreadsheet programs read the file as UTF-8


@lru_cache(maxsize=4096)
def starts_formula(char):
    """Whether a spreadsheet may read a cell starting with `char` as a formula."""
    return any(c in FORMULA_CHARACTERS or c in SIGN_LOOK_ALIKES or unicodedata.category(c) == "Pd"
               for c in (char, unicodedata.normalize("NFKC", char)[:1]))


def is_invisible(char):
    return char.isspace() or unicodedata.category(char) == "Cf"


def is_formula(text):
    if text[:1] in SAFE_ASCII_START:  # the common case, decided by the first character
        return False
    if not text or text.startswith(CONTROL_START):
        return bool(text)
    for char in text:
        if not is_invisible(char):
            return starts_formula(char) and not PLAIN_NUMBER.match(text)
    return False


def safe_cell(value):
    """The text of a cell: None is empty, booleans true/false, formulas neutralized with `'`."""
    if value.__class__ is str and value[:1] in SAFE_ASCII_START:  # the common case, fast
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return "'" + text if is_formula(text) else text


class _Line:
    """A file-like target for csv.writer that hands back what was written."""

    def write(self, text):
        return text


_WRITER = csv.writer(_Line(), lineterminator="\r\n")


def csv_line(values):
    """One CSV line (CRLF), every cell made safe."""
    return _WRITER.writerow([safe_cell(value) for value in values])


def csv_lines(header, rows, bom=True):
    """The lines of a human-facing CSV: an optional UTF-8 BOM, the header, then the rows."""
    if bom:
        yield UTF8_BOM
    yield csv_line(header)
    for row in rows:
        yield csv_line(row)


def csv_text(header, rows):
    return "".join(csv_lines(header, rows, bom=False))


def chunked(lines, size=256 * 1024):
    """Join lines into UTF-8 chunks of about `size` characters (fewer, bigger writes)."""
    buffer, length = [], 0
    for line in lines:
        buffer.append(line)
        length += len(line)
        if length >= size:
            yield "".join(buffer).encode("utf-8")
            buffer, length = [], 0
    if buffer:
        yield "".join(buffer).encode("utf-8")


def csv_download(filename, lines, content_type="text/csv; charset=utf-8"):
    """A streamed attachment of CSV `lines` (str), sent in big UTF-8 chunks; the lines of a
    human-facing CSV come from csv_lines, a partner file's lines from its writer."""
    response = StreamingHttpResponse(chunked(lines), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response

