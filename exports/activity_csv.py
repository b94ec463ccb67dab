"""Reading activity CSVs: bytes to text, and text to rows with the physical line each row
starts on (quoted values may span lines; CR, LF and CRLF all end a line)."""
import csv
import io


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


class CountedLines:
    """The physical lines of the text (CR, LF or CRLF), counting how many were read."""

    def __init__(self, text):
        self.lines = iter(io.StringIO(text, newline=""))
        self.count = 0

    def __iter__(self):
        return self

    def __next__(self):
        line = next(self.lines)
        self.count += 1
        return line


def read_rows(text):
    """Yield (line where the row starts, cells, None) for each non-blank CSV row, the header
    first; a row that is not valid CSV gives (line, None, message) and reading goes on with
    the next physical line (an unclosed quote runs to the end of the file)."""
    lines = CountedLines(text)
    reader = csv.reader(lines, strict=True)
    while True:
        start = lines.count + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield start, None, f"not valid CSV ({exc})"
            reader = csv.reader(lines, strict=True)
            continue
        if len(cells) > 1 or (cells and cells[0].strip()):  # a blank line is not a row
            yield start, cells, None
