"""FORMATS.md's accounting, checked on a parsed file: every physical line in exactly one
record, and `records = ok + error + skipped`."""
import re

_LINE_END = re.compile(r"\r\n|\r|\n")
_OPENING_TAG = re.compile(r"<account(?=[>\s])", re.IGNORECASE)


def physical_lines(text: str) -> list[str]:
    """The file's physical lines (only CR and LF end a line; CRLF is one line end)."""
    lines = _LINE_END.split(text)
    return lines[:-1] if lines and lines[-1] == "" else lines


def check_summary(summary: dict, records: list) -> None:
    assert summary["records"] == len(records) == summary["ok"] + summary["error"] + summary["skipped"]
    for status in ("ok", "error", "skipped"):
        assert summary[status] == sum(r.status == status for r in records), status


def check_csv_accounting(text: str, summary: dict, records: list) -> None:
    """Each non-blank line of a CSV file is in exactly one record, but a header row."""
    check_summary(summary, records)
    owner: dict[int, int] = {}
    for index, record in enumerate(records):
        assert record.line <= record.last_line, (record.line, record.last_line)
        for line in range(record.line, record.last_line + 1):
            assert line not in owner, f"line {line} is in records {owner[line]} and {index}"
            owner[line] = index
    lines = physical_lines(text)
    filled = [number for number, line in enumerate(lines, start=1) if line.strip()]
    missing = [number for number in filled if number not in owner]
    assert missing in ([], filled[:1]), f"lines in no record: {missing[:10]}"  # at most the header row
    assert max(owner, default=0) <= len(lines)


def check_block_accounting(text: str, summary: dict, records: list) -> None:
    """Each `<account>` opening tag starts exactly one record; records follow each other,
    two of them sharing at most the line where one ends and the next starts."""
    check_summary(summary, records)
    opened = [len(_OPENING_TAG.findall(line)) for line in physical_lines(text)]
    starts: dict[int, int] = {}
    previous_end = 0
    for record in records:
        assert previous_end <= record.line <= record.last_line, (previous_end, record.line, record.last_line)
        previous_end = record.last_line
        starts[record.line] = starts.get(record.line, 0) + 1
    assert starts == {number: count for number, count in enumerate(opened, start=1) if count}
