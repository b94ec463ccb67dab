"""Reading activity CSVs: bytes to text, and text to rows with the physical line each row
starts on, by the inbound formats' CSV reader (CR, LF and CRLF all end a line)."""
from ingest.formats.readers import read_csv


class FileRefused(Exception):
    """The file as a whole cannot be read (encoding, empty, bad header); str() is the message."""


def decode(data):
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileRefused(f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None


def normalize(name):
    return "".join(name.split()).replace("_", "").casefold()


def read_rows(text):
    """Yield (line where the row starts, cells, None) for each non-blank CSV row, the header
    first; a row with a broken quote gives (line, None, message) and reading goes on after it.
    A quoted value may hold line breaks (RFC 4180, as IC writes these files): cut at a line
    break, a payer's free text such as a PaymentMessage could carry a whole forged row."""
    for row in read_csv(text):
        if row.error:
            yield row.line, None, f"not valid CSV ({row.error})"
        else:
            yield row.line, row.fields, None
