"""What every outbound writer shares: run information, columns declared as data, and the
value rules of FORMATS.md section 7 (biller's time zone, commas removed, line breaks to a
space, unquoted values, CRLF line ends, amounts with two decimals)."""
import datetime
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, NamedTuple
from zoneinfo import ZoneInfo

LINE_BREAK = re.compile(r"\r\n|\r|\n")
CRLF = "\r\n"


class WriterError(Exception):
    """A value the partner's format cannot carry (e.g. longer than its column allows)."""


@dataclass(frozen=True)
class RunInfo:
    run_id: int  # WSReportID
    created_at: datetime.datetime  # aware; file-name timestamps
    business_date: datetime.date  # YYYYMMDD file names
    zone: ZoneInfo  # the biller's time zone

    @property
    def stamp(self):
        return self.created_at.astimezone(self.zone).strftime("%Y%m%d%H%M%S")

    @property
    def day(self):
        return self.business_date.strftime("%Y%m%d")


class OutFile(NamedTuple):
    name: str
    content: bytes
    rows: int
    total: Decimal | None = None


class Column(NamedTuple):
    header: str
    value: Callable  # (record, RunInfo) -> str
    max_length: int | None = None


@dataclass(frozen=True)
class Take:
    """Which payments a format takes, as data: `matches` (pure) and `exports.runs` (query)."""
    statuses: frozenset | None = None  # None: any status
    offline: bool | None = None  # None: either
    cloud_store: bool | None = None  # None: either
    reversals: bool = False  # True: a payment carried as approved is carried once more when voided or reversed

    def matches(self, record):
        return ((self.statuses is None or record.status in self.statuses)
                and (self.offline is None or record.offline == self.offline)
                and (self.cloud_store is None or record.cloud_store == self.cloud_store))


# value converters: each takes an attribute name (or a function of the record) and returns
# a function (record, run) -> str

def _get(source):
    return source if callable(source) else (lambda record: getattr(record, source))


def clean_text(value):
    value = str(value)
    if "," not in value and "\n" not in value and "\r" not in value:
        return value  # most values: nothing to change (three C scans, no regex)
    return LINE_BREAK.sub(" ", value).replace(",", "")


def text(source):
    get = _get(source)
    return lambda record, run: clean_text(get(record) or "")


CENT = Decimal("0.01")


def format_amount(value):
    if value is None:
        return "0.00"
    amount = Decimal(value).quantize(CENT)
    return f"{amount:.2f}" if amount else "0.00"  # never "-0.00"


def amount(source):
    get = _get(source)
    return lambda record, run: format_amount(get(record))


def local_time(source, fmt):
    """An aware datetime shown in the biller's time zone."""
    get = _get(source)

    def convert(record, run):
        value = get(record)
        return "" if value is None else value.astimezone(run.zone).strftime(fmt)
    return convert


def day(source, fmt):
    """A calendar date (no time zone)."""
    get = _get(source)

    def convert(record, run):
        value = get(record)
        return "" if value is None else value.strftime(fmt)
    return convert


def flag(source):
    get = _get(source)
    return lambda record, run: "True" if get(record) else "False"


def number(source):
    get = _get(source)
    return lambda record, run: "" if get(record) is None else str(get(record))


def ws_report_id(record, run):
    return str(run.run_id)


def render_row(columns, record, run):
    values = [column.value(record, run) for column in columns]
    for column, value in zip(columns, values):
        if column.max_length is not None and len(value) > column.max_length:
            raise WriterError(f"{column.header}: {value!r} is longer than {column.max_length} characters")
    return ",".join(values) + CRLF


def render(columns, records, run, header=True):
    """The bytes of one file: optional header row, then one row per record, CRLF, UTF-8."""
    lines = [",".join(column.header for column in columns) + CRLF] if header else []
    getters = [column.value for column in columns]
    limited = [column for column in columns if column.max_length is not None]
    for record in records:
        if limited:
            lines.append(render_row(columns, record, run))
        else:  # the same row as render_row, without its length checks (no column has a limit)
            lines.append(",".join([value(record, run) for value in getters]) + CRLF)
    return "".join(lines).encode("utf-8")


def total(records, attr="amount"):
    return sum((getattr(r, attr) or Decimal("0") for r in records), Decimal("0.00")).quantize(Decimal("0.01"))


def ordered(records):
    return sorted(records, key=lambda record: record.sort_key)
