"""How a format is declared: a table of `Field`s (where a value comes from, how it converts,
whether it is required), and the small engine that fills a record from such a table.

A new field is a new `Field` row; a format module only adds its few computed rules.
"""
import dataclasses
import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Iterable, Iterator, Sequence

from .converters import ConversionError, Converter, as_is, shown
from .readers import Batch, Row
from .records import FieldError, ParseConfig, Record, Tally


# --- where a value comes from ---------------------------------------------------------

@dataclass(frozen=True)
class Position:
    """1-based column of a positional CSV row."""
    number: int
    begin = property(lambda self: f"position {self.number}")
    missing = property(lambda self: f"the row has no position {self.number}")


@dataclass(frozen=True)
class Column:
    """A column of a CSV file with a header row, by name (trimmed, case-insensitive)."""
    name: str
    begin = property(lambda self: f"column '{self.name}'")
    missing = property(lambda self: f"the row has no column '{self.name}'")


@dataclass(frozen=True)
class Markers:
    """The text between `begin` and `end` in an Incode block (FORMATS.md 4)."""
    begin: str
    end: str
    missing = property(lambda self: f"begin marker '{self.begin}' not found")


@dataclass(frozen=True)
class BillCode:
    """The summed `<Amount>` of the bill codes with this description (FORMATS.md 4.2)."""
    description: str
    begin = property(lambda self: f"bill code '{self.description}'")


@dataclass(frozen=True)
class Element:
    """An attribute of a detail element of an Incode block (FORMATS.md 4.5)."""
    tag: str
    attribute: str
    begin = property(lambda self: f"<{self.tag} {self.attribute}=...>")


@dataclass(frozen=True)
class Constant:
    value: Any
    begin = ""


@dataclass(frozen=True)
class Setting:
    """A value of the parse configuration (the biller's settings), e.g. `invoice_format_guid`."""
    name: str
    begin = ""


@dataclass(frozen=True)
class Bif:
    """The biller's BIF value or rule for the field (ingest.formats.bif), when it has one."""
    begin = "BIF"


@dataclass(frozen=True)
class Computed:
    """Set by the format's rule (see the field's `rule`)."""
    begin = ""


@dataclass(frozen=True)
class Field:
    name: str  # IC field name
    filespec_id: int | None
    record: str  # FH, IH, CR, ID, AH, AR; "-" for a column the portal ignores
    source: Any = Computed()
    converter: Converter | None = None
    required: bool = False
    conditional: bool = False  # absent in some files: not set, never an error
    blank: Any = None  # the value of a blank (present but empty) raw value
    # rule on the converted value: None, or what is wrong ("is not digits"), which the engine
    # puts after the raw value ("'12A' is not digits")
    check: Callable[[Any, "Run"], str | None] | None = None
    when: tuple[str, bool] | None = None  # (ParseConfig flag, value) under which it applies
    rule: str = ""

    def __post_init__(self):
        # How the engine treats the field, decided once: "file" (read from the file and
        # converted), "computed" (set by the format's rule), "constant", "setting" or "bif"
        # (the biller's BIF value; the field exists only when the biller has one).
        kind = {Constant: "constant", Setting: "setting", Computed: "computed", Bif: "bif"}.get(
            type(self.source), "file")
        object.__setattr__(self, "kind", kind)

    def applies(self, config: ParseConfig) -> bool:
        if self.kind == "bif":
            return any(item.field == self.name for item in config.bif or ())
        return self.when is None or getattr(config, self.when[0]) == self.when[1]

    def marker_row(self) -> dict:
        rule = [self.rule or (self.converter.name if self.converter else "")]
        rule += ["required"] * self.required + ["conditional"] * self.conditional
        if self.when:
            rule.append(f"when {self.when[0]} is {self.when[1]}")
        return {"field": self.name, "filespec_id": self.filespec_id, "record": self.record,
                "begin": self.source.begin, "end": getattr(self.source, "end", ""),
                "rule": "; ".join(r for r in rule if r)}


@dataclass(frozen=True)
class FormatSpec:
    code: str
    kind: str  # "invoice" | "adjustment"
    partner: str  # "watersmart" | "incode"
    name: str  # IC's name of the format
    fields: tuple[Field, ...]
    read: Callable[["FormatSpec", Iterable[str], "Run"], Iterator[Record]]
    default_invoice_type_id: int | None = None
    default_bif: tuple = ()  # the BIF values of a parse without a biller (ParseConfig.bif None)
    extension: str = "csv"  # the partner's file name extension
    delimiter: str = "comma"  # how fields are separated, in IC's catalogue's words
    naming: str = ""  # the file-naming convention the watched inbox matches (ingest.formats.naming)

    def marker_rows(self) -> list[dict]:
        return [f.marker_row() for f in self.fields]

    def table(self, record: str, config: ParseConfig) -> "Table":
        return Table([f for f in self.fields if f.record == record and f.applies(config)], config)


class Table(tuple):
    """The fields of one record table, compiled once per parse from their declarations:
    what `Draft.fill` reads and converts, and what `Draft.render` writes (constants and
    settings already in place, in declaration order)."""

    def __new__(cls, fields: Iterable[Field], config: ParseConfig | None = None):
        table = super().__new__(cls, fields)
        read = [f for f in table if f.kind == "file"]
        table.sources = [f.source for f in read]
        table.reads = [(f.name, f.converter.clean, f.required, f.blank, f.check, f.source) for f in read]
        table.column_reads = [(f.name, f.converter, f.required, f.blank, f.check) for f in read]
        table.config, table.template, table.rendered, table.plain = config, {}, [], []
        for f in table:
            if f.kind in ("file", "computed", "bif"):
                render = f.converter.render if f.converter else as_is
                table.template[f.name] = None
                if render is as_is:
                    table.plain.append(f.name)
                else:
                    table.rendered.append((f.name, render))
            elif f.kind == "constant":
                table.template[f.name] = f.source.value
            elif config is not None:
                table.template[f.name] = getattr(config, f.source.name)
        table.positions = ([f.source.number - 1 for f in read]
                           if all(isinstance(f.source, Position) for f in read) else None)
        return table

    def pick(self, row: list[str]) -> list[str | None]:
        """The raw values of a positional row, in `reads` order (None past its end)."""
        width = len(row)
        return [row[i] if i < width else None for i in self.positions]


# --- one parse ------------------------------------------------------------------------

class Run:
    """The state of one parse: configuration, counts, warnings, values seen for duplicates."""

    def __init__(self, spec: FormatSpec, config: ParseConfig, warnings: list[str]):
        self.spec, self.warnings, self.tally = spec, warnings, Tally()
        self.config = dataclasses.replace(
            config, invoice_type_id=config.invoice_type_id or spec.default_invoice_type_id,
            bif=spec.default_bif if config.bif is None else config.bif)
        self._seen: dict[str, dict[Any, int]] = {}  # field -> value -> first line

    def first_line(self, field: str, value: Any, line: int) -> int | None:
        """The line of an earlier record with the same value of `field` (None: first one)."""
        if value is None:
            return None
        seen = self._seen.setdefault(field, {})
        first = seen.get(value)
        if first is None:
            seen[value] = line
        return first

    def note_duplicate(self, draft: "Draft", field: str) -> None:
        """A second record with the same value of `field` in one file is an error."""
        first = self.first_line(field, draft.values.get(field), draft.line)
        if first is not None:
            draft.error(field, f"{shown(str(draft.values[field]))} is a duplicate of line {first}")

    def note_duplicates(self, field: str, values: list, lines: Sequence[int]) -> None:
        """`note_duplicate` for a batch of records that has none: Careful (and nothing noted)
        when a value is blank, repeated or seen before."""
        seen, fresh = self._seen.setdefault(field, {}), dict(zip(values, lines))
        if len(fresh) != len(values) or None in fresh or not seen.keys().isdisjoint(fresh):
            raise Careful
        seen.update(fresh)

    def finish_ok(self, records: Iterable[Record], amounts: list) -> Iterable[Record]:
        """`finish` for a batch of records without errors (`BatchRecords`), one amount each."""
        self.tally.add_ok(len(amounts), amounts)
        return records

    def finish(self, draft: "Draft", amount_field: str, **parts) -> Record:
        errors = draft.errors
        if draft.more_errors:
            errors = [*errors, FieldError(None, f"and {draft.more_errors} more errors", draft.line)]
        record = Record(draft.line, "error" if errors else "ok", None, errors, **parts,
                        last_line=draft.last_line)
        self.tally.add(record, draft.values.get(amount_field))
        return record

    def skip(self, line: int, reason: str, last_line: int | None = None, **parts) -> Record:
        record = Record(line, "skipped", reason, **parts, last_line=last_line or line)
        self.tally.add(record, None)
        return record


MAX_ERRORS = 20  # errors kept per record; past them one "and N more errors"


class Draft:
    """The values (Python objects) and errors of the record being built: at most
    `MAX_ERRORS` errors are kept, the others only counted."""

    def __init__(self, line: int, error: str | None = None, last_line: int | None = None):
        self.line, self.last_line, self.values, self.errors = line, last_line or line, {}, []
        self.more_errors = 0
        if error:
            self.error(None, error)

    def error(self, field: str | None, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(FieldError(field, message, self.line))
        else:
            self.more_errors += 1

    def fill(self, fields: Iterable[Field], raw_of: Callable[[Any], Any], run: Run,
             quiet_missing: bool = False) -> None:
        """Converts every field read from the file; `raw_of(source)` gives the raw text,
        `None` when the source is absent, a list for bill codes, or raises ConversionError."""
        table = fields if type(fields) is Table else Table(fields)
        self.fill_raws(table, [_raw(raw_of, source) for source in table.sources], run, quiet_missing)

    def fill_raws(self, table: "Table", raws: Iterable[Any], run: Run, quiet_missing: bool = False) -> None:
        """`fill` with the raw values given in `table.reads` order (a ConversionError for
        a source that could not be read)."""
        values = self.values
        for (name, clean, required, blank, check, source), raw in zip(table.reads, raws):
            kind = type(raw)
            if kind is str:  # the common case, without the dispatch below
                try:
                    value = clean(raw)
                except ConversionError as exc:
                    values[name] = None
                    self.error(name, str(exc))
                    continue
                if value is None:
                    if blank is None and required:
                        self.error(name, "required but blank")
                    value = blank
                values[name] = value
                if value is not None and check is not None:
                    message = check(value, run)
                    if message:
                        self.error(name, f"{shown(raw.strip())} {message}")
                continue
            try:
                if kind is str:
                    value = clean(raw)
                    if value is None:
                        if blank is None and required:
                            self.error(name, "required but blank")
                        value = blank
                elif raw is None:
                    if required and not quiet_missing:
                        self.error(name, source.missing)
                    value = None
                elif kind is list:  # several bill codes: their amounts are summed
                    amounts = [a for a in map(clean, raw) if a is not None]
                    value = sum(amounts, Decimal("0.00")) if amounts else None
                else:
                    raise raw
            except ConversionError as exc:
                values[name] = None
                self.error(name, str(exc))
                continue
            values[name] = value
            if value is not None and check is not None and kind is str:
                message = check(value, run)
                if message:
                    self.error(name, f"{shown(raw.strip())} {message}")

    def render(self, fields: Iterable[Field], run: Run) -> dict:
        """The JSON dict of one record table (FORMATS.md 6), in declaration order."""
        table = fields if type(fields) is Table and fields.config is run.config else Table(fields, run.config)
        out, values = table.template.copy(), self.values
        get = values.get
        for name in table.plain:
            out[name] = get(name)
        for name, render in table.rendered:
            value = get(name)
            out[name] = None if value is None else render(value)
        return out


def _raw(raw_of: Callable[[Any], Any], source: Any) -> Any:
    try:
        return raw_of(source)
    except ConversionError as exc:
        return exc


# --- a batch of whole rows at once ----------------------------------------------------
# Most rows of a file are whole and valid. A batch of them (`readers.Batch`) is read column by
# column: each converter's `convert_column`, each check once per distinct value (or its
# `column_check`), the records built from the columns. Whenever the columns cannot vouch that
# every record of the batch is `ok` without a warning, `Careful` is raised before anything is
# noted, and the format reads the batch row by row (the same records: tests compare the two).

class Careful(Exception):
    """The batch's rows must take the per-row path."""


def read_records(items: Iterable[Batch | Row], batch_records: Callable[[Batch], Iterable[Record]],
                 row_record: Callable[[Row], Record]) -> Iterator[Record]:
    """The records of a CSV file's rows (`readers.read_csv_batches`): a batch of whole rows by
    `batch_records(batch)` (its records made as they are read), or row by row by
    `row_record(row)` when it raises Careful (the records of each item chained, not yielded
    one by one)."""
    def records(item: Batch | Row) -> Iterable[Record]:
        if type(item) is Batch:
            try:
                return batch_records(item)
            except Careful:
                return list(map(row_record, item.as_rows()))
        return [row_record(item)]
    return itertools.chain.from_iterable(map(records, items))


def column_check(batch: Callable[[list], bool]) -> Callable:
    """Declares a check's column form: `batch(values)` True when the check passes on every
    (non-blank) value; False when it cannot tell (each distinct value is then checked)."""
    def declare(check: Callable) -> Callable:
        check.batch = batch
        return check
    return declare


def passes(check: Callable, values: list, run: Run) -> bool:
    present = [value for value in values if value is not None]
    batch = getattr(check, "batch", None)
    return (batch is not None and batch(present)) or all(check(value, run) is None for value in set(present))


def pick_columns(rows: list[list[str]], positions: Iterable[int]) -> list[Sequence[str] | None]:
    """The raw values at each 0-based position over a batch of rows; None for a position no
    row reaches (a missing value); Careful when some rows reach it and others do not."""
    columns = list(zip(*rows))  # as many as the shortest row has values
    shortest, longest = len(columns), None
    picked = []
    for position in positions:
        if position < shortest:
            picked.append(columns[position])
            continue
        longest = max(map(len, rows)) if longest is None else longest
        if position >= longest:
            picked.append(None)
        else:
            raise Careful
    return picked


def fill_columns(table: Table, columns: list[Sequence[str] | None], run: Run) -> dict[str, tuple[list, list]]:
    """`Draft.fill_raws` over a batch: name -> (values, rendered values) of each field of
    `table` read from the file, `columns` in `table.reads` order; Careful unless every value
    converts and passes its checks (no error at all)."""
    count = len(next(column for column in columns if column is not None))
    filled = {}
    for (name, converter, required, blank, check), raws in zip(table.column_reads, columns):
        if raws is None:
            if required:
                raise Careful
            filled[name] = [None] * count, [None] * count
            continue
        converted = converter.convert_column(raws)
        if converted is None:
            raise Careful
        values = converted[0]
        # A value is None only where its rendering is (rendered values are never Decimals,
        # whose comparison with None is slow).
        if (required or blank is not None) and None in converted[1]:
            raise Careful
        if check is not None and not passes(check, values, run):
            raise Careful
        filled[name] = converted
    return filled


class BatchRecords:
    """The `ok` records of a batch, made by one generator compiled once per parse from the
    record's tables (as `Draft.render` renders them, in declaration order): the rendered
    values of the fields read from the file, computed or BIF are its columns (None for a
    field the batch has no column of), the constants and settings are bound. Each record is
    made as it is read (a batch's records are not all held at once) and its slots set
    directly, as `Record(...)` would set them, without a call of `Record.__init__` per record.
    `parts` gives the tables of `Record`'s parts: `invoice`, `customer`, `adjustment` one
    table each, `details` a tuple of tables."""

    def __init__(self, **parts: Table | tuple[Table, ...]):
        names, self.fields = {"Record": Record, "new": object.__new__, "zip": zip}, []

        def part(table: Table) -> str:
            items = []
            arguments = {*table.plain, *(name for name, _render in table.rendered)}  # read, computed, BIF
            for name, value in table.template.items():
                if name in arguments:
                    if name not in self.fields:
                        self.fields.append(name)
                    items.append(f"{name!r}: _{self.fields.index(name)}")
                else:
                    names[f"_k{len(names)}"] = value
                    items.append(f"{name!r}: _k{len(names) - 1}")
            return "{" + ", ".join(items) + "}"

        slots = {"line": "line", "status": "'ok'", "reason": "None", "errors": "[]", "last_line": "line",
                 **{name: part(parts[name]) if name in parts else "None" for name in ("invoice", "customer")},
                 "details": "[" + ", ".join(part(table) for table in parts.get("details", ())) + "]",
                 "adjustment": part(parts["adjustment"]) if "adjustment" in parts else "None"}
        if set(slots) != {f.name for f in dataclasses.fields(Record)}:  # a field Record gained or lost
            raise TypeError(f"BatchRecords sets {sorted(slots)}, not Record's fields")
        columns = "".join(f", _{index}" for index in range(len(self.fields)))
        source = (f"def records(lines{columns}):\n"
                  f"    for line{columns} in zip(lines{columns}):\n"
                  "        record = new(Record)\n"
                  + "".join(f"        record.{name} = {value}\n" for name, value in slots.items())
                  + "        yield record\n")
        exec(compile(source, "<batch records>", "exec"), names)
        self.records = names["records"]

    def __call__(self, lines: Sequence[int], filled: dict[str, tuple[list, list]]) -> Iterator[Record]:
        return self.records(lines, *(filled[name][1] if name in filled else itertools.repeat(None)
                                     for name in self.fields))

    def read(self, batch: Batch, table: Table, positions: Iterable[int], run: Run, unique: str, amount: str,
             then: Callable[[dict], None] | None = None) -> Iterator[Record]:
        """The batch's rows as ok records: `table`'s fields read from the columns at `positions`
        (`fill_columns`), `then(filled)` for what the format adds (its BIF values), the `unique`
        field noted for duplicates, the records tallied with their `amount` field; Careful
        (nothing noted) whenever a row must take the per-row path. Everything is checked,
        noted and tallied before the first record is made (then one at a time, as read)."""
        filled = fill_columns(table, pick_columns(batch.rows, positions), run)
        if then is not None:
            then(filled)
        lines = range(batch.line, batch.line + len(batch.rows))
        run.note_duplicates(unique, filled[unique][0], lines)
        return run.finish_ok(self(lines, filled), filled[amount][0])
