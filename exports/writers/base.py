"""What every outbound writer shares: run information, columns declared as data, and the
value rules of FORMATS.md section 7 (biller's time zone, commas removed, line breaks to a
space, unquoted values, CRLF line ends, amounts with two decimals)."""
import datetime
import functools
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
# a function (record, run) -> str. Each also keeps its declaration (`spec`: kind, source,
# format) so that `row_function` compiles a writer's columns into one function per row.

def _get(source):
    return source if callable(source) else (lambda record: getattr(record, source))


def _declared(kind, source, fmt=None):
    def mark(convert):
        convert.spec = (kind, source, fmt)
        return convert
    return mark


def clean_text(value):
    value = str(value)
    if "\n" not in value and "\r" not in value:
        return value.replace(",", "") if "," in value else value  # most values: C scans, no regex
    return LINE_BREAK.sub(" ", value).replace(",", "")


def text(source):
    get = _get(source)
    return _declared("text", source)(lambda record, run: clean_text(get(record) or ""))


CENT = Decimal("0.01")


def format_amount(value):
    if value is None:
        return "0.00"
    amount = Decimal(value).quantize(CENT)
    return f"{amount:.2f}" if amount else "0.00"  # never "-0.00"


def cached_amounts():
    """`format_amount` remembering its text per value, for one file: the amounts of a day's
    payments repeat (equal values always give the same text: it depends on the value alone),
    and a dictionary look-up is a fifth of a quantize and a format."""
    texts = {}

    def cached(value):
        try:
            text = texts.get(value)
        except TypeError:  # unhashable (a signalling NaN): format_amount says what is wrong
            return format_amount(value)
        if text is None:
            text = texts[value] = format_amount(value)
        return text
    return cached


def amount(source):
    get = _get(source)
    return _declared("amount", source)(lambda record, run: format_amount(get(record)))


def local_time(source, fmt):
    """An aware datetime shown in the biller's time zone."""
    get = _get(source)

    @_declared("local_time", source, fmt)
    def convert(record, run):
        value = get(record)
        return "" if value is None else value.astimezone(run.zone).strftime(fmt)
    return convert


def day(source, fmt):
    """A calendar date (no time zone)."""
    get = _get(source)

    @_declared("day", source, fmt)
    def convert(record, run):
        value = get(record)
        return "" if value is None else value.strftime(fmt)
    return convert


def flag(source):
    get = _get(source)
    return _declared("flag", source)(lambda record, run: "True" if get(record) else "False")


def number(source):
    get = _get(source)
    return _declared("number", source)(lambda record, run: "" if get(record) is None else str(get(record)))


@_declared("run_id", None)
def ws_report_id(record, run):
    return str(run.run_id)


# strftime directives shown as fixed-width numbers (years 1000 to 9999), with the attribute
# each shows: `fixed_format` turns a date format made only of these into a %-format
FIXED_DIRECTIVES = {"Y": ("%04d", "year"), "m": ("%02d", "month"), "d": ("%02d", "day"),
                    "H": ("%02d", "hour"), "M": ("%02d", "minute"), "S": ("%02d", "second")}
DATE_ATTRIBUTES = ("year", "month", "day")


def fixed_format(fmt, attributes=None):
    """(%-format, attribute names) giving the text `strftime(fmt)` gives for a year from 1000
    to 9999, when every directive of `fmt` is one of FIXED_DIRECTIVES (and shows one of
    `attributes`, when given); else None. strftime costs ~5 us a call (the C library's, a time
    tuple built per call): a quarter of a payments file's row."""
    pieces, shown = [], []
    for piece in re.split(r"(%.)", fmt):
        if piece == "%%":
            pieces.append(piece)
        elif piece.startswith("%") and len(piece) == 2:
            directive = FIXED_DIRECTIVES.get(piece[1])
            if directive is None or (attributes is not None and directive[1] not in attributes):
                return None
            pieces.append(directive[0])
            shown.append(directive[1])
        elif "%" in piece:  # a lone % at the end
            return None
        else:
            pieces.append(piece)
    return "".join(pieces), tuple(shown)


def date_expression(value, fmt, attributes=None):
    """The inline expression of `value.strftime(fmt)`: a %-format where `fixed_format` allows
    it (strftime kept for years before 1000), else strftime."""
    fixed = fixed_format(fmt, attributes)
    if fixed is None:
        return f"{value}.strftime({fmt!r})"
    pattern, shown = fixed
    arguments = "".join(f"_v.{name}, " for name in shown)
    return f"({pattern!r} % ({arguments}) if 1000 <= (_v := {value}).year else _v.strftime({fmt!r}))"


# the expression each declared kind compiles to; `{v}`: the source value of the record;
# `{local}`, `{date}`: the date formats' expressions (date_expression)
EXPRESSIONS = {
    "text": ("(_s if (_s := {v} or '').__class__ is str and ',' not in _s and '\\n' not in _s and '\\r' not in _s"
             " else _clean(_s))"),  # clean_text's fast path inline
    "amount": "_amount({v})",
    "local_time": "('' if (_v := {v}) is None else {local})",
    "day": "('' if (_v := {v}) is None else {date})",
    "flag": "('True' if {v} else 'False')",
    "number": "('' if (_v := {v}) is None else str(_v))",
    "run_id": "_run_id",
}


@functools.lru_cache(maxsize=None)
def row_function(columns):
    """The columns compiled into one function: `row_function(columns)(run)` is a function
    record -> the row's text (no line end), the same text as `render_row`: each column's
    declaration (`spec`) becomes one inline expression; a value function without one is
    called as it is. Length limits are checked as `render_row` checks them."""
    names = {"_clean": clean_text, "_amounts": cached_amounts, "WriterError": WriterError}
    parts, checks = [], []
    for index, column in enumerate(columns):
        spec = getattr(column.value, "spec", None)
        if spec is None:
            names[f"_c{index}"] = column.value
            part = f"_c{index}(r, run)"
        else:
            kind, source, fmt = spec
            if source is None:
                v = None
            elif callable(source):
                names[f"_s{index}"] = source
                v = f"_s{index}(r)"
            else:
                v = f"r.{source}" if source.isidentifier() else f"getattr(r, {source!r})"
            dates = {} if fmt is None else {"local": date_expression("_v.astimezone(_zone)", fmt),
                                            "date": date_expression("_v", fmt, DATE_ATTRIBUTES)}
            part = EXPRESSIONS[kind].format(v=v, **dates)
        parts.append(part)
        if column.max_length is not None:
            names[f"_h{index}"] = column.header
            checks.append(f"    if len(_t[{index}]) > {column.max_length}:\n"
                          f"        raise WriterError(f'{{_h{index}}}: {{_t[{index}]!r}} is longer than "
                          f"{column.max_length} characters')\n")
    if checks:
        body = f"    _t = ({', '.join(parts)},)\n" + "".join(checks) + "    return ','.join(_t)\n"
    else:
        body = f"    return ','.join(({', '.join(parts)},))\n"
    source = ("def make(run):\n    _zone = run.zone\n    _run_id = str(run.run_id)\n    _amount = _amounts()\n"
              "    def row(r):\n" + "\n".join("    " + line for line in body.splitlines()) + "\n    return row\n")
    exec(compile(source, f"<row function of {', '.join(c.header for c in columns)}>", "exec"), names)
    return names["make"]


def render_row(columns, record, run):
    values = [column.value(record, run) for column in columns]
    for column, value in zip(columns, values):
        if column.max_length is not None and len(value) > column.max_length:
            raise WriterError(f"{column.header}: {value!r} is longer than {column.max_length} characters")
    return ",".join(values) + CRLF


RENDER_CHUNK = 10_000  # rows encoded at a time


def render(columns, records, run, header=True):
    """The bytes of one file: optional header row, then one row per record, CRLF, UTF-8 (the
    rows made by the columns' compiled row function, encoded in chunks)."""
    row = row_function(tuple(columns))(run)
    chunks = [(",".join(column.header for column in columns) + CRLF).encode("utf-8")] if header else []
    records = records if isinstance(records, (list, tuple)) else list(records)
    for start in range(0, len(records), RENDER_CHUNK):
        lines = [row(record) for record in records[start:start + RENDER_CHUNK]]
        lines.append("")
        chunks.append(CRLF.join(lines).encode("utf-8"))
    return b"".join(chunks)


def total(records, attr="amount"):
    return sum((getattr(r, attr) or Decimal("0") for r in records), Decimal("0.00")).quantize(Decimal("0.01"))


def ordered(records):
    return sorted(records, key=lambda record: record.sort_key)
